// No client can disturb another: with key a trickling a push (--bwlimit) and key b's snapshot
// held up in a slow rsnapshot, keys c and d push and snapshot with free slots about as fast as
// a push with nobody else there (measured in the same test).
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct ContentionTests {
  @Test(.enabled(if: realProgramsInstalled))
  func aTricklingPushAndASlowSnapshotDelayNoOtherKey() throws {
    let root = try BackupRoot(keys: ["a", "b", "c", "d"])
    defer { root.remove() }
    let slow = try SlowRsnapshot(directory: root.temporary.path + "/slow", blocking: ["b"])
    try root.addSettings([slow.setting])
    let output = root.temporary.path + "/out"
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    let start = { (key: String, options: [String]) in
      try SpawnedProcess(
        ["/usr/bin/rsync"] + root.clientPrefix() + options + [
          root.source(key) + "/", "localhost::push",
        ],
        environment: root.clientEnvironment(key),
        output: output + "/" + key + "-\(Int.random(in: 0..<1_000_000))")
    }

    // The baseline: c pushes with nobody else there (after a first push, as later).
    try root.writeSource("c.txt", "c first\n", key: "c")
    #expect(try root.push(key: "c").status == 0)
    try root.writeSource("c.txt", "c second, longer\n", key: "c")
    let baselineStart = Date()
    let baseline = try root.push(key: "c")
    let baselineSeconds = Date().timeIntervalSince(baselineStart)
    #expect(
      baseline.status == 0 && baseline.err == "pushgate: snapshot taken\n", "c: \(baseline.err)")

    // a trickles 1 MiB at 20 KiB/s (close to a minute): it holds its area and a slot.
    let random = try run("/usr/bin/head", ["-c", "1048576", "/dev/urandom"])
    try random.stdout.write(to: URL(fileURLWithPath: root.source("a") + "/big.dat"))
    let trickling = try start("a", ["-a", "--bwlimit=20"])
    // rsync's receiver has opened its temporary file (it writes the data out in large
    // chunks: the first came after some 13 s at this rate).
    let flowing = eventually(within: 30) {
      root.names(in: root.incoming("a")).contains { $0.hasPrefix(".big.dat.") }
    }
    try #require(flowing && trickling.isRunning, "a's push is not under way: \(trickling.err)")

    // b pushes; its snapshot waits in the slow rsnapshot, holding b's area and a slot.
    try root.writeSource("b.txt", "b\n", key: "b")
    let snapshotting = try start("b", ["-a"])
    try #require(slow.startedPid("b") != nil, "b's snapshot did not start: \(snapshotting.err)")

    // c and d, at once, with slots free.
    try root.writeSource("c.txt", "c third, longer still\n", key: "c")
    try root.writeSource("d.txt", "d\n", key: "d")
    let contendedStart = Date()
    let others = [try start("c", ["-a"]), try start("d", ["-a"])]
    var seconds: [Double?] = [nil, nil]
    let ended = eventually(within: 60) {
      for (index, client) in others.enumerated() where seconds[index] == nil && !client.isRunning {
        seconds[index] = Date().timeIntervalSince(contendedStart)
      }
      return !seconds.contains(nil)
    }
    try #require(ended, "c or d still runs after 60 s")
    for (client, key) in zip(others, ["c", "d"]) {
      #expect(client.wait() == 0, "\(key): \(client.err)")
      #expect(client.err == "pushgate: snapshot taken\n", "\(key): \(client.err)")
    }
    // Meanwhile a still trickles and b's snapshot still waits: c and d waited for neither.
    #expect(trickling.isRunning, "a's push ended early: \(trickling.err)")
    #expect(snapshotting.isRunning, "b's client ended early: \(snapshotting.err)")
    #expect(root.records("snapshot-ended", key: "b").isEmpty)
    let bound = baselineSeconds + 3
    for (time, key) in zip(seconds, ["c", "d"]) {
      #expect(
        (time ?? .infinity) < bound,
        "\(key) took \(time ?? -1) s; alone c took \(baselineSeconds) s")
    }
    #expect(root.snapshots("c") == ["hourly.0", "hourly.1", "hourly.2"])
    #expect(read(root.snapshotFile("hourly.0", "c.txt", key: "c")) == "c third, longer still\n")
    #expect(root.snapshots("d") == ["hourly.0"])
    for key in ["c", "d"] {
      #expect(root.records("snapshot-ended", key: key).last?["result"] as? String == "ok")
      #expect((root.records("allowed", key: key).last?["wait_ms"] as? Int ?? .max) < 1000)
    }

    // b's snapshot goes on and ends well; a's push is stopped and leaves no snapshot.
    try slow.release()
    #expect(snapshotting.wait() == 0, "b: \(snapshotting.err)")
    #expect(snapshotting.err == "pushgate: snapshot taken\n", "b: \(snapshotting.err)")
    #expect(root.snapshots("b") == ["hourly.0"])
    kill(trickling.pid, SIGKILL)
    _ = trickling.wait()
    #expect(root.waitForGates(), "\(root.gatesRunning)")
    let aEnded = try #require(root.records("transfer-ended", key: "a").last)
    #expect(aEnded["status"] as? Int != 0)
    #expect(aEnded["snapshot"] as? String != "due", "\(aEnded)")
    #expect(root.snapshots("a") == [])
    loadReport(
      "contention: c alone \(String(format: "%.2f", baselineSeconds)) s; beside a trickling push and b's "
        + "held snapshot c \(String(format: "%.2f", seconds[0] ?? -1)) s, d \(String(format: "%.2f", seconds[1] ?? -1)) s"
    )
  }
}
