// pushgate.conf: valid files as whole Settings, and where a broken file's audit log is.
import Testing

@testable import PushgateCore

private let file = "/b/pushgate.conf"

struct SettingsCase: Sendable, CustomTestStringConvertible {
  let name: String
  let contents: [UInt8]
  let expected: Settings
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private func ok(
  _ name: String, _ text: String, _ expected: Settings,
  sourceLocation: SourceLocation = #_sourceLocation
) -> SettingsCase {
  SettingsCase(
    name: name, contents: Array(text.utf8), expected: expected, sourceLocation: sourceLocation)
}

/// The default settings with some fields changed.
private func settings(_ root: String = "/backup", _ change: (inout Settings) -> Void = { _ in })
  -> Settings
{
  var s = Settings(root: root)
  change(&s)
  return s
}

private let fullFile = """
  # every setting, in the order of the manual
  root = /srv/backup
  rsync = /opt/rsync/bin/rsync
  rsyncd_conf = /etc/pushgate/rsyncd.conf
  push_module = incoming.v2
  max_connections = 4
  slot_wait = 30
  lock_file = /run/pushgate/pushgate.lock
  audit_log = /var/log/pushgate/audit.log
  io_timeout = 0
  rsnapshot = /opt/rsnapshot/bin/rsnapshot
  retain = daily=7   weekly=4 monthly=12
  snapshot_on = 0 24 24
  snapshot_mode = detach
  snapshot_timeout = 7200
  snapshot_min_interval = 1h

  """

let settingsCases: [SettingsCase] = [
  ok("minimal file", "root = /backup", Settings(root: "/backup")),
  ok("minimal file with newline", "root = /backup\n", Settings(root: "/backup")),
  ok("no spaces around =", "root=/backup", Settings(root: "/backup")),
  ok("other root moves every derived default", "root = /srv/b-2\n", Settings(root: "/srv/b-2")),
  ok(
    "comments and blank lines",
    "# pushgate\n\n   # indented comment\n\t\nroot = /backup\n# root = /evil\n\n",
    Settings(root: "/backup")),
  ok(
    "CRLF line ends", "# c\r\nroot = /backup\r\nmax_connections = 2\r\n\r\n",
    settings { $0.maxConnections = 2 }),
  ok(
    "surrounding spaces and tabs", "\t root\t=\t/backup \t\n  slot_wait=5  \n",
    settings { $0.slotWait = 5 }),
  ok(
    "every setting", fullFile,
    settings("/srv/backup") {
      $0.rsync = "/opt/rsync/bin/rsync"
      $0.rsyncdConf = "/etc/pushgate/rsyncd.conf"
      $0.pushModule = "incoming.v2"
      $0.maxConnections = 4
      $0.slotWait = 30
      $0.lockFile = "/run/pushgate/pushgate.lock"
      $0.auditLog = "/var/log/pushgate/audit.log"
      $0.ioTimeout = 0
      $0.rsnapshot = "/opt/rsnapshot/bin/rsnapshot"
      $0.retain = [
        RetainLevel(name: "daily", count: 7), RetainLevel(name: "weekly", count: 4),
        RetainLevel(name: "monthly", count: 12),
      ]
      $0.snapshotOn = [0, 24]
      $0.snapshotMode = .detach
      $0.snapshotTimeout = 7200
      $0.snapshotMinInterval = 3600
    }),
  ok(
    "upper bounds",
    "root = /backup\nmax_connections = 1000\nslot_wait = 86400\nio_timeout = 86400\n"
      + "snapshot_timeout = 604800\nsnapshot_on = 255 0\n",
    settings {
      $0.maxConnections = 1000; $0.slotWait = 86400; $0.ioTimeout = 86400
      $0.snapshotTimeout = 604800; $0.snapshotOn = [255, 0]
    }),
  ok(
    "lower bounds",
    "root = /backup\nmax_connections = 1\nslot_wait = 0\nsnapshot_timeout = 1\n"
      + "snapshot_min_interval = 0\n",
    settings {
      $0.maxConnections = 1; $0.snapshotTimeout = 1
    }),
  ok("snapshot_mode wait", "root = /backup\nsnapshot_mode = wait", Settings(root: "/backup")),
  ok(
    "the btrfs engine", "root = /backup\nsnapshots = btrfs\nsnapshot_min_interval = 10m\n",
    settings {
      $0.snapshots = .btrfs; $0.snapshotMinInterval = 600
    }),
  ok(
    "btrfs retention",
    "root = /backup\nsnapshots = btrfs\npreserve = 48h 7d\npreserve_min = latest\n",
    settings {
      $0.snapshots = .btrfs; $0.preserve = Preserve(hourly: 48, daily: 7); $0.preserveMin = .latest
    }),
  ok("the rsnapshot engine", "root = /backup\nsnapshots = rsnapshot", Settings(root: "/backup")),
  ok(
    "root set after other settings", "push_module = p\nroot = /x\n",
    settings("/x") { $0.pushModule = "p" }),
  ok(
    "a single level", "root = /backup\nretain = hourly=1\n",
    settings { $0.retain = [RetainLevel(name: "hourly", count: 1)] }),
  ok(
    "durations in every unit", "root = /backup\nsnapshot_min_interval = 90s\n",
    settings { $0.snapshotMinInterval = 90 }),
  ok(
    "minutes", "root = /backup\nsnapshot_min_interval = 30m\n",
    settings { $0.snapshotMinInterval = 1800 }),
  ok(
    "days, the upper bound", "root = /backup\nsnapshot_min_interval = 366d\n",
    settings { $0.snapshotMinInterval = 366 * 86400 }),
  ok(
    "plain seconds", "root = /backup\nsnapshot_min_interval = 600\n",
    settings { $0.snapshotMinInterval = 600 }),
]

@Test(arguments: settingsCases)
func parsesSettings(_ c: SettingsCase) throws {
  #expect(
    try SettingsParser.parse(c.contents, file: file) == c.expected, sourceLocation: c.sourceLocation
  )
}

@Test func defaultsAreTheDocumentedValues() throws {
  let s = try SettingsParser.parse(Array("root = /backup\n".utf8), file: file)
  #expect(s.root == "/backup")
  #expect(s.rsync == "/usr/bin/rsync")
  #expect(s.rsyncdConf == "/backup/rsyncd.conf")
  #expect(s.pushModule == "push")
  #expect(s.maxConnections == 8)
  #expect(s.slotWait == 0)
  #expect(s.lockFile == "/backup/pushgate.lock")
  #expect(s.auditLog == "/backup/pushgate.log")
  #expect(s.ioTimeout == 600)
  #expect(s.rsnapshot == "/usr/bin/rsnapshot")
  #expect(RetainLevel.text(s.retain) == "hourly=24 daily=7 weekly=4")
  #expect(s.interval == "hourly")
  #expect(s.snapshotMinInterval == 0)
  #expect(s.keysDirectory == "/backup/keys")
  #expect(
    s.rsnapshotCommand(s.area("laptop"), level: "daily")
      == ["/usr/bin/rsnapshot", "-c", "/backup/keys/laptop/rsnapshot.conf", "daily"])
  #expect(s.snapshotOn == [0])
  #expect(s.snapshotMode == .wait)
  #expect(s.snapshotTimeout == 3600)
  #expect(s.evidenceDirectory == "/backup/.pushgate")
}

@Test func aFileOfExactlyTheMaximumSizeParses() throws {
  let head = Array("root = /backup\n#".utf8)
  let contents =
    head + Array(repeating: UInt8(ascii: "x"), count: SettingsParser.maximumSize - head.count)
  #expect(contents.count == 65536)
  #expect(try SettingsParser.parse(contents, file: file) == Settings(root: "/backup"))
}

struct AuditLogCase: Sendable, CustomTestStringConvertible {
  let name: String
  let contents: [UInt8]
  let file: String
  let expected: String
  var testDescription: String { name }
}

private func log(_ name: String, _ text: String, _ expected: String, file: String = file)
  -> AuditLogCase
{
  AuditLogCase(name: name, contents: Array(text.utf8), file: file, expected: expected)
}

let auditLogCases: [AuditLogCase] = [
  log("audit_log wins", "root = /backup\naudit_log = /var/log/p.log\n", "/var/log/p.log"),
  log("root only", "root = /backup\n", "/backup/pushgate.log"),
  log("neither: the file's directory", "max_connections = 2\n", "/b/pushgate.log"),
  log(
    "broken file, root still found", "bogus\nroot = /backup\nmax_conections = 2\n",
    "/backup/pushgate.log"),
  log(
    "unsafe audit_log falls back to root", "root = /backup\naudit_log = /tmp/x;rm\n",
    "/backup/pushgate.log"),
  log("relative root falls back to the file", "root = backup\n", "/b/pushgate.log"),
  log("first safe root wins", "root = /one\nroot = /two\n", "/one/pushgate.log"),
  log(
    "unsafe then safe audit_log", "audit_log = relative\naudit_log = /var/log/p.log\n",
    "/var/log/p.log"),
  log("CRLF", "root = /backup\r\n", "/backup/pushgate.log"),
  log(
    "commented audit_log ignored", "# audit_log = /evil\nroot = /backup\n", "/backup/pushgate.log"),
  log("no spaces", "audit_log=/x", "/x"),
  log("file without a directory", "", "./pushgate.log", file: "pushgate.conf"),
  log(
    "file in /etc/pushgate", "", "/etc/pushgate/pushgate.log", file: "/etc/pushgate/pushgate.conf"),
  log("file in / (its directory is /)", "", "/pushgate.log", file: "/pushgate.conf"),
  AuditLogCase(
    name: "invalid UTF-8 line skipped", contents: [0xFF, 0x0A] + Array("root = /backup".utf8),
    file: file, expected: "/backup/pushgate.log"),
]

@Test(arguments: auditLogCases)
func findsAuditLogOfBrokenFile(_ c: AuditLogCase) {
  #expect(SettingsParser.bestEffortAuditLog(c.contents, file: c.file) == c.expected)
}
