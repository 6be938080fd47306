// pushgate keys: the pushgate lines of authorized_keys, with each key's fingerprint and the
// time of its last successful snapshot from the audit log.
import ArgumentParser
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// `pushgate keys [--authorized-keys FILE] [--config FILE]`.
///
/// Exit statuses: 0 listed; 64 usage; 71 the file cannot be read.
struct Keys: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the pushgate lines of authorized_keys.",
    discussion: """
      Shows each pushgate line's label, key type, fingerprint, from= patterns and the time of \
      the label's last successful snapshot (result ok or warning in the audit log of the \
      line's settings file, or of --config). Lines without 'restrict' are flagged.
      """)

  @Option(
    name: .customLong("authorized-keys"),
    help: ArgumentHelp(
      "The file to read (default: ~/.ssh/authorized_keys of --account, else of the owner of "
        + "the areas next to --config, else of you unless you are root).",
      valueName: "file"))
  var authorizedKeys: String?

  @Option(
    help: ArgumentHelp("The backup account whose authorized_keys to read.", valueName: "user"))
  var account: String?

  @Option(
    help: ArgumentHelp(
      "The settings file whose audit log to read (default: each line's --config).",
      valueName: "file"))
  var config: String?

  func run() throws {
    do {
      try list()
    } catch {
      error.report()
      throw ExitCode(error.status)
    }
  }

  private func list() throws(AuthorizeFailure) {
    var path = authorizedKeys ?? ""
    if authorizedKeys == nil { path = try defaultAccount().home + "/.ssh/authorized_keys" }
    let file = AuthorizedKeysFile(try read(path))
    let entries = file.pushgateEntries
    var snapshots = LastSnapshots()
    var rows = [["label", "type", "fingerprint", "from", "last snapshot", "note"]]
    for entry in entries {
      let line = entry.line
      let fingerprint = KeyFingerprint.sha256(type: line.keyType, base64: line.base64)
      let bits = PublicKeyCheck.bits(type: line.keyType, base64: line.base64)
      let type =
        (PublicKeyCheck.typeName(line.keyType) ?? line.keyType) + (bits.map { "-\($0)" } ?? "")
      var notes: [String] = []
      if !entry.isRestricted { notes.append("no restrict") }
      if fingerprint == nil { notes.append("invalid key") }
      if entry.key == nil { notes.append("no --key") }
      let last = snapshots.time(
        for: entry.key ?? "", config: config ?? entry.config ?? SettingsFile.defaultPath)
      rows.append(
        [
          entry.key ?? "-", type, fingerprint ?? "-", entry.from ?? "-", last,
          notes.joined(separator: ", "),
        ].map(Self.visible))
      if !entry.isRestricted {
        AuthorizeFailure.warn(
          "line \(entry.lineNumber) ('\(Self.visible(entry.key ?? "-"))') has no 'restrict': "
            + "the key may forward ports and get a pty")
      }
    }
    if entries.isEmpty {
      print("no pushgate lines in '\(path)'")
    } else {
      for row in rows { print(Self.columns(row)) }
    }
    let others = file.keyLines.count - entries.count
    if others > 0 {
      print("\(others) other key line\(others == 1 ? "" : "s") not run by pushgate-serve")
    }
  }

  /// --account, else the owner of the root's areas (next to --config, or the default
  /// settings), else you -- but never root by default: root's own authorized_keys is not
  /// where backup keys belong.
  private func defaultAccount() throws(AuthorizeFailure) -> KeyAccount {
    let settings = config ?? SettingsFile.defaultPath
    let name = account ?? BackupAccount.owner(config: settings)
    if name == nil && Identity.isRoot {
      throw .usage(
        "cannot tell the backup account: no area or account-owned keys/ next to '\(settings)'\n"
          + "hint: pass --account, --authorized-keys or --config")
    }
    return try AuthorizeFile.account(name)
  }

  private func read(_ path: String) throws(AuthorizeFailure) -> [UInt8] {
    guard let bytes = TrustedFile.readSmall(path, limit: AuthorizeFile.maximumFile) else {
      throw AuthorizeFile.osError("cannot read '\(path)'")
    }
    return bytes
  }

  private static func visible(_ text: String) -> String {
    VisibleBytes.render(Array(text.utf8), limit: 128).text
  }

  private static func columns(_ row: [String]) -> String {
    let widths = [16, 12, 51, 18, 20]
    var line = ""
    for (index, cell) in row.enumerated() {
      let width = index < widths.count ? widths[index] : 0
      line += cell + String(repeating: " ", count: max(1, width - cell.count + 1))
    }
    return String(line.reversed().drop { $0 == " " }.reversed())
  }
}

/// The last successful snapshot per label, read once per audit log.
struct LastSnapshots {
  private var byLog: [String: [String: Int]] = [:]
  private var logOfConfig: [String: (log: String, interval: String)?] = [:]

  /// `YYYY-MM-DDTHH:MM:SSZ`, `never`, or `?` when the settings file does not load.
  mutating func time(for label: String, config: String) -> String {
    if logOfConfig[config] == nil {
      switch SettingsFile.load(config) {
      case .success(let settings):
        logOfConfig[config] = .some((settings.auditLog, settings.interval))
      case .failure(let error):
        AuthorizeFailure.warn("settings '\(config)' do not load: \(error.failure.detail)")
        logOfConfig[config] = .some(nil)
      }
    }
    guard let (log, interval) = logOfConfig[config] ?? nil else { return "?" }
    if byLog[log] == nil { byLog[log] = Self.scan(log, interval: interval) }
    return byLog[log]?[label].map(Timestamp.iso8601) ?? "never"
  }

  /// Records of a new snapshot — `snapshot-ended`, or `rotate-ended` of the lowest level
  /// (`interval`) — with result `ok` or `warning`, latest time per key.
  static func scan(_ log: String, interval: String) -> [String: Int] {
    var latest: [String: Int] = [:]
    LogFiles.forEachEntry(of: log) { entry in
      let isSnapshot =
        entry.has("event", "snapshot-ended")
        || (entry.has("event", "rotate-ended") && entry.has("level", interval))
      guard isSnapshot, entry.has("result", "ok") || entry.has("result", "warning"),
        let key = entry.key, let time = entry.time
      else { return }
      latest[key] = max(latest[key] ?? time, time)
    }
    return latest
  }
}
