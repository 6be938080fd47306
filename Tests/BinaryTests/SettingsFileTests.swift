// A settings file or audit log that cannot be trusted: never serve, say so briefly, log where
// possible.
import Foundation
import Glibc
import TestSupport
import Testing

/// A broken settings file; `ROOT` stands for the backup root in the paths.
struct SettingsCase: Sendable, CustomTestStringConvertible {
  enum Breakage: Sendable {
    case missing, groupWritable, symlink, directory, otherOwner, unknownSetting, badValue
  }

  let name: String
  let breakage: Breakage
  /// The `--config` argument.
  let config: String
  /// The failed record's `detail`.
  let detail: String
  var testDescription: String { name }
}

let settingsCases: [SettingsCase] = [
  SettingsCase(
    name: "a missing file", breakage: .missing, config: "ROOT/missing.conf",
    detail: "cannot read settings 'ROOT/missing.conf': open: No such file or directory"),
  SettingsCase(
    name: "a group-writable file", breakage: .groupWritable, config: "ROOT/pushgate.conf",
    detail: "settings 'ROOT/pushgate.conf' has mode 664; run 'chmod go-w ROOT/pushgate.conf'"),
  SettingsCase(
    name: "a symbolic link", breakage: .symlink, config: "ROOT/link.conf",
    detail: "settings 'ROOT/link.conf' is a symbolic link; point --config at the real file"),
  SettingsCase(
    name: "a directory", breakage: .directory, config: "ROOT/conf.d",
    detail: "settings 'ROOT/conf.d' is not a regular file"),
  SettingsCase(
    name: "a file owned by another account", breakage: .otherOwner, config: "ROOT/pushgate.conf",
    detail:
      "settings 'ROOT/pushgate.conf' is owned by uid 65534; it must be owned by root or by the backup account"
  ),
  SettingsCase(
    name: "an unknown setting", breakage: .unknownSetting, config: "ROOT/etc/pushgate.conf",
    detail: "ROOT/etc/pushgate.conf:5: unknown setting 'rsink'; did you mean 'rsync'?"),
  SettingsCase(
    name: "an invalid value", breakage: .badValue, config: "ROOT/pushgate.conf",
    detail: "ROOT/pushgate.conf:5: 'snapshot_mode' must be 'wait' or 'detach', not 'later'"),
]

@Test(
  "unusable settings: exit 78, one line for the client, the detail in the log", .blocking,
  arguments: settingsCases)
func unusableSettings(_ row: SettingsCase) throws {
  let root = try Root()
  defer { root.remove() }
  let config = row.config.replacingOccurrences(of: "ROOT", with: root.path)
  let fileManager = FileManager.default
  switch row.breakage {
  case .missing: break
  case .groupWritable: chmod(root.config, 0o664)
  case .symlink:
    try fileManager.createSymbolicLink(atPath: config, withDestinationPath: root.config)
  case .directory:
    try fileManager.createDirectory(atPath: config, withIntermediateDirectories: false)
  case .otherOwner: chown(root.config, 65534, 65534)
  case .unknownSetting:
    try fileManager.createDirectory(atPath: root.path + "/etc", withIntermediateDirectories: false)
    try root.writeSettings(["rsink = /usr/bin/rsync"], to: config)
  case .badValue: try root.writeSettings(["snapshot_mode = later"])
  }
  let result = try root.serve(
    root.allowedCommand, arguments: ["--config", config, "--key", "laptop"])

  #expect(result.status == 78)
  #expect(result.stdout.isEmpty)
  #expect(
    result.err
      == "pushgate: server error: backup settings are invalid; the administrator must fix them\n")
  #expect(root.rsyncRuns().isEmpty)
  #expect(!root.exists("pushgate.lock"))
  // The log lands next to the file, or under the root when the file names one.
  let records = root.records
  try #require(records.count == 1)
  #expect(records[0].text("event") == "failed")
  #expect(records[0].text("reason") == "settings")
  #expect(records[0].text("detail") == row.detail.replacingOccurrences(of: "ROOT", with: root.path))
  #expect(records[0].text("key") == "laptop")
  #expect(records[0].text("command") == root.allowedCommand)
  #expect(!root.exists("etc/pushgate.log"))
}

/// An audit log the gate must not write through.
struct AuditLogCase: Sendable, CustomTestStringConvertible {
  enum Breakage: Sendable { case symlink, directory, otherOwner, worldWritable }
  let name: String
  let breakage: Breakage
  var testDescription: String { name }
}

@Test(
  "an unusable audit log refuses to serve", .blocking,
  arguments: [
    AuditLogCase(name: "a symbolic link", breakage: .symlink),
    AuditLogCase(name: "a directory", breakage: .directory),
    AuditLogCase(name: "owned by another account", breakage: .otherOwner),
    AuditLogCase(name: "world-writable", breakage: .worldWritable),
  ])
func unusableAuditLog(_ row: AuditLogCase) throws {
  let root = try Root()
  defer { root.remove() }
  try root.writeSettings(["audit_log = \(root.path)/audit.log"])
  let log = root.path + "/audit.log"
  let target = root.path + "/elsewhere.log"
  switch row.breakage {
  case .symlink:
    try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: target)
  case .directory:
    try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: false)
  case .otherOwner:
    try write("", to: log, mode: 0o640)
    chown(log, 65534, 65534)
  case .worldWritable: try write("", to: log, mode: 0o646)
  }
  for command in [root.allowedCommand, "ls /"] {
    let result = try root.serve(command)
    #expect(result.status == 71)
    #expect(result.stdout.isEmpty)
    #expect(result.err == "pushgate: server error: cannot write the audit log; refusing to serve\n")
  }
  #expect(root.rsyncRuns().isEmpty)
  #expect(!root.exists("elsewhere.log"))
  #expect(!root.exists("pushgate.lock"))
  if row.breakage != .directory { #expect(read(log) == "") }
}

@Test("the settings of an untrusted file do not choose where the failure is logged", .blocking)
func untrustedSettingsDoNotChooseLog() throws {
  let root = try Root()
  defer { root.remove() }
  // Anyone in the group may edit this file, so its contents are not the administrator's word.
  try root.writeSettings(["audit_log = \(root.path)/chosen-by-the-group.log"])
  chmod(root.config, 0o664)
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 78)
  #expect(!root.exists("chosen-by-the-group.log"))
  #expect(root.records("failed").count == 1, "logged next to the file instead")
}
