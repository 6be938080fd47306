// `pushgate rotate LEVEL` (what cron runs) with the real rsnapshot and real pushes through
// fake-ssh: snapshot_min_interval keeps changes pending until rotate may take them, and rotate
// running in a loop beside the pushes and their snapshots loses no level and never snapshots a
// push midway.
import Foundation
import Glibc
import TestSupport
import Testing

/// Runs `pushgate rotate LEVEL --config ROOT/pushgate.conf` as cron would.
func rotate(_ level: String, _ root: BackupRoot) throws -> Finished {
  try run(
    Binaries.pushgate, ["rotate", level, "--config", root.config], environment: adminEnvironment)
}

@Suite(.blocking) struct RotateTests {
  @Test(.enabled(if: realProgramsInstalled))
  func minIntervalLeavesChangesPendingUntilRotateMayTakeThem() throws {
    let root = try BackupRoot(settings: ["snapshot_min_interval = 1h"])
    defer { root.remove() }
    let state = root.state("laptop")
    try root.writeSource("a.txt", "first\n")
    #expect(try root.push().status == 0)
    #expect(root.snapshots == ["hourly.0"])
    let firstTime = read(state + "/last-snapshot")
    #expect(firstTime.count == 21, "an ISO time line: \(firstTime)")

    // A second change within the hour: taken in, not snapshotted.
    try root.writeSource("a.txt", "second, longer\n")
    let second = try root.push()
    #expect(second.status == 0, "client: \(second.err)")
    #expect(second.err.isEmpty, "no snapshot message: \(second.err)")
    let ended = try #require(root.records("transfer-ended").last)
    #expect(ended["activity"] as? String == "pushed")
    #expect(ended["changed"] as? Int == 1)
    #expect(ended["snapshot"] as? String == "pending")
    #expect(ended["snapshot_reason"] as? String == "min-interval")
    #expect(read(root.incoming + "/a.txt") == "second, longer\n")
    #expect(root.snapshots == ["hourly.0"])
    #expect(read(root.snapshotFile("hourly.0", "a.txt")) == "first\n")
    #expect(read(state + "/pending") == "complete\n")

    // An unchanged push meanwhile keeps it pending too.
    #expect(try root.push().status == 0)
    #expect(root.records("transfer-ended").last?["snapshot"] as? String == "pending")
    #expect(root.records("transfer-ended").last?["activity"] as? String == "unchanged")
    #expect(root.snapshots == ["hourly.0"])

    // cron within the hour: nothing to do, nothing said.
    let early = try rotate("hourly", root)
    #expect(early.status == 0 && early.out.isEmpty && early.err.isEmpty, "rotate: \(early.err)")
    let skipped = try #require(root.records("rotate-ended").last)
    #expect(skipped["key"] as? String == "laptop")
    #expect(skipped["level"] as? String == "hourly")
    #expect(skipped["result"] as? String == "skipped")
    #expect(skipped["reason"] as? String == "min-interval")
    #expect(root.snapshots == ["hourly.0"])
    #expect(read(state + "/pending") == "complete\n")

    // Time passes (the last snapshot is made old): cron's rotate takes the pending tree.
    try write("2026-01-01T00:00:00Z\n", to: state + "/last-snapshot", mode: 0o600)
    let due = try rotate("hourly", root)
    #expect(due.status == 0 && due.out.isEmpty && due.err.isEmpty, "rotate: \(due.err)")
    let taken = try #require(root.records("rotate-ended").last)
    #expect(taken["result"] as? String == "ok", "\(taken)")
    #expect(taken["status"] as? Int == 0)
    #expect(root.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(root.snapshotFile("hourly.0", "a.txt")) == "second, longer\n")
    #expect(read(root.snapshotFile("hourly.1", "a.txt")) == "first\n")
    #expect(!FileManager.default.fileExists(atPath: state + "/pending"))
    let newTime = read(state + "/last-snapshot")
    #expect(
      newTime.count == 21 && newTime != "2026-01-01T00:00:00Z\n" && newTime >= firstTime,
      "\(newTime)")

    // Nothing left to take; the next change waits for the interval again.
    #expect(try rotate("hourly", root).status == 0)
    #expect(root.records("rotate-ended").last?["reason"] as? String == "unchanged")
    try root.writeSource("a.txt", "third, longer still\n")
    #expect(try root.push().status == 0)
    #expect(root.records("transfer-ended").last?["snapshot_reason"] as? String == "min-interval")
    #expect(root.snapshots == ["hourly.0", "hourly.1"])
  }

  @Test(.tags(.slow), .skippedInQuickRun, .enabled(if: realProgramsInstalled))
  func rotateBesidePushesLosesNoLevelAndNeverSnapshotsAPushMidway() throws {
    let keys = ["alpha", "beta"]
    let rounds = 6
    // detach: a push's snapshot runs on after its client returned, beside the next rotate.
    let root = try BackupRoot(
      keys: keys, settings: ["slot_wait = 120", "snapshot_mode = detach"],
      retain: ["hourly=3", "daily=2"])
    defer { root.remove() }
    let wrappers = try LoadWrappers(directory: root.temporary.path + "/measure")
    // beta's push-triggered snapshots fail (the gate sets PUSHGATE_SESSION for them, rotate
    // does not): beta's pushed trees stay pending, and rotate hourly takes them, beside
    // beta's next push.
    let failing = root.temporary.path + "/beta-snapshots-fail"
    try write(
      """
      #!/bin/sh
      [ -n "$PUSHGATE_SESSION" ] && [ "$2" = \(root.area("beta"))/rsnapshot.conf ] && exit 1
      exec \(wrappers.rsnapshot) "$@"

      """, to: failing, mode: 0o755)
    try root.addSettings(["rsync = \(wrappers.rsync)", "rsnapshot = \(failing)"])
    try FileManager.default.createDirectory(
      atPath: root.temporary.path + "/out", withIntermediateDirectories: true)
    var pushed: [String: [[String: Data]]] = [:]
    var rotations: [(String, Finished)] = []

    for round in 0..<rounds {
      var clients: [SpawnedProcess] = []
      for key in keys {
        var state: [String: Data] = [:]
        for file in 0..<3 {
          var bytes = Data("\(key) round \(round) file \(file)\n".utf8)
          bytes.append(Data((0..<49_152).map { _ in UInt8.random(in: 0...255) }))
          try bytes.write(to: URL(fileURLWithPath: root.source(key) + "/f\(file)"))
          // Rounds fall into one second and the sizes are equal: a time of its own per round,
          // or rsync's quick check (size and time) would skip the new contents.
          try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: TimeInterval(1_800_000_000 + round))],
            ofItemAtPath: root.source(key) + "/f\(file)")
          state["f\(file)"] = bytes
        }
        pushed[key, default: []].append(state)
        clients.append(
          try SpawnedProcess(
            ["/usr/bin/rsync"] + root.clientPrefix() + [
              "-a", "--bwlimit=1000", root.source(key) + "/", "localhost::push",
            ],
            environment: root.clientEnvironment(key),
            output: root.temporary.path + "/out/\(key)-\(round)"))
      }
      // cron, impatient: hourly and daily in turn for as long as the pushes run (twice at least).
      var turn = 0
      while turn < 2 || clients.contains(where: \.isRunning) {
        let level = turn % 2 == 0 ? "hourly" : "daily"
        rotations.append((level, try rotate(level, root)))
        turn += 1
      }
      for (client, key) in zip(clients, keys) {
        #expect(client.wait() == 0, "\(key) round \(round): \(client.err)")
        #expect(client.err.isEmpty, "\(key) round \(round): \(client.err)")
      }
    }
    // The last detached snapshots end; then cron runs once more.
    #expect(
      eventually(within: 60) { processesMentioning(root.path).isEmpty },
      "\(processesMentioning(root.path))")
    for level in ["daily", "hourly"] { rotations.append((level, try rotate(level, root))) }

    // No lost or failed level: every run of rotate ended 0 and silent, one record per area.
    for (level, finished) in rotations {
      #expect(
        finished.status == 0 && finished.out.isEmpty && finished.err.isEmpty,
        "rotate \(level): \(finished.err)")
    }
    let rotated = root.records("rotate-ended")
    #expect(rotated.count == rotations.count * keys.count)
    for record in rotated {
      #expect(["ok", "skipped"].contains(record["result"] as? String ?? ""), "\(record)")
    }
    #expect(
      rotated.contains { $0["level"] as? String == "daily" && $0["result"] as? String == "ok" })
    let waited = rotated.filter { ($0["wait_ms"] as? Int ?? 0) > 0 }.count
    let results = Dictionary(grouping: rotated) { "\($0["level"] ?? "") \($0["result"] ?? "")" }
      .mapValues(\.count)
    loadReport(
      "rotate beside \(rounds) rounds of pushes: \(results.sorted { $0.key < $1.key }), \(waited) waited for an area"
    )
    for key in keys {
      let ended = root.records("transfer-ended", key: key)
      #expect(ended.count == rounds)
      let decisions = ended.map {
        "\($0["activity"] ?? "-") \($0["snapshot"] ?? "-") \($0["snapshot_reason"] ?? "")"
      }
      #expect(decisions == Array(repeating: "pushed due ", count: rounds), "\(key)")
      let snapshots = root.records("snapshot-ended", key: key).map {
        $0["result"] as? String ?? "-"
      }
      // beta's wrapper fails the sync, the first step: the level never runs.
      #expect(
        snapshots == Array(repeating: key == "beta" ? "sync-failed" : "ok", count: rounds), "\(key)"
      )
      let hourly = rotated.filter {
        $0["key"] as? String == key && $0["level"] as? String == "hourly"
      }
      #expect(
        hourly.contains { $0["result"] as? String == "ok" } == (key == "beta"), "\(key): \(hourly)")
      #expect(!FileManager.default.fileExists(atPath: root.state(key) + "/pending"), "\(key)")
      // Every level holds something, and every snapshot is one whole pushed round.
      // (The last daily run moved hourly.2, if there was one, to daily.0.)
      #expect(root.snapshots(key).prefix(2) == ["hourly.0", "hourly.1"])
      #expect(!root.snapshots(key, level: "daily").isEmpty, "no daily snapshot of \(key)")
      for snapshot in root.snapshots(key) + root.snapshots(key, level: "daily") {
        let files = TreeState.of(root.snapshotFile(snapshot, "", key: key)).entries
          .compactMapValues(\.contents)
        #expect(
          pushed[key, default: []].contains(files),
          "\(key) \(snapshot) is no pushed round: \(files.keys.sorted())")
      }
      let latest = TreeState.of(root.snapshotFile("hourly.0", "", key: key)).entries
        .compactMapValues(\.contents)
      #expect(latest == pushed[key]?.last, "\(key) hourly.0 is not the last round")
    }

    // Never a snapshot (push's or rotate's) of a key while that key's rsync ran, or two at once.
    let measured = wrappers.measurements()
    #expect(measured.filter { $0.kind == "rsync" }.count == rounds * keys.count)
    #expect(measured.filter { $0.kind == "snapshot" && $0.key == "alpha" }.count >= rounds)
    #expect(
      measured.allSatisfy { $0.keyRsyncs + $0.keySnapshots == 1 },
      "\(measured.filter { $0.keyRsyncs + $0.keySnapshots != 1 })")
    #expect(wrappers.stillRunning() == [])
  }
}
