// The built `pushgate log` on handwritten logs: rotations, gzip, --json, filters, exit statuses.
import Foundation
import Glibc
import TestSupport
import Testing

/// A record line (no newline) for session `id`.
private func line(
  _ id: String, _ event: String, _ extra: String = "", time: String = "2026-11-27T12:00:00Z",
  key: String = "laptop"
) -> String {
  #"{"v":1,"time":"\#(time)","session":"\#(id)","event":"\#(event)","key":"\#(key)","peer":"203.0.113.7","port":1"#
    + extra + "}"
}

private let pushed =
  #","status":0,"duration_ms":197012,"module":"push","request":"push/","dry_run":false,"pull":false,"activity":"pushed","created":12,"changed":3,"deleted":1,"bytes_received":1234567,"snapshot":"due""#
private let snapshotOK = #","result":"ok","status":0,"mode":"wait","duration_ms":12034"#

private func pushgateLog(_ arguments: [String]) throws -> Finished {
  try run(Binaries.pushgate, ["log"] + arguments)
}

private let header =
  "time                  key         peer             fingerprint          outcome      details"

/// The rows' outcome columns (everything after the 72 characters of fixed columns), after
/// the header row, which must come first whenever there is a row.
private func outcomes(_ finished: Finished) -> [String] {
  let lines = finished.out.split(separator: "\n").map(String.init)
  #expect(lines.isEmpty || lines[0] == header)
  return lines.dropFirst().map { String($0.dropFirst(72)) }
}

/// `pushgate log`, run as a program.
@Suite(.blocking) struct LogTests {
  @Test func readsRotatedAndCompressedLogsAsOneStreamWithFingerprints() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let keyFile = directory.path + "/key"
    #expect(try makeSSHKey(keyFile).status == 0)
    let words = read(keyFile + ".pub").split(separator: " ")
    let expected = try run("/usr/bin/ssh-keygen", ["-lf", keyFile + ".pub"]).out.split(
      separator: " ")[1]
    let identity = #","pubkey_type":"\#(words[0])","pubkey":"\#(words[1])","reason":"allowed""#
    let log = directory.path + "/pushgate.log"
    try write(line("a", "allowed", identity, time: "2026-11-27T10:00:00Z") + "\n", to: log + ".2")
    #expect(try run("/bin/gzip", [log + ".2"]).status == 0)
    try write(line("a", "transfer-ended", pushed) + "\n", to: log + ".1")
    try write(
      line(
        "b", "refused", #","command":"ls /\\x1b[2J","reason":"not-allowed""#,
        time: "2026-11-27T12:50:00Z")
        + "\n" + line("a", "snapshot-ended", snapshotOK) + "\n"
        + #"{"v":1,"time":"2026-11-27T13:00"#,
      to: log)
    let finished = try pushgateLog(["--file", log])
    #expect(finished.status == 0)
    #expect(finished.err == "")
    #expect(
      finished.out == """
        time                  key         peer             fingerprint          outcome      details
        2026-11-27 12:50:00Z  laptop      203.0.113.7      -                    refused      not-allowed "ls /\\x1b[2J"
        2026-11-27 10:00:00Z  laptop      203.0.113.7      \("SHA256:" + expected.dropFirst(7).prefix(12))  pushed       12 created, 3 changed, 1 deleted, 1.2 MB received  197.0 s  snapshot ok 12.0 s

        """)
  }

  @Test func printsJSONRecordsByteForByteAndSkipsAPartialLastLine() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    let records = [
      line("a", "allowed", #","future":{"nested":[1,"]"]},"command":"\u00e9\u001b \"q\" \\x07""#),
      #"{ "v" : 1 , "session":"b","event":"refused","key":"desk","unknown":null }"#,
      line("a", "transfer-ended", pushed),
    ]
    try write(
      "not json\n" + records.joined(separator: "\n") + "\n" + line("c", "allowed").dropLast(3),
      to: log + ".1")
    try write(line("d", "refused", time: "2026-11-28T00:00:00Z") + "\n", to: log)
    let all = try pushgateLog(["--file", log, "--json"])
    #expect(all.status == 0)
    #expect(
      all.stdout
        == Data(
          (records + [line("d", "refused", time: "2026-11-28T00:00:00Z")]).map { $0 + "\n" }
            .joined().utf8))
    let laptop = try pushgateLog([
      "--file", log, "--json", "--key", "laptop", "--until", "2026-11-28",
    ])
    #expect(laptop.stdout == Data((records[0] + "\n" + records[2] + "\n").utf8))
  }

  @Test func appliesEachFilterToSessions() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    try write(
      [
        line("old", "allowed", time: "2026-11-26T23:00:00Z"),
        line(
          "old", "transfer-ended",
          #","status":23,"activity":"pushed","created":1,"changed":0,"deleted":0,"bytes_received":5,"snapshot":"pending","snapshot_reason":"rsync-status""#
        ),
        line("desk", "refused", #","reason":"busy""#, time: "2026-11-27T01:00:00Z", key: "desk"),
        line("ok", "allowed", time: "2026-11-27T02:00:00Z"),
        line(
          "ok", "transfer-ended",
          #","status":0,"dry_run":true,"activity":"dry-run","snapshot":"skipped","snapshot_reason":"unchanged""#
        ),
        line(
          "list", "transfer-ended",
          #","status":255,"activity":"listed","snapshot":"skipped","snapshot_reason":"rsync-status""#,
          time: "2026-11-27T02:30:00Z"),
        line(
          "idle", "rotate-ended", #","level":"hourly","result":"skipped","reason":"unchanged""#,
          time: "2026-11-27T03:00:00Z"),
        line(
          "rot", "rotate-ended",
          #","level":"daily","result":"failed","status":1,"duration_ms":200"#,
          time: "2026-11-27T03:00:00Z"),
        line(
          "late", "failed", #","reason":"spawn","detail":"cannot start rsync""#,
          time: "2026-11-28T00:00:00Z"),
      ].joined(separator: "\n") + "\n", to: log)
    let old =
      "pushed       1 created, 0 changed, 0 deleted, 5 B received  rsync 23 partial transfer due to error  snapshot pending (rsync-status)"
    let busy = "refused      busy"
    let dry = "dry run"
    let list = "listed       rsync 255 unexplained error (e.g. a bare module listing)"
    let idle = "rotate       hourly skipped (unchanged)"
    let rot = "rotate       daily failed status 1 0.2 s"
    let late = "failed       spawn: cannot start rsync"
    let expectations: [([String], [String])] = [
      ([], [old, busy, dry, list, rot, late]),
      (["--idle-rotations"], [old, busy, dry, list, idle, rot, late]),
      (["--since", "2026-11-27"], [busy, dry, list, rot, late]),
      (["--since", "2026-11-27T01:30:00Z", "--until", "2026-11-28"], [dry, list, rot]),
      (["--until", "2026-11-27T01:00:00Z"], [old]),
      (["--key", "desk"], [busy]),
      (["--refused"], [busy]),
      (["--failed"], [old, rot, late]),
      (["--refused", "--failed"], [old, busy, rot, late]),
      (["--since", "1000w"], [old, busy, dry, list, rot, late]),
      (["--until", "1000w"], []),
    ]
    for (arguments, expected) in expectations {
      let finished = try pushgateLog(["--file", log] + arguments)
      #expect(finished.status == 0, "\(arguments)")
      #expect(outcomes(finished) == expected, "\(arguments)")
    }
    let none = try pushgateLog(["--file", log, "--key", "nobody"])
    #expect(none.status == 0)
    #expect(none.out == "")
  }

  @Test func readsTheLogNamedInTheSettings() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    try write("root = \(directory.path)\n", to: directory.path + "/pushgate.conf")
    try write(
      line("a", "refused", #","reason":"not-allowed""#) + "\n", to: directory.path + "/pushgate.log"
    )
    let finished = try pushgateLog(["--config", directory.path + "/pushgate.conf"])
    #expect(finished.status == 0)
    #expect(outcomes(finished) == ["refused      not-allowed"])
  }

  @Test func neverPrintsAControlByteFromAnEditedLog() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    let raw =
      "{\"v\":1,\"time\":\"2026-11-27T12:00:00Z\",\"session\":\"s\",\"event\":\"refused\",\"key\":\"k\u{9B}31m\","
      + #""peer":"\u001b]0;owned\u0007","command":"\u001b[2J\r\u0000","reason":"not-allowed"}"#
    try write(raw + "\n", to: log)
    let finished = try pushgateLog(["--file", log])
    #expect(finished.status == 0)
    #expect(finished.stdout.allSatisfy { ($0 >= 0x20 && $0 <= 0x7E) || $0 == 0x0A })
    #expect(finished.out.contains(#"refused      not-allowed "\x1b[2J\r\x00""#))
    #expect(finished.out.contains(#"k\xc2\x9b31m"#))
    #expect(finished.out.contains(#"\x1b]0;owned\x07"#))
  }

  @Test func reportsAnUnreadableLogWithStatusOne() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let missing = try pushgateLog(["--file", directory.path + "/none.log"])
    #expect(missing.status == 1)
    #expect(
      missing.err
        == "pushgate: cannot read audit log '\(directory.path)/none.log': No such file or directory\n"
    )
    #expect(missing.out == "")
    let folder = try pushgateLog(["--file", directory.path])
    #expect(folder.status == 1)
    #expect(folder.err == "pushgate: cannot read audit log '\(directory.path)': Is a directory\n")
    let settings = try pushgateLog(["--config", directory.path + "/none.conf"])
    #expect(settings.status == 1)
    #expect(settings.err.hasPrefix("pushgate: settings: "))
  }

  @Test func reportsEachUnreadableRotationAndStillPrintsTheRest() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    try write(line("a", "refused", #","reason":"busy""#) + "\n", to: log)
    try FileManager.default.createDirectory(atPath: log + ".1", withIntermediateDirectories: false)
    try FileManager.default.createDirectory(atPath: log + ".2", withIntermediateDirectories: false)
    let finished = try pushgateLog(["--file", log])
    #expect(finished.status == 1)
    #expect(outcomes(finished) == ["refused      busy"])
    #expect(
      finished.err == """
        pushgate: cannot read audit log '\(log).2': Is a directory
        pushgate: cannot read audit log '\(log).1': Is a directory

        """)
  }

  /// The backup account owns the log's directory: root's `pushgate log` must neither follow
  /// its symlink (to a root-only file) nor hang on its FIFO.
  @Test func neverFollowsASymlinkedRotationNorHangsOnAFIFO() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    try write(line("a", "refused", #","reason":"busy""#) + "\n", to: log)
    let secret = directory.path + "/secret.json"
    try write(line("s", "refused", #","reason":"SECRET""#) + "\n", to: secret, mode: 0o600)
    #expect(symlink(secret, log + ".7") == 0)
    let linked = try pushgateLog(["--file", log])
    #expect(linked.status == 1)
    #expect(!linked.out.contains("SECRET"))
    #expect(
      linked.err
        == "pushgate: cannot read audit log '\(log).7': Too many levels of symbolic links\n")
    #expect(unlink(log + ".7") == 0)

    #expect(unlink(log) == 0)
    #expect(mkfifo(log, 0o600) == 0)
    let started = Date()
    let fifo = try run("/usr/bin/timeout", ["20", Binaries.pushgate, "log", "--file", log])
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(fifo.status == 1)
    #expect(fifo.err == "pushgate: cannot read audit log '\(log)': Invalid argument\n")
    let status = try run(
      "/usr/bin/timeout", ["20", Binaries.pushgate, "status", "--file", log])
    #expect(status.status == 66)
  }

  @Test func refusesBothConfigAndFile() throws {
    let finished = try pushgateLog(["--file", "/nonexistent", "--config", "/nonexistent"])
    #expect(finished.status == 64)
    #expect(finished.err.hasPrefix("Error: '--config' and '--file' cannot be used together\n"))
  }

  @Test func rejectsAMalformedTimeAsAUsageError() throws {
    let finished = try pushgateLog(["--file", "/nonexistent", "--since", "yesterday"])
    #expect(finished.status == 64)
    #expect(
      finished.err.hasPrefix(
        "Error: '--since' must be YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or a time ago such as 30m, 24h, 7d\n"
      ))
  }
}
