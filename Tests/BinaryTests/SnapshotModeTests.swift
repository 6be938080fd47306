// Taking the snapshot: in the session (wait) or in a detached process (detach); failures,
// warnings and timeouts.
import Foundation
import Glibc
import Testing
import TestSupport

@Test("detach mode releases the client at once and snapshots in the background")
func detachedSnapshot() throws {
  let root = try Root(
    settings: ["snapshot_mode = detach"], snapshot: SnapshotScenario(holdUntilReleased: true))
  defer {
    try? write("", to: root.path + "/release")
    _ = eventually { !root.records("snapshot-ended").isEmpty }
    root.remove()
  }
  let started = Date()
  let pushed = try root.serve(root.allowedCommand)
  let elapsed = Date().timeIntervalSince(started)

  // run() read stdout and stderr to EOF: the detached process holds none of the client's fds.
  #expect(pushed.status == 0)
  #expect(pushed.stdout.isEmpty)
  #expect(pushed.err == "")
  #expect(elapsed < 2.5)
  let session = try #require(root.records("allowed").first?.text("session"))
  #expect(root.records("transfer-ended").first?.text("snapshot") == "due")

  // The snapshot runs (held until we release it) and keeps new pushes out.
  try #require(eventually { root.snapshotRuns().count == 1 })
  #expect(root.records("snapshot-ended").isEmpty)
  let refused = try root.serve(root.allowedCommand)
  #expect(refused.status == 75)
  #expect(refused.out == daemonRefusal("a snapshot is running -- try again later"))
  #expect(root.records("refused").first?.text("reason") == "snapshot-running")

  try write("", to: root.path + "/release")
  try #require(eventually { !root.records("snapshot-ended").isEmpty })
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("session") == session)
  #expect(ended.text("mode") == "detach")
  #expect(ended.text("result") == "ok")
  #expect(ended.int("status") == 0)
  #expect(ended.text("key") == "laptop")
  let snapshot = try #require(root.snapshotRuns().first)
  #expect(snapshot.argv == "\(root.path)/fake-rsnapshot -c \(root.path)/rsnapshot.conf hourly")
  #expect(snapshot.environment.contains("PUSHGATE_SESSION=\(session)"))
  #expect(snapshot.directory == root.path)
  #expect(root.rsyncRuns().count == 1)
}

struct SnapshotEndCase: Sendable, CustomTestStringConvertible {
  let status: Int32
  let exit: Int32
  let result: String
  let stderr: String
  var testDescription: String { "rsnapshot exit \(status)" }
}

@Test(
  "in wait mode the client sees the snapshot's outcome",
  arguments: [
    SnapshotEndCase(status: 0, exit: 0, result: "ok", stderr: "pushgate: snapshot taken\n"),
    SnapshotEndCase(
      status: 1, exit: 69, result: "failed",
      stderr: "pushgate: snapshot failed (status 1); your data arrived, the next push retries\n"),
    SnapshotEndCase(
      status: 2, exit: 0, result: "warning",
      stderr: "pushgate: snapshot taken with warnings (see the server's audit log)\n"),
    SnapshotEndCase(
      status: 3, exit: 69, result: "failed",
      stderr: "pushgate: snapshot failed (status 3); your data arrived, the next push retries\n"),
  ])
func snapshotOutcome(_ row: SnapshotEndCase) throws {
  let root = try Root(snapshot: SnapshotScenario(status: row.status))
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == row.exit)
  #expect(result.stdout.isEmpty)
  #expect(result.err == row.stderr)
  #expect(root.snapshotRuns().count == 1)
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == row.result)
  #expect(ended.int("status") == Int(row.status))
  #expect(ended.text("mode") == "wait")
  #expect(ended.text("session") == root.records("allowed").first?.text("session"))
}

@Test("a snapshot past snapshot_timeout is stopped, with all its processes")
func snapshotTimeout() throws {
  let root = try Root(settings: ["snapshot_timeout = 1"], snapshot: SnapshotScenario(sleep: 30))
  defer {
    killLeftovers(root)
    root.remove()
  }
  let started = Date()
  let result = try root.serve(root.allowedCommand)
  #expect(Date().timeIntervalSince(started) < 20)

  #expect(result.status == 69)
  #expect(result.stdout.isEmpty)
  #expect(
    result.err == "pushgate: snapshot timed out and was stopped; your data arrived, the next push retries\n")
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == "timeout")
  #expect(ended["status"] == nil)
  #expect(ended.text("mode") == "wait")
  let pids = root.snapshotRuns().map(\.pid) + root.snapshotChildren()
  #expect(pids.count == 2)
  #expect(eventually(within: 5) { pids.allSatisfy(isGone) }, "rsnapshot and its children are gone")
}

@Test("a snapshot that cannot be started fails the session with 69")
func snapshotCannotStart() throws {
  let root = try Root()
  defer { root.remove() }
  try root.editSettings(replacing: "/fake-rsnapshot", with: "/no-such-rsnapshot")
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 69)
  #expect(result.err == "pushgate: snapshot could not be started; your data arrived, the next push retries\n")
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == "not-started")
  #expect(ended.text("detail")?.isEmpty == false)
}

@Test("a snapshot waits for running pushes and keeps new ones out meanwhile")
func snapshotWaitsForPushes() throws {
  let root = try Root(settings: ["max_connections = 2", "snapshot_timeout = 20"])
  defer { root.remove() }
  // Another push is writing: it holds the tree shared.
  let push = try ByteLock(root.lockFile, byte: 1, shared: true)
  defer { push.close() }
  let serve = try root.startServe(root.allowedCommand, name: "serve")
  // Once the session's snapshot holds the gate, a new push must not start.
  try #require(eventually { push.isWriteLockedElsewhere(byte: 0) })
  let refused = try root.serve(root.allowedCommand)
  #expect(refused.status == 75)
  #expect(refused.out == daemonRefusal("a snapshot is running -- try again later"))
  #expect(root.snapshotRuns().isEmpty, "the snapshot has not started while a push writes")

  push.release()
  #expect(serve.wait() == 0)
  #expect(read(root.path + "/serve.err") == "pushgate: snapshot taken\n")
  #expect(root.snapshotRuns().count == 1)
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == "ok")
  #expect((ended.int("wait_ms") ?? -1) >= 0)
}

@Test("a tree kept busy for the whole snapshot_timeout: no snapshot, exit 69")
func snapshotTreeBusy() throws {
  let root = try Root(settings: ["snapshot_timeout = 1"])
  defer { root.remove() }
  let push = try ByteLock(root.lockFile, byte: 1, shared: true)
  defer { push.close() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 69)
  #expect(result.err == "pushgate: snapshot not taken: other pushes kept the tree busy; the next push retries\n")
  #expect(root.records("snapshot-ended").first?.text("result") == "tree-busy")
  #expect(root.snapshotRuns().isEmpty)
}
