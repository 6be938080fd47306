// Taking the snapshot: in the session (wait) or in a detached process (detach); failures,
// warnings and timeouts.
import Foundation
import Glibc
import TestSupport
import Testing

@Test("detach mode releases the client at once and snapshots in the background", .blocking)
func detachedSnapshot() throws {
  let root = try Root(
    settings: ["snapshot_mode = detach"], snapshot: SnapshotScenario(holdUntilReleased: true))
  defer {
    try? write("", to: root.path + "/release")
    _ = eventually { root.records("snapshot-ended").count == 2 }
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

  // The snapshot runs (held until we release it) and keeps this key's new pushes out: the
  // gate that started it has exited, the area lock it handed over is still held.
  try #require(eventually { root.snapshotRuns().count == 1 })
  #expect(root.records("snapshot-ended").isEmpty)
  let refused = try root.serve(root.allowedCommand)
  #expect(refused.status == 75)
  #expect(
    refused.out == daemonRefusal("a snapshot of this key's backups is running -- try again later"))
  #expect(root.records("refused").first?.text("reason") == "snapshot-running")
  // Another key pushes meanwhile.
  try root.makeArea("desktop")
  let other = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config, "--key", "desktop"])
  #expect(other.status == 0)

  try write("", to: root.path + "/release")
  let laptop = { root.records("snapshot-ended").filter { $0.text("key") == "laptop" } }
  try #require(eventually { !laptop().isEmpty })
  let ended = try #require(laptop().first)
  #expect(ended.text("session") == session)
  #expect(ended.text("mode") == "detach")
  #expect(ended.text("result") == "ok")
  #expect(ended.int("status") == 0)
  #expect(ended.text("key") == "laptop")
  let snapshot = try #require(root.snapshotRuns().first { $0.argv.contains("/laptop/") })
  #expect(snapshot.argv == "\(root.path)/fake-rsnapshot -c \(root.area)/rsnapshot.conf hourly")
  #expect(snapshot.environment.contains("PUSHGATE_SESSION=\(session)"))
  #expect(snapshot.directory == root.area)
  #expect(root.rsyncRuns().count == 2)
  #expect(eventually { root.exists("keys/laptop/state/last-snapshot") })
  #expect(!root.exists("keys/laptop/state/pending"))
}

struct SnapshotEndCase: Sendable, CustomTestStringConvertible {
  var syncStatus: Int32 = 0
  var status: Int32 = 0
  let exit: Int32
  let result: String
  let stderr: String
  var testDescription: String { "sync exit \(syncStatus), level exit \(status)" }
}

private let kept = "your data arrived and is kept for the next snapshot"

@Test(
  "in wait mode the client sees the snapshot's outcome", .blocking,
  arguments: [
    SnapshotEndCase(exit: 0, result: "ok", stderr: "pushgate: snapshot taken\n"),
    SnapshotEndCase(
      syncStatus: 1, exit: 69, result: "sync-failed",
      stderr:
        "pushgate: snapshot not taken: its sync failed (status 1); the history is unchanged and \(kept)\n"
    ),
    // rsnapshot's 2 after a sync: rsync 23 or 24, files missing from .sync.
    SnapshotEndCase(
      syncStatus: 2, exit: 69, result: "sync-failed",
      stderr:
        "pushgate: snapshot not taken: its sync failed (status 2); the history is unchanged and \(kept)\n"
    ),
    SnapshotEndCase(
      status: 1, exit: 69, result: "failed",
      stderr: "pushgate: snapshot failed (status 1); \(kept)\n"),
    SnapshotEndCase(
      status: 2, exit: 69, result: "failed",
      stderr: "pushgate: snapshot failed (status 2); \(kept)\n"),
  ])
func snapshotOutcome(_ row: SnapshotEndCase) throws {
  let root = try Root(snapshot: SnapshotScenario(status: row.status, syncStatus: row.syncStatus))
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == row.exit)
  #expect(result.stdout.isEmpty)
  #expect(result.err == row.stderr)
  // The level runs only after a sync that exited 0.
  #expect(root.syncRuns().count == 1)
  #expect(root.snapshotRuns().count == (row.syncStatus == 0 ? 1 : 0))
  #expect(root.allSnapshotRuns().first?.argv.hasSuffix(" sync") == true)
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == row.result)
  #expect(ended.int("status") == Int(row.syncStatus == 0 ? row.status : row.syncStatus))
  #expect(ended.text("sync") == (row.syncStatus == 0 ? nil : "failed"))
  #expect(ended.text("mode") == "wait")
  #expect(ended.text("session") == root.records("allowed").first?.text("session"))
  // A failed snapshot keeps the whole pushed tree pending, for the next push or rotate.
  #expect(root.exists("keys/laptop/state/pending") == (row.exit != 0))
  #expect(root.exists("keys/laptop/state/last-snapshot") == (row.exit == 0))
  if row.exit != 0 { #expect(read(root.area + "/state/pending") == "complete\n") }
  // state/synced: written after the sync's 0, removed once the level succeeded.
  #expect(root.exists("keys/laptop/state/synced") == (row.syncStatus == 0 && row.status != 0))
}

@Test(
  "rsnapshot's sync and level both get the area lock as descriptor 3", .blocking,
  arguments: ["wait", "detach"])
func snapshotInheritsTheAreaLock(mode: String) throws {
  let root = try Root(settings: ["snapshot_mode = \(mode)"])
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 0, "\(result.err)")
  #expect(eventually { root.snapshotDescriptors().count == 2 })
  #expect(
    root.snapshotDescriptors() == [
      "sync \(root.area)/state/lock", "hourly \(root.area)/state/lock",
    ])
}

@Test("a snapshot past snapshot_timeout is stopped, with all its processes", .blocking)
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
    result.err
      == "pushgate: snapshot timed out and was stopped; your data arrived and is kept for the next snapshot\n"
  )
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == "timeout")
  #expect(ended["status"] == nil)
  #expect((ended.int("duration_ms") ?? 0) >= 1000, "\(ended)")
  #expect(ended.text("mode") == "wait")
  let pids = root.snapshotRuns().map(\.pid) + root.snapshotChildren()
  #expect(pids.count == 2)
  #expect(eventually(within: 5) { pids.allSatisfy(isGone) }, "rsnapshot and its children are gone")
}

@Test("a snapshot that cannot be started fails the session with 69", .blocking)
func snapshotCannotStart() throws {
  let root = try Root()
  defer { root.remove() }
  try root.editSettings(replacing: "/fake-rsnapshot", with: "/no-such-rsnapshot")
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 69)
  #expect(
    result.err
      == "pushgate: snapshot not taken: its sync could not be started; the history is unchanged and your data arrived and is kept for the next snapshot\n"
  )
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("result") == "sync-failed")
  #expect(ended.text("sync") == "not-started")
  #expect(ended.text("detail")?.isEmpty == false)
}

@Test("a key's snapshot neither waits for nor blocks another key's push", .blocking)
func snapshotIgnoresOtherKeys() throws {
  let root = try Root(settings: ["max_connections = 2"])
  defer { root.remove() }
  try root.makeArea("desktop")
  // The desktop key is pushing (its area held), and its own snapshot is marked running.
  let desktop = try ByteLock(root.path + "/keys/desktop/state/lock", bytes: [0, 1])
  defer { desktop.close() }
  let started = Date()
  let result = try root.serve(root.allowedCommand)
  #expect(Date().timeIntervalSince(started) < 10)
  #expect(result.status == 0)
  #expect(result.err == "pushgate: snapshot taken\n")
  #expect(root.snapshotRuns().count == 1)
  #expect(root.records("snapshot-ended").first?.text("result") == "ok")
}

@Test(
  "a detached snapshot that did not inherit the area waits for it; busy all along: tree-busy",
  .blocking)
func detachedSnapshotWithoutTheArea() throws {
  let root = try Root(settings: ["snapshot_timeout = 1"])
  defer { root.remove() }
  let push = try ByteLock(root.area + "/state/lock", byte: 0)
  defer { push.close() }
  // What the session that started it wrote before it did.
  try write("complete\n", to: root.area + "/state/pending", mode: 0o600)
  let result = try root.serve(
    nil,
    arguments: [
      "--config", root.config, "--key", "laptop", "--snapshot-session", "00000000000000ab",
    ])
  #expect(result.status == 69)
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(ended.text("session") == "00000000000000ab")
  #expect(ended.text("result") == "tree-busy")
  #expect((ended.int("wait_ms") ?? 0) >= 900)
  #expect(root.snapshotRuns().isEmpty)
  #expect(read(root.area + "/state/pending") == "complete\n")
}
