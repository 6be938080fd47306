// The two files of a backup root outside it: logrotate's stanza for the audit log and the cron.d
// lines of `pushgate rotate`. `pushgate init` prints both, and writes them with --system-files.
//
// The stanza is the one docs/audit-log.md ("Rotation") explains: the gate reopens the log for
// every record, so no signal is needed; `create` must give the new log to the account (a
// root-owned log fails every session); `su` lets logrotate work in a root the account's group
// may write; `copytruncate` would lose the records written between its copy and its truncate.
import PushgateCore

/// `/etc/logrotate.d/pushgate-NAME` and `/etc/cron.d/pushgate-NAME` for one backup root.
public struct SystemFiles: Equatable, Sendable {
  /// `pushgate-NAME`, the name of both files (``fileName(root:)``).
  public let name: String
  /// Where the logrotate stanza goes.
  public let logrotatePath: String
  /// Where the cron lines go.
  public let cronPath: String
  /// The directories the files go into, `ETC/logrotate.d` and `ETC/cron.d`.
  public let directories: [String]
  /// The logrotate stanza, one line per element.
  public let logrotateLines: [String]
  /// The cron.d file's lines: a comment, then the lines of `pushgate rotate`.
  public let cronFileLines: [String]

  /// Longest NAME kept from the root's path; a longer one keeps its end.
  static let maximumNameLength = 200

  /// Plans both files for `request`, under `etc` (`/etc`, or a test's directory).
  ///
  /// - Parameter cronLines: The cron.d lines of ``SetupInstructions/cronLines``.
  public init(request: SetupRequest, cronLines: [String], etc: String = "/etc") {
    name = SystemFiles.fileName(root: request.root)
    directories = [etc + "/logrotate.d", etc + "/cron.d"]
    logrotatePath = directories[0] + "/" + name
    cronPath = directories[1] + "/" + name
    logrotateLines = SystemFiles.logrotateStanza(
      log: request.settings.auditLog, account: request.account.name,
      group: request.account.group)
    cronFileLines =
      ["# pushgate rotate for the backup root \(request.root) (written by pushgate init)"]
      + cronLines
  }

  /// logrotate's stanza for the audit log `log`, whose writers run as `account`.
  public static func logrotateStanza(log: String, account: String, group: String) -> [String] {
    [
      "\(log) {",
      "    su \(account) \(group)",
      "    create 0640 \(account) \(group)",
      "    weekly",
      "    rotate 12",
      "    compress",
      "    delaycompress",
      "    missingok",
      "    notifempty",
      "}",
    ]
  }

  /// `pushgate-NAME` for `root`: `/backup` → `pushgate-backup`.
  ///
  /// NAME is the path's parts joined by `-` (`/srv/backup` → `pushgate-srv-backup`), every
  /// byte other than a letter, digit, `_` or `-` made `_`, because cron runs no file of cron.d
  /// whose name has another byte (a dot included). Two roots may share a NAME (`/a-b`, `/a/b`): init then finds a file that
  /// differs and keeps it.
  public static func fileName(root: String) -> String {
    let parts = root.split(separator: "/").map { part in
      String(
        decoding: part.utf8.map { byte in
          SystemFiles.isCronNameByte(byte) ? byte : UInt8(ascii: "_")
        }, as: UTF8.self)
    }
    let name = parts.joined(separator: "-")
    return "pushgate-" + String(decoding: name.utf8.suffix(maximumNameLength), as: UTF8.self)
  }

  /// Whether cron accepts `byte` in the name of a file of cron.d: letters, digits, `_`, `-`.
  public static func isCronNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
      true
    default: false
    }
  }

  /// The logrotate file's text.
  public var logrotateText: String {
    (["# the audit log of pushgate (written by pushgate init; see docs/audit-log.md)"]
      + logrotateLines).joined(separator: "\n") + "\n"
  }

  /// The cron.d file's text.
  public var cronText: String { cronFileLines.joined(separator: "\n") + "\n" }

  /// Both files as init's steps: root's, 0644 (cron ignores a cron.d file that group or
  /// others may write, and logrotate one that is not root's).
  public var steps: [SetupStep] {
    [
      SetupStep(
        path: logrotatePath, kind: .file(logrotateText), mode: 0o644, owner: SetupOwner.root),
      SetupStep(path: cronPath, kind: .file(cronText), mode: 0o644, owner: SetupOwner.root),
    ]
  }
}
