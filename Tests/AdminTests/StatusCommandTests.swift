// The built `pushgate status` on handwritten logs: formats, exit statuses, files it reads and writes.
import Foundation
import Testing
import TestSupport

/// One handwritten audit line.
func statusAuditLine(_ time: String, _ event: String, key: String = "laptop", _ extra: String = "") -> String {
  #"{"v":1,"time":"\#(time)","session":"0b77d2aa5f3a9c1e","event":"\#(event)","key":"\#(key)""#
    + (extra.isEmpty ? "" : "," + extra) + "}\n"
}

/// A directory with `pushgate.log` and a pushgate.conf naming it.
struct StatusRoot {
  let directory: TemporaryDirectory
  var path: String { directory.path }
  var log: String { path + "/pushgate.log" }
  var config: String { path + "/pushgate.conf" }

  init(log lines: [String], settings extra: [String] = []) throws {
    directory = try TemporaryDirectory()
    try write(lines.joined(), to: log)
    let settings = ["root = \(path)", "rsync = /bin/true", "snapshot = /bin/true"] + extra
    try write(settings.joined(separator: "\n") + "\n", to: config)
  }

  func status(_ arguments: [String]) throws -> Finished {
    try run(Binaries.pushgate, ["status"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
  }

  func remove() { directory.remove() }
}

let statusNow = ["--now", "2026-11-27T12:00:00Z"]

let statusSampleLog = [
  statusAuditLine("2026-11-27T09:00:00Z", "allowed"),
  statusAuditLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok","status":0"#),
  statusAuditLine("2026-11-26T20:00:00Z", "snapshot-ended", key: "server", #""result":"warning","status":2"#),
  statusAuditLine("2026-11-27T11:00:00Z", "transfer-ended", key: "server", #""status":12"#),
]

@Test func printsTheTextReportOfALogGivenWithFile() throws {
  let root = try StatusRoot(log: statusSampleLog)
  defer { root.remove() }
  let result = try root.status(["--file", root.log] + statusNow)
  #expect(result.status == 0)
  #expect(result.err == "")
  #expect(
    result.out == """
      pushgate status at 2026-11-27T12:00:00Z (times UTC)
      log \(root.log)

      key     last snapshot               pushes 24h  refused 24h  last failure
      laptop  2026-11-27 10:00 (2h ago)            1            0  -
      server  2026-11-26 20:00 (16h ago)           0            0  2026-11-27 11:00 (1h ago) rsync exit 12 (error in rsync protocol data stream)

      last 30 days  2026-10-29 .. 2026-11-27
      laptop        ·····························█
      server        ····························█x
                    █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no snapshot  · nothing

      slots     not read (give --config to see them)

      """)
}

@Test func readsTheLogTheSettingsNameAndItsRotations() throws {
  let root = try StatusRoot(log: [statusAuditLine("2026-11-27T11:00:00Z", "refused")], settings: ["max_connections = 2"])
  defer { root.remove() }
  try write(statusAuditLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#), to: root.log + ".1")
  let result = try root.status(["--config", root.config] + statusNow)
  #expect(result.status == 0)
  #expect(result.out.contains("\nlaptop  2026-11-27 10:00 (2h ago)           0            1  -\n"))
  #expect(result.out.hasSuffix("\nslots     0 of 2 in use\n  0       free\n  1       free\nsnapshot  not running\n"))
}

struct StatusPluginCase: Sendable, CustomTestStringConvertible {
  let name: String
  let arguments: [String]
  let status: Int32
  let line: String
  var testDescription: String { name }
}

let statusPluginCases: [StatusPluginCase] = [
  StatusPluginCase(
    name: "OK", arguments: ["--max-age", "26h"], status: 0,
    line: "PUSHGATE OK - 2 keys, newest snapshot 2h ago, oldest 16h ago | keys=2 critical=0 warning=0 oldest_age=57600s;;93600;0;"),
  StatusPluginCase(
    name: "WARNING", arguments: ["--max-age", "1d", "--warn-age", "12h"], status: 1,
    line: "PUSHGATE WARNING - 1 of 2 keys with no snapshot for 12h: server (16h) | keys=2 critical=0 warning=1 oldest_age=57600s;43200;86400;0;"),
  StatusPluginCase(
    name: "CRITICAL", arguments: ["--max-age", "3h"], status: 2,
    line: "PUSHGATE CRITICAL - 1 of 2 keys with no snapshot for 3h: server (16h) | keys=2 critical=1 warning=0 oldest_age=57600s;;10800;0;"),
  StatusPluginCase(
    name: "UNKNOWN without --max-age", arguments: [], status: 3,
    line: "PUSHGATE UNKNOWN - --max-age is required with --format nagios"),
  StatusPluginCase(
    name: "UNKNOWN for a bad --max-age", arguments: ["--max-age", "soon"], status: 3,
    line: "PUSHGATE UNKNOWN - '--max-age' must look like 26h or 2d"),
  StatusPluginCase(
    name: "UNKNOWN for a --warn-age not below --max-age", arguments: ["--max-age", "1d", "--warn-age", "24h"],
    status: 3, line: "PUSHGATE UNKNOWN - '--warn-age' must be below '--max-age'"),
  StatusPluginCase(
    name: "UNKNOWN when the log cannot be read", arguments: ["--max-age", "1d", "--file", "/nonexistent/pushgate.log"],
    status: 3,
    line: "PUSHGATE UNKNOWN - cannot read the audit log '/nonexistent/pushgate.log': No such file or directory"),
]

@Test(arguments: statusPluginCases)
func actsAsANagiosPlugin(_ c: StatusPluginCase) throws {
  let root = try StatusRoot(log: statusSampleLog)
  defer { root.remove() }
  let result = try root.status(["--format", "nagios", "--file", root.log] + statusNow + c.arguments)
  #expect(result.status == c.status)
  #expect(result.out == c.line + "\n")
  #expect(result.err == "")
}

@Test func writesThePrometheusTextfileAtomically() throws {
  let root = try StatusRoot(log: statusSampleLog)
  defer { root.remove() }
  let output = root.path + "/pushgate.prom"
  try write("stale\n", to: output)
  let result = try root.status(["--format", "prometheus", "--config", root.config, "--output", output] + statusNow)
  #expect(result.status == 0)
  #expect(result.out == "")
  let text = read(output)
  #expect(text.hasPrefix("# HELP pushgate_last_success_timestamp_seconds "))
  #expect(text.contains("\npushgate_last_success_timestamp_seconds{key=\"server\"} 1795723200\n"))
  #expect(text.contains("\npushgate_failures_total{key=\"server\"} 1\n"))
  #expect(text.hasSuffix("\npushgate_slots_in_use 0\n# HELP pushgate_snapshot_running Whether a snapshot runs or waits for the tree.\n# TYPE pushgate_snapshot_running gauge\npushgate_snapshot_running 0\n"))
  let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
  #expect(names == ["pushgate.conf", "pushgate.log", "pushgate.prom"])
}

@Test func reportsWhatItCannotRead() throws {
  let root = try StatusRoot(log: [])
  defer { root.remove() }
  let missing = try root.status(["--file", root.path + "/none.log"])
  #expect(missing.status == 66)
  #expect(missing.out == "")
  #expect(missing.err == "pushgate: cannot read the audit log '\(root.path)/none.log': No such file or directory\n")

  let settings = try root.status(["--config", root.path + "/none.conf"])
  #expect(settings.status == 78)
  #expect(settings.err.hasPrefix("pushgate: cannot use the settings: "))

  let output = try root.status(["--file", root.log, "--output", root.path + "/x.prom"])
  #expect(output.status == 64)
  #expect(output.err.contains("'--output' needs '--format prometheus'"))
  #expect(try root.status(["--file", root.log, "--now", "yesterday"]).status == 64)
}

@Test func escapesHostileLabelsAndFieldsInTheTextReport() throws {
  let root = try StatusRoot(log: [
    statusAuditLine("2026-11-27T10:00:00Z", "failed", key: #"a\u001b[31mred\r"#, #""reason":"x\u001b]0;title\u0007""#)
  ])
  defer { root.remove() }
  let result = try root.status(["--file", root.log] + statusNow)
  #expect(result.status == 0)
  #expect(!result.stdout.contains(0x1B) && !result.stdout.contains(0x07) && !result.stdout.contains(0x0D))
  #expect(result.out.contains(#"a\x1b[31mred\r  never"#))
  #expect(result.out.contains(#"server error: x\x1b]0;title\x07"#))
}
