// Faults of the btrfs engine with the real rsync, as an unprivileged backup account: a gate
// killed around its snapshot ioctl, a full file system, and pushes of one key at once.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct FaultBtrfsTests {
  // The gate is SIGKILLed from 0 to 3 ms after it marked the area pending, right before the
  // ioctl (under a millisecond here), each attempt at the start of a new second; and twice
  // 0.3-0.6 s after, with no new second, while it may wait for the next second because the
  // name is taken. Whatever the timing, snapshots/ holds only whole read-only snapshots of pushed
  // trees, and a pushed tree that no snapshot recorded stays pending (complete) for the next
  // push, even an unchanged one.
  @Test(.enabled(if: realProgramsInstalled))
  func aGateKilledAroundItsSnapshotLeavesWholeSnapshotsAndThePushedTreePending() throws {
    let (root, account) = try btrfsAccountRoot()
    defer {
      root.remove()
      account.remove()
    }
    let pending = root.state(root.keys[0]) + "/pending"
    var pushed: [[String: Data]] = []
    var outcomes: [String] = []
    let attempts: [(newSecond: Bool, microseconds: Int)] =
      [0, 100, 200, 300, 500, 800, 1500, 3000].map { (true, $0) } + [
        (false, 300_000), (false, 600_000),
      ]
    for (attempt, (newSecond, delay)) in attempts.enumerated() {
      if newSecond {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        usleep(useconds_t((1_000_000_000 - now.tv_nsec) / 1000 + 1000))
      }
      // A new size each time: rsync's quick check misses a same-size rewrite in the same second.
      try root.writeSource(
        "a.txt", "attempt \(attempt)" + String(repeating: ".", count: attempt) + "\n")
      pushed.append(fileBytes(root.source))
      let before = root.history()
      let allowed = root.records("allowed").count
      let client = try root.startPush()
      // The session marks the area pending (complete) right before its snapshot, after the
      // `incomplete` it holds while rsync runs: poll for that mark every 0.2 ms (a client that
      // ended first was not caught; its gate is gone).
      let deadline = Date().addingTimeInterval(30)
      while (try? String(contentsOfFile: pending, encoding: .utf8)) != "complete\n"
        && client.isRunning && Date() < deadline
      {
        usleep(200)
      }
      try #require(Date() < deadline, "no pending mark: \(client.err)")
      let record = try #require(root.records("allowed").dropFirst(allowed).first)
      let gate = try #require((record["pid"] as? Int).map { pid_t($0) })
      let session = try #require(record["session"] as? String)
      usleep(useconds_t(delay))
      if !isGone(gate) { kill(gate, SIGKILL) }
      _ = client.wait()
      #expect(root.waitForGates(), "\(root.gatesRunning)")

      let history = root.history()
      root.expectSealedSnapshots()
      for name in history {
        let bytes = fileBytes(root.snapshotsDirectory(root.keys[0]) + "/" + name)
        #expect(pushed.contains(bytes), "attempt \(attempt): \(name) is no pushed tree: \(bytes)")
      }
      let made = history.count - before.count
      #expect(made == 0 || made == 1, "attempt \(attempt): \(before) -> \(history)")
      if made == 1 {
        #expect(fileBytes(try #require(root.newestSnapshot())) == pushed.last)
      }
      let ended = root.records(session: session).filter {
        $0["event"] as? String == "snapshot-ended"
      }
      #expect(ended.allSatisfy { $0["result"] as? String == "ok" }, "\(ended)")
      if ended.isEmpty {
        // Killed before it could log: the tree waits, marked complete, unless its snapshot was
        // made (and perhaps recorded, which clears the mark; if not, the next push takes a
        // second one of the same tree).
        #expect(
          read(pending) == "complete\n" || made == 1,
          "attempt \(attempt): \(read(pending)) \(root.records(session: session))")
      }
      outcomes.append(
        "\(delay) us: "
          + (ended.isEmpty ? (made == 1 ? "made, not logged" : "none made") : "logged"))

      // The next push, unchanged, takes what is pending; the newest snapshot is the last tree.
      if access(pending, F_OK) == 0 {
        let next = try root.push()
        #expect(next.status == 0, "attempt \(attempt): \(next.err)")
        #expect(root.saysSnapshotTaken(next.err), "attempt \(attempt): \(next.err)")
        let end = try #require(root.records("transfer-ended").last)
        #expect(end["activity"] as? String == "unchanged")
        #expect(end["snapshot"] as? String == "due", "\(end)")
        #expect(access(pending, F_OK) != 0, "attempt \(attempt): still pending")
      }
      #expect(fileBytes(try #require(root.newestSnapshot())) == pushed.last)
    }
    FileHandle.standardError.write(
      Data("BTRFS KILLED SNAPSHOTS: \(outcomes.joined(separator: ", "))\n".utf8))
  }

  // A full btrfs. With the audit log on it (the default, ROOT/pushgate.log) the gate cannot log
  // and refuses to serve before rsync starts: nothing changes. With the log elsewhere, btrfs
  // refuses rsync's first write (ENOSPC even for a file small enough to be stored inline: the
  // data reservation comes first), so the push fails, the area is pending (incomplete) and
  // nothing enters snapshots/. With the space freed, the same push completes and is snapshotted.
  @Test(.enabled(if: realProgramsInstalled))
  func aFullFileSystemFailsThePushAndTheNextPushSnapshots() throws {
    let (root, account) = try btrfsAccountRoot()
    defer {
      root.remove()
      account.remove()
    }
    let disk = try #require(root.disk)
    try root.writeSource("a.txt", "baseline\n")
    #expect(try root.push().status == 0)
    let first = try #require(root.history().first)
    let firstBytes = fileBytes(try #require(root.newestSnapshot()))
    let state = root.state(root.keys[0])

    try disk.fill()
    try root.writeSource("a.txt", "changed on a full disk\n")
    try root.writeSource("b.txt", "new on a full disk\n")
    let refused = try root.push()
    #expect(refused.status == 5, "client: \(refused.err)")
    #expect(
      lines(refused.err).first
        == "pushgate: server error: cannot write the audit log; refusing to serve",
      "client: \(refused.err)")
    #expect(root.records.count == 3, "\(read(root.auditLog))")
    #expect(root.names(in: root.incoming) == ["a.txt"])
    #expect(root.history() == [first])
    #expect(!FileManager.default.fileExists(atPath: state + "/pending"))

    // The log on another file system, writable by the account only through its own directory.
    try disk.free()
    let logs = root.temporary.path + "/logs"
    try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
    chown(logs, account.uid, account.gid)
    try root.addSettings(["audit_log = \(logs)/pushgate.log"])
    try disk.fill()
    let pushed = try root.push()
    let log = auditRecords(logs + "/pushgate.log")
    #expect(pushed.status == 11, "client: \(pushed.err)")
    #expect(
      lines(pushed.err).first
        == "rsync: [receiver] write failed on \"a.txt\" (in push): No space left on device (28)",
      "client: \(pushed.err)")
    #expect(log.map { $0["event"] as? String } == ["allowed", "transfer-ended"], "\(log)")
    // ROOT/.pushgate is full too: neither the hook's evidence nor rsync's transfer log was
    // written, so the session reads as one that reached no module; rsync's 11 is not in
    // snapshot_on, so nothing is pending, and nothing changed: rsync removed its temporary files.
    let ended = try #require(log.last)
    #expect(ended["status"] as? Int == 11, "\(ended)")
    #expect(ended["activity"] as? String == "none", "\(ended)")
    #expect(ended["module"] == nil, "\(ended)")
    expectNoChanges(ended)
    #expect(ended["snapshot"] as? String == "skipped", "\(ended)")
    #expect(ended["snapshot_reason"] as? String == "rsync-status", "\(ended)")
    #expect(fileBytes(root.incoming) == firstBytes)
    #expect(root.history() == [first])
    #expect(fileBytes(root.snapshotsDirectory(root.keys[0]) + "/" + first) == firstBytes)
    #expect(!FileManager.default.fileExists(atPath: state + "/pending"))

    try disk.free()
    let next = try root.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(root.saysSnapshotTaken(next.err), "client: \(next.err)")
    let history = root.history()
    #expect(history.count == 2 && history.last == first, "\(history)")
    #expect(fileBytes(try #require(root.newestSnapshot())) == fileBytes(root.source))
    #expect(fileBytes(root.snapshotsDirectory(root.keys[0]) + "/" + first) == firstBytes)
    #expect(!FileManager.default.fileExists(atPath: state + "/pending"))
    root.expectSealedSnapshots()
    let said = [refused.err, pushed.err].map { lines($0).first ?? "" }
    FileHandle.standardError.write(Data("BTRFS FULL: \(said.joined(separator: " | "))\n".utf8))
  }

  // Four pushes of one key at once, each adding its own file: the area lock runs them one after
  // another, each takes one snapshot, and btrfs names collide in no second (a second snapshot
  // in the same second waits for the next).
  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func pushesOfOneKeyAtOnceEachTakeOneSnapshot(_ engine: Engine) throws {
    let root = try BackupRoot(settings: ["slot_wait = 60"], engine: engine)
    defer { root.remove() }
    let sources = (0..<4).map { root.temporary.path + "/src-\($0)" }
    for (index, source) in sources.enumerated() {
      try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
      try write("push \(index)\n", to: source + "/file-\(index).txt")
    }
    let clients = try sources.map { try root.startPush(from: $0) }
    for client in clients {
      #expect(client.wait() == 0, "\(client.err)")
      #expect(root.saysSnapshotTaken(client.err), "\(client.err)")
    }
    #expect(root.waitForGates(), "\(root.gatesRunning)")

    let history = root.history()
    try #require(history.count == 4, "\(history)")
    #expect(root.records("transfer-ended").allSatisfy { $0["snapshot"] as? String == "due" })
    let ended = root.records("snapshot-ended")
    #expect(ended.map { $0["result"] as? String } == Array(repeating: "ok", count: 4))
    if engine == .btrfs {
      #expect(Set(ended.compactMap { $0["snapshot"] as? String }) == Set(history))
    }
    // Oldest first, each snapshot holds one more pushed file than the one before.
    for (count, name) in history.reversed().enumerated() {
      let files = fileBytes(root.snapshotsDirectory(root.keys[0]) + "/" + name)
      #expect(files.count == count + 1, "\(name): \(files.keys.sorted())")
    }
    root.expectSealedSnapshots()
  }
}
