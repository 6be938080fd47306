// Real logrotate, run again and again while sessions write their records: every record of
// every session is found afterwards by `pushgate log`, whole, whatever the stanza (issue #9).
import Foundation
import Glibc
import TestSupport
import Testing

struct RotationStanza: Sendable, CustomTestStringConvertible {
  let name: String
  let directives: [String]
  var testDescription: String { name }
}

let rotationStanzas = [
  RotationStanza(
    name: "the recommended stanza: create, compress, delaycompress",
    directives: ["create 0640 root root", "compress", "delaycompress"]),
  RotationStanza(name: "create", directives: ["create 0640 root root"]),
  RotationStanza(
    name: "create and compress without delaycompress",
    directives: ["create 0640 root root", "compress"]),
  RotationStanza(name: "rename only (nocreate)", directives: ["nocreate"]),
]

@Test(
  "logrotate during concurrent sessions: every session's records are found, whole", .blocking,
  .tags(.slow), .skippedInQuickRun,
  .enabled(if: installed("/usr/sbin/logrotate")), arguments: rotationStanzas)
func everyRecordSurvivesRotation(_ stanza: RotationStanza) throws {
  let keys = (0..<5).map { "k\($0)" }
  let sessionsPerKey = 3
  // Each fake rsync sleeps a second between the session's `allowed` and `transfer-ended`, so
  // rotations fall inside sessions.
  let root = try Root(settings: ["max_connections = 8"], scenario: Scenario(sleep: 1))
  defer { root.remove() }
  for key in keys { try root.makeArea(key) }
  let conf = root.path + "/logrotate.conf"
  let lines =
    ["\(root.log) {", "    su root root", "    rotate 1000", "    missingok"]
    + stanza.directives.map { "    " + $0 } + ["}"]
  try write(lines.joined(separator: "\n") + "\n", to: conf, mode: 0o644)

  let done = root.path + "/done"
  nonisolated(unsafe) var rotations = 0
  let rotator = Thread {
    while !FileManager.default.fileExists(atPath: done) {
      _ = try? run("/usr/sbin/logrotate", ["-f", "-s", root.path + "/logrotate.state", conf])
      rotations += 1
      usleep(50_000)
    }
  }
  rotator.start()
  nonisolated(unsafe) var statuses = [[Int32]](repeating: [], count: keys.count)
  // One thread per key (concurrentPerform would run only as many as there are CPUs).
  let pushers = keys.indices.map { index in
    Thread {
      for _ in 0..<sessionsPerKey {
        let served = try? root.serve(
          root.allowedCommand, arguments: ["--config", root.config, "--key", keys[index]])
        statuses[index].append(served?.status ?? -1)
      }
    }
  }
  for pusher in pushers { pusher.start() }
  while pushers.contains(where: { !$0.isFinished }) { usleep(20_000) }
  try write("", to: done)
  while !rotator.isFinished { usleep(20_000) }

  #expect(statuses.flatMap { $0 } == [Int32](repeating: 0, count: keys.count * sessionsPerKey))
  #expect(rotations >= 2, "rotations must fall inside the sessions")
  // logrotate's `create` renames a log it finds already there to NAME-DATE.backup, where no
  // reader looks: a writer must never create the log between logrotate's rename and create.
  let backups = try FileManager.default.contentsOfDirectory(atPath: root.path).filter {
    $0.hasSuffix(".backup")
  }
  #expect(backups == [], "logrotate moved a log a writer made aside")
  let shown = try run(Binaries.pushgate, ["log", "--config", root.config, "--json"])
  #expect(shown.status == 0)
  #expect(shown.err == "", "no damaged line in any file")
  let records = shown.out.split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
  let expected = keys.count * sessionsPerKey
  for event in ["allowed", "transfer-ended", "snapshot-ended"] {
    let sessions = Set(
      records.filter { $0.text("event") == event }.compactMap { $0.text("session") })
    #expect(sessions.count == expected, "\(event): \(sessions.count) of \(expected) sessions")
  }
}
