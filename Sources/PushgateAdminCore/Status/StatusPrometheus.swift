// pushgate status --format prometheus: node_exporter's textfile collector format.
//
// Label values are the key's visible-ASCII rendering (VisibleBytes), then escaped as the
// exposition format asks (\\, \", \n), so the file is plain ASCII whatever the log holds.
import PushgateCore

extension StatusReport {
  /// The metrics, in the text exposition format, ending in a newline.
  ///
  /// With the areas listed, only keys with an area are exported: a removed key's old records raise
  /// no alert.
  public func prometheus() -> String {
    let keys = judgedKeys
    var out = ""
    // A family without a sample (no keys, or no area state that could be read) is left out.
    func family(_ name: String, _ type: String, _ help: String, _ value: (KeyStatus) -> Int?) {
      let samples = keys.compactMap { key in
        value(key).map { "\(name){key=\"\(Self.labelValue(key.label))\"} \($0)\n" }
      }
      guard !samples.isEmpty else { return }
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" + samples.joined()
    }
    family(
      "pushgate_last_success_timestamp_seconds", "gauge",
      "When the key's area last held its whole tree safely: a snapshot, or a push that ended well and found nothing to change or waits for snapshot_min_interval (0: never)."
    ) { $0.lastBackup ?? 0 }
    family(
      "pushgate_last_snapshot_timestamp_seconds", "gauge",
      "When the key's last snapshot was taken (0: none known)."
    ) { $0.lastSnapshot ?? 0 }
    family(
      "pushgate_last_failure_timestamp_seconds", "gauge",
      "When the key's last failure happened (0: none in the log)."
    ) { $0.summary.lastFailure ?? 0 }
    family(
      "pushgate_failures_total", "counter",
      "Failed pushes, snapshots, rotations and server errors in the audit log and its rotations."
    ) { $0.summary.failures }
    family(
      "pushgate_refusals_total", "counter",
      "Refused sessions in the audit log and its rotations."
    ) { $0.summary.refusals }
    family(
      "pushgate_pushes_total", "counter",
      "Sessions that changed the key's area, in the audit log and its rotations."
    ) { $0.summary.pushes }
    if case .listed = areas {
      family(
        "pushgate_session_running", "gauge",
        "Whether a session holds the key's area now (absent: cannot be read)."
      ) {
        $0.area.flatMap { $0.activity == .unknown ? nil : ($0.activity == .session ? 1 : 0) }
      }
      family(
        "pushgate_snapshot_running", "gauge",
        "Whether a snapshot or rotation of the key's area runs now (absent: cannot be read)."
      ) {
        $0.area.flatMap { $0.activity == .unknown ? nil : ($0.activity == .snapshot ? 1 : 0) }
      }
      family(
        "pushgate_snapshots", "gauge",
        "btrfs snapshots named by their UTC time in the key's snapshots/ (absent: rsnapshot, or cannot be read)."
      ) {
        guard case .counted(let count, _)? = $0.area?.snapshots else { return nil }
        return count
      }
      family(
        "pushgate_newest_snapshot_timestamp_seconds", "gauge",
        "The time in the name of the newest btrfs snapshot in the key's snapshots/ (absent: none, rsnapshot, or cannot be read)."
      ) { $0.area?.snapshots.newestTime }
      family(
        "pushgate_pending", "gauge",
        "Whether the key's area holds changes no snapshot has taken yet (absent: cannot be read)."
      ) {
        $0.area?.pending.map { $0 == AreaState.Pending.none ? 0 : 1 }
      }
      family(
        "pushgate_pending_incomplete", "gauge",
        "Whether those changes are from a push that ended badly: no rotation snapshots them."
      ) { key in
        // A running session's own mark (pushgate-serve(8)) is not a push that ended badly.
        key.area?.pending.map { $0 == .incomplete && key.area?.activity != .session ? 1 : 0 }
      }
    }
    out +=
      "# HELP pushgate_audit_log_damaged_lines Lines of the audit log and its rotations that are not records (skipped).\n"
    out +=
      "# TYPE pushgate_audit_log_damaged_lines gauge\npushgate_audit_log_damaged_lines \(tally.damagedLines)\n"
    if case .read(let view) = locks {
      out += "# HELP pushgate_slots Connection slots (max_connections).\n"
      out += "# TYPE pushgate_slots gauge\npushgate_slots \(view.slots.count)\n"
      out += "# HELP pushgate_slots_in_use Connection slots held now.\n"
      out += "# TYPE pushgate_slots_in_use gauge\npushgate_slots_in_use \(view.slotsInUse)\n"
    }
    return out
  }

  /// A label value: the visible rendering, then `\` `"` and newline escaped.
  static func labelValue(_ key: String) -> String {
    escapeLabel(visible(key, limit: 256))
  }

  /// Escapes a label value as the exposition format requires.
  static func escapeLabel(_ value: String) -> String {
    var out = ""
    for character in value {
      switch character {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.append(character)
      }
    }
    return out
  }
}
