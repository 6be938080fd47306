// The built `pushgate status` on handwritten logs and areas: formats, exit statuses, files it
// reads and writes.
import Foundation
import TestSupport
import Testing

/// One handwritten audit line.
func statusAuditLine(_ time: String, _ event: String, key: String = "laptop", _ extra: String = "")
  -> String
{
  #"{"v":1,"time":"\#(time)","session":"0b77d2aa5f3a9c1e","event":"\#(event)","key":"\#(key)""#
    + (extra.isEmpty ? "" : "," + extra) + "}\n"
}

/// A `transfer-ended` line as the per-key gate writes it.
func statusTransferLine(
  _ time: String, _ activity: String, status: Int = 0, snapshot: String = "skipped",
  reason: String? = nil,
  key: String = "laptop"
) -> String {
  statusAuditLine(
    time, "transfer-ended", key: key,
    #""status":\#(status),"duration_ms":1000,"activity":"\#(activity)","created":1,"changed":0,"deleted":0,"#
      + #""bytes_received":10,"snapshot":"\#(snapshot)""#
      + (reason.map { #","snapshot_reason":"\#($0)""# } ?? ""))
}

/// A directory with `pushgate.log`, a pushgate.conf naming it as root, and areas on demand.
struct StatusRoot {
  let directory: TemporaryDirectory
  var path: String { directory.path }
  var log: String { path + "/pushgate.log" }
  var config: String { path + "/pushgate.conf" }

  init(log lines: [String], settings extra: [String] = []) throws {
    directory = try TemporaryDirectory()
    try write(lines.joined(), to: log)
    let settings = ["root = \(path)", "rsync = /bin/true"] + extra
    try write(settings.joined(separator: "\n") + "\n", to: config)
  }

  /// `ROOT/keys/LABEL/{incoming,snapshots,state}` as authorize makes them (state 0700), its
  /// directory last changed at `made`; `pending` and `lastSnapshot` are written when given.
  func area(_ label: String, made: String, pending: String? = nil, lastSnapshot: String? = nil)
    throws
  {
    let area = path + "/keys/" + label
    for (name, mode) in [("incoming", 0o750), ("snapshots", 0o750), ("state", 0o700)] {
      try FileManager.default.createDirectory(
        atPath: area + "/" + name, withIntermediateDirectories: true)
      chmod(area + "/" + name, mode_t(mode))
    }
    if let pending { try write(pending + "\n", to: area + "/state/pending", mode: 0o600) }
    if let lastSnapshot {
      try write(lastSnapshot + "\n", to: area + "/state/last-snapshot", mode: 0o600)
    }
    let date = try #require(ISO8601DateFormatter().date(from: made))
    try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: area)
  }

  func status(_ arguments: [String]) throws -> Finished {
    try run(Binaries.pushgate, ["status"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
  }

  func remove() { directory.remove() }
}

let statusNow = ["--now", "2026-11-27T12:00:00Z"]

/// laptop pushed and snapshotted 2 h ago; server's last backup was an unchanged push 16 h ago,
/// and it failed 1 h ago; a dry run, a listing and a restore count for nothing.
let statusSampleLog = [
  statusTransferLine("2026-11-27T09:00:00Z", "pushed", snapshot: "due"),
  statusAuditLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok","status":0"#),
  statusTransferLine("2026-11-27T10:30:00Z", "dry-run"),
  statusTransferLine("2026-11-27T10:40:00Z", "listed", status: 255, reason: "rsync-status"),
  statusTransferLine("2026-11-27T10:50:00Z", "restored"),
  statusTransferLine("2026-11-26T20:00:00Z", "unchanged", reason: "unchanged", key: "server"),
  statusTransferLine(
    "2026-11-27T11:00:00Z", "pushed", status: 12, snapshot: "pending", reason: "rsync-status",
    key: "server"),
]

/// `pushgate status`, run as a program.
@Suite(.blocking) struct StatusCommandTests {
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

        key     last backup                 last snapshot  pushes 24h  refused 24h  last failure
        laptop  2026-11-27 10:00 (2h ago)   2h ago                  1            0  -
        server  2026-11-26 20:00 (16h ago)  never                   1            0  2026-11-27 11:00 (1h ago) rsync exit 12 (error in rsync protocol data stream)

        last 30 days  2026-10-29 .. 2026-11-27
        laptop        ·····························█
        server        ····························░x
                      █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no new snapshot  · nothing

        slots  not read (give --config to see them)

        """)
  }

  @Test func listsEveryAreaOfTheSettingsAlsoKeysThatNeverPushed() throws {
    let root = try StatusRoot(
      log: statusSampleLog + [
        statusAuditLine("2026-11-20T10:00:00Z", "refused", key: "gone", #""reason":"no-area""#)
      ],
      settings: ["max_connections = 2", "retain = alpha=6 beta=7"])
    defer { root.remove() }
    try root.area("laptop", made: "2026-10-01T00:00:00Z")
    try root.area("server", made: "2026-10-01T00:00:00Z", pending: "incomplete")
    try root.area("fresh", made: "2026-11-27T09:00:00Z")
    // The log of `old` is gone; its area still knows its last snapshot.
    try root.area(
      "old", made: "2026-09-01T00:00:00Z", pending: "complete", lastSnapshot: "2026-11-25T12:00:00Z"
    )
    try write(
      statusAuditLine(
        "2026-11-27T11:00:00Z", "rotate-ended", key: "laptop",
        #""level":"alpha","result":"ok","status":0"#)
        + statusAuditLine(
          "2026-11-27T11:30:00Z", "rotate-ended", key: "server",
          #""level":"beta","result":"ok","status":0"#),
      to: root.log + ".1")
    let result = try root.status(["--config", root.config, "--max-age", "26h"] + statusNow)
    #expect(result.status == 0)
    #expect(result.err == "")
    #expect(
      result.out == """
        pushgate status at 2026-11-27T12:00:00Z (times UTC)
        log \(root.log)

        state     key     last backup                 last snapshot  pushes 24h  refused 24h  now      pending     last failure
        WARNING   fresh   never                       never                   0            0  idle     no          -
        -         gone    never                       never                   0            0  no area  -           -
        OK        laptop  2026-11-27 11:00 (1h ago)   1h ago                  1            0  idle     no          -
        CRITICAL  old     2026-11-25 12:00 (2d ago)   2d ago                  0            0  idle     yes         -
        OK        server  2026-11-26 20:00 (16h ago)  never                   1            0  idle     incomplete  2026-11-27 11:00 (1h ago) rsync exit 12 (error in rsync protocol data stream)

        last 30 days  2026-10-29 .. 2026-11-27
        fresh         ······························
        gone          ······························
        laptop        ·····························█
        old           ······························
        server        ····························░x
                      █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no new snapshot  · nothing

        slots  0 of 2 in use
          0    free
          1    free

        """)

    let plugin = try root.status(
      ["--config", root.config, "--format", "nagios", "--max-age", "26h"] + statusNow)
    #expect(plugin.status == 2)
    #expect(
      plugin.out
        == "PUSHGATE CRITICAL - 1 of 4 keys with no backup for 26h: old (2d) | keys=4 critical=1 warning=1 never=1 oldest_age=172800s;;93600;0; slots_in_use=0;;;0;2 snapshots_running=0;;;0;4\n"
    )
  }

  @Test func readsTheLogTheSettingsNameAndItsRotations() throws {
    let root = try StatusRoot(
      log: [statusAuditLine("2026-11-27T11:00:00Z", "refused")], settings: ["max_connections = 2"])
    defer { root.remove() }
    try FileManager.default.createDirectory(
      atPath: root.path + "/keys", withIntermediateDirectories: false)
    try write(
      statusAuditLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
      to: root.log + ".1")
    let result = try root.status(["--config", root.config] + statusNow)
    #expect(result.status == 0)
    #expect(
      result.out.contains(
        "\nlaptop  2026-11-27 10:00 (2h ago)  2h ago                  0            1  no area  -        -\n"
      ))
    #expect(result.out.hasSuffix("\nslots  0 of 2 in use\n  0    free\n  1    free\n"))
  }

  @Test(arguments: statusPluginCases)
  func actsAsANagiosPlugin(_ c: StatusPluginCase) throws {
    let root = try StatusRoot(log: statusSampleLog)
    defer { root.remove() }
    let result = try root.status(
      ["--format", "nagios", "--file", root.log] + statusNow + c.arguments)
    #expect(result.status == c.status)
    #expect(result.out == c.line + "\n")
    #expect(result.err == "")
  }

  @Test func writesThePrometheusTextfileAtomically() throws {
    let root = try StatusRoot(log: statusSampleLog)
    defer { root.remove() }
    try root.area("laptop", made: "2026-10-01T00:00:00Z")
    try root.area("server", made: "2026-10-01T00:00:00Z", pending: "incomplete")
    let output = root.path + "/pushgate.prom"
    try write("stale\n", to: output)
    let result = try root.status(
      ["--format", "prometheus", "--config", root.config, "--output", output] + statusNow)
    #expect(result.status == 0)
    #expect(result.out == "")
    let text = read(output)
    #expect(text.hasPrefix("# HELP pushgate_last_success_timestamp_seconds "))
    #expect(text.contains("\npushgate_last_success_timestamp_seconds{key=\"server\"} 1795723200\n"))
    #expect(text.contains("\npushgate_failures_total{key=\"server\"} 1\n"))
    // A dry run, a listing and a restore are not pushes.
    #expect(
      text.contains(
        "\npushgate_pushes_total{key=\"laptop\"} 1\npushgate_pushes_total{key=\"server\"} 1\n"))
    #expect(
      text.contains(
        "\npushgate_pending_incomplete{key=\"laptop\"} 0\npushgate_pending_incomplete{key=\"server\"} 1\n"
      ))
    #expect(
      text.hasSuffix(
        "\npushgate_slots 8\n# HELP pushgate_slots_in_use Connection slots held now.\n# TYPE pushgate_slots_in_use gauge\npushgate_slots_in_use 0\n"
      ))
    let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
    #expect(names == ["keys", "pushgate.conf", "pushgate.log", "pushgate.prom"])
  }

  @Test func reportsWhatItCannotRead() throws {
    let root = try StatusRoot(log: [])
    defer { root.remove() }
    let missing = try root.status(["--file", root.path + "/none.log"])
    #expect(missing.status == 66)
    #expect(missing.out == "")
    #expect(
      missing.err
        == "pushgate: cannot read the audit log '\(root.path)/none.log': No such file or directory\n"
    )

    let settings = try root.status(["--config", root.path + "/none.conf"])
    #expect(settings.status == 78)
    #expect(settings.err.hasPrefix("pushgate: cannot use the settings: "))

    let output = try root.status(["--file", root.log, "--output", root.path + "/x.prom"])
    #expect(output.status == 64)
    #expect(output.err.contains("'--output' needs '--format prometheus'"))
    #expect(try root.status(["--file", root.log, "--now", "yesterday"]).status == 64)

    // No ROOT/keys: the report still comes, and says why the areas are missing.
    let noAreas = try root.status(["--config", root.config] + statusNow)
    #expect(noAreas.status == 0)
    #expect(
      noAreas.out.hasSuffix(
        "\nareas  cannot list them: '\(root.path)/keys': opendir: No such file or directory\n"))
  }

  @Test func escapesHostileLabelsAndFieldsInTheTextReport() throws {
    let root = try StatusRoot(log: [
      statusAuditLine(
        "2026-11-27T10:00:00Z", "failed", key: #"a\u001b[31mred\r"#,
        #""reason":"x\u001b]0;title\u0007""#)
    ])
    defer { root.remove() }
    let result = try root.status(["--file", root.log] + statusNow)
    #expect(result.status == 0)
    #expect(
      !result.stdout.contains(0x1B) && !result.stdout.contains(0x07)
        && !result.stdout.contains(0x0D))
    #expect(result.out.contains(#"a\x1b[31mred\r  never"#))
    #expect(result.out.contains(#"server error: x\x1b]0;title\x07"#))
  }
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
    line:
      "PUSHGATE OK - 2 keys, newest backup 2h ago, oldest 16h ago | keys=2 critical=0 warning=0 never=0 oldest_age=57600s;;93600;0;"
  ),
  StatusPluginCase(
    name: "WARNING", arguments: ["--max-age", "1d", "--warn-age", "12h"], status: 1,
    line:
      "PUSHGATE WARNING - 1 of 2 keys with no backup for 12h: server (16h) | keys=2 critical=0 warning=1 never=0 oldest_age=57600s;43200;86400;0;"
  ),
  StatusPluginCase(
    name: "CRITICAL", arguments: ["--max-age", "3h"], status: 2,
    line:
      "PUSHGATE CRITICAL - 1 of 2 keys with no backup for 3h: server (16h) | keys=2 critical=1 warning=0 never=0 oldest_age=57600s;;10800;0;"
  ),
  StatusPluginCase(
    name: "UNKNOWN without --max-age", arguments: [], status: 3,
    line: "PUSHGATE UNKNOWN - --max-age is required with --format nagios"),
  StatusPluginCase(
    name: "UNKNOWN for a bad --max-age", arguments: ["--max-age", "soon"], status: 3,
    line: "PUSHGATE UNKNOWN - '--max-age' must look like 26h or 2d"),
  StatusPluginCase(
    name: "UNKNOWN for a --warn-age not below --max-age",
    arguments: ["--max-age", "1d", "--warn-age", "24h"],
    status: 3, line: "PUSHGATE UNKNOWN - '--warn-age' must be below '--max-age'"),
  StatusPluginCase(
    name: "UNKNOWN when the log cannot be read",
    arguments: ["--max-age", "1d", "--file", "/nonexistent/pushgate.log"],
    status: 3,
    line:
      "PUSHGATE UNKNOWN - cannot read the audit log '/nonexistent/pushgate.log': No such file or directory"
  ),
]
