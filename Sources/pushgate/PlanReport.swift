// Presentation of a session plan for `pushgate check`.
import PushgateCore

/// Renders a plan as the administrator reads it.
enum PlanReport {
  /// `account` names whom pushgate-serve would run as, and how check knows.
  static func render(_ plan: SessionPlan, account: String) -> String {
    let settings = plan.settings
    var lines = ["allow"]
    lines.append("  account:     \(account); rsync gets its HOME, USER and LOGNAME")
    lines.append(
      "  area:        \(plan.area.directory) (one session of this key at a time: \(plan.area.lockFile))"
    )
    lines.append(
      "  slots:       \(settings.maxConnections) on \(settings.lockFile), wait up to \(settings.slotWait) s"
    )
    lines.append("  directory:   \(plan.rsync.directory)")
    lines.append("  rsync argv:  " + plan.rsync.arguments.map(quoted).joined(separator: " "))
    lines.append(
      "  rsync environment (nothing else is passed; SSH_CONNECTION and SSH_CLIENT come from sshd):")
    lines += plan.rsync.environment.map { "    " + quoted($0) }
    switch settings.snapshots {
    case .rsnapshot:
      lines.append(
        "  snapshot:    " + plan.snapshotSync.arguments.map(quoted).joined(separator: " ")
          + ", then if it exits 0: " + plan.snapshot.arguments.map(quoted).joined(separator: " "))
    case .btrfs:
      lines.append(
        "  snapshot:    btrfs, read-only: \(plan.area.incoming) -> \(plan.area.snapshots)/"
          + "<UTC time, such as \(SnapshotName.render(0))> (one ioctl, as the account)")
    }
    lines.append(
      "  snapshot when: rsync exits with \(settings.snapshotOn.map(String.init).joined(separator: " or ")) and its transfer log shows the push created, changed or deleted something in module '\(settings.pushModule)' (or earlier changes are pending)"
    )
    if settings.snapshotMinInterval > 0 {
      lines.append(
        "  min interval: \(AgeText.setting(settings.snapshotMinInterval)) after the area's last snapshot; changes meanwhile stay pending"
      )
    }
    lines.append(
      "  snapshot mode: \(settings.snapshotMode.rawValue), timeout \(settings.snapshotTimeout) s")
    lines.append("  audit log:   \(settings.auditLog)")
    return lines.joined(separator: "\n")
  }

  /// Single-quotes a word when it holds anything but plain characters.
  static func quoted(_ word: String) -> String {
    let plain = word.utf8.allSatisfy { PathRules.isSafe($0) || $0 == UInt8(ascii: "=") }
    if plain && !word.isEmpty { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: Character(target), omittingEmptySubsequences: false).joined(
      separator: replacement)
  }
}
