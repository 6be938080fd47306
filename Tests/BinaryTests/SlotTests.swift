// Connection slots and the areas' locks: busy refusals in the daemon protocol, waiting for a
// slot or an area, and a killed gate giving its slot back.
import Foundation
import Glibc
import TestSupport
import Testing

@Test("all slots taken: @ERROR on stdout, exit 75, logged as busy", .blocking)
func allSlotsBusy() throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  let lock = try ByteLock(root.lockFile, byte: 16)
  defer { lock.close() }
  // What an rsync client sends first: its version, then the module.
  let result = try root.serve(root.allowedCommand, input: Data("@RSYNCD: 31.0\npush\n".utf8))

  #expect(result.status == 75)
  #expect(result.out == daemonRefusal("max connections (1) reached -- try again later"))
  #expect(result.err == "")
  let records = root.records
  try #require(records.count == 1)
  #expect(records[0].text("event") == "refused")
  #expect(records[0].text("reason") == "busy")
  #expect(records[0].text("command") == root.allowedCommand)
  #expect(records[0].int("wait_ms") != nil)
  #expect(root.rsyncRuns().isEmpty)
}

@Test("with two slots and the first taken, the session gets slot 1", .blocking)
func secondSlot() throws {
  let root = try Root(settings: ["max_connections = 2"])
  defer { root.remove() }
  let lock = try ByteLock(root.lockFile, byte: 16)
  defer { lock.close() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 0)
  #expect(root.records("allowed").first?.int("slot") == 1)
}

@Test("a session waits up to slot_wait for a slot that frees up", .blocking)
func waitsForSlot() throws {
  let root = try Root(settings: ["max_connections = 1", "slot_wait = 2"])
  defer { root.remove() }
  let lock = try ByteLock(root.lockFile, byte: 16)
  defer { lock.close() }
  let serve = try root.startServe(root.allowedCommand, name: "waiting")
  // Once the gate has the lock file open it is in its wait loop; release half a second later.
  try #require(eventually { hasOpen(serve.pid, root.lockFile) || !serve.isRunning })
  usleep(500_000)
  lock.release()
  #expect(serve.wait() == 0)
  #expect(read(root.path + "/waiting.out") == "")
  let allowed = try #require(root.records("allowed").first)
  #expect(allowed.int("slot") == 0)
  #expect((allowed.int("wait_ms") ?? 0) >= 400)
  #expect(root.rsyncRuns().count == 1)
}

@Test("a slot still taken after slot_wait is refused as busy", .blocking)
func slotWaitRunsOut() throws {
  let root = try Root(settings: ["max_connections = 1", "slot_wait = 1"])
  defer { root.remove() }
  let lock = try ByteLock(root.lockFile, byte: 16)
  defer { lock.close() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 75)
  #expect(result.out == daemonRefusal("max connections (1) reached -- try again later"))
  #expect((root.records("refused").first?.int("wait_ms") ?? 0) >= 900)
}

struct AreaHoldCase: Sendable, CustomTestStringConvertible {
  let name: String
  /// Whose area lock the test holds, and which bytes (0: the area, 1: a snapshot runs).
  let key: String
  let bytes: [Int]
  /// The refusal, or nil when the laptop key's session is served.
  let refusal: (reason: String, message: String)?
  var testDescription: String { name }
}

let areaHoldCases: [AreaHoldCase] = [
  AreaHoldCase(
    name: "another session of the key holds its area", key: "laptop", bytes: [0],
    refusal: ("key-busy", "another session of this key is running -- try again later")),
  AreaHoldCase(
    name: "a snapshot of the key holds its area", key: "laptop", bytes: [0, 1],
    refusal: ("snapshot-running", "a snapshot of this key's backups is running -- try again later")),
  AreaHoldCase(
    name: "another key's snapshot changes nothing", key: "desktop", bytes: [0, 1], refusal: nil),
]

@Test(
  "a key's area held by its own session or snapshot refuses it, and only it", .blocking,
  arguments: areaHoldCases)
func areaHeld(_ row: AreaHoldCase) throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  try root.makeArea("desktop")
  let lock = try ByteLock(root.path + "/keys/\(row.key)/state/lock", bytes: row.bytes)
  defer { lock.close() }
  let result = try root.serve(root.allowedCommand)
  guard let refusal = row.refusal else {
    #expect(result.status == 0)
    #expect(root.snapshotRuns().count == 1)
    return
  }
  #expect(result.status == 75)
  #expect(result.out == daemonRefusal(refusal.message))
  #expect(result.err == "")
  let refused = try #require(root.records.first)
  #expect(refused.text("event") == "refused")
  #expect(refused.text("reason") == refusal.reason)
  #expect(root.rsyncRuns().isEmpty)
  // The session never took a slot: the root's only one is free.
  #expect(!lock.isWriteLockedElsewhere(byte: 16))
}

@Test("a session waits up to slot_wait for its key's area", .blocking)
func waitsForTheArea() throws {
  let root = try Root(settings: ["slot_wait = 5"])
  defer { root.remove() }
  let lock = try ByteLock(root.area + "/state/lock", bytes: [0, 1])
  defer { lock.close() }
  let serve = try root.startServe(root.allowedCommand, name: "waiting")
  try #require(eventually { hasOpen(serve.pid, root.area + "/state/lock") || !serve.isRunning })
  usleep(500_000)
  lock.release()
  #expect(serve.wait() == 0)
  let allowed = try #require(root.records("allowed").first)
  #expect((allowed.int("wait_ms") ?? 0) >= 400)
}

@Test("a killed pushgate-serve gives its slot and its key's area back", .blocking)
func killedServeFreesSlot() throws {
  let root = try Root(
    settings: ["max_connections = 1"], scenario: Scenario(sleep: 30, hooks: .none))
  defer { root.remove() }
  let first = try root.startServe(root.allowedCommand, name: "first")
  defer {
    first.signal(SIGKILL)
    killLeftovers(root)
  }
  try #require(eventually { !root.records("allowed").isEmpty })
  try #require(eventually { root.rsyncRuns().first?.sleepPid != nil })

  try root.makeArea("desktop")
  let second = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config, "--key", "desktop"])
  #expect(second.status == 75)
  #expect(second.out == daemonRefusal("max connections (1) reached -- try again later"))
  let sameKey = try root.serve(root.allowedCommand)
  #expect(sameKey.out == daemonRefusal("another session of this key is running -- try again later"))

  let rsyncPid = try #require(
    Int32(read(root.path + "/record/1/pid").split(separator: "\n").first ?? ""))
  first.signal(SIGKILL)
  #expect(first.wait() == 128 + SIGKILL)
  // The kernel sends rsync SIGTERM when its gate dies (PR_SET_PDEATHSIG): no rsync outlives
  // the slot it was counted against. (An orphan may stay a zombie: PID 1 here does not reap.)
  #expect(eventually(within: 5) { isGoneOrZombie(rsyncPid) }, "rsync \(rsyncPid) outlived its gate")

  try root.setScenario(Scenario())
  let third = try root.serve(root.allowedCommand)
  #expect(third.status == 0)
  #expect(third.stdout.isEmpty)
  let allowed = root.records("allowed")
  #expect(allowed.count == 2)
  #expect(allowed.last?.int("slot") == 0)
  // The killed session is visible as cut short: allowed, never ended.
  let firstSession = allowed.first?.text("session")
  #expect(
    !root.records.contains { $0.text("session") == firstSession && $0.text("event") != "allowed" })
  #expect(root.rsyncRuns().count == 2)
}

@Test(
  "a refused daemon-form session waits for the client's lines, holding no slot meanwhile", .blocking
)
func refusalHoldsNoSlot() throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  try root.makeArea("desktop")
  let snapshot = try ByteLock(root.area + "/state/lock", bytes: [0, 1])
  defer { snapshot.close() }
  let refused = try root.startServe(root.allowedCommand, name: "refused")
  // The greeting is out; the gate now reads the client's version and module lines.
  try #require(
    eventually { read(root.path + "/refused.out") == "@RSYNCD: 31.0\n" || !refused.isRunning })
  #expect(refused.isRunning)
  #expect(root.records("refused").first?.text("reason") == "snapshot-running")

  // Another key must get the root's only slot, which the refused one is not using.
  let next = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config, "--key", "desktop"])
  #expect(next.status == 0)
  #expect(next.out == "")

  refused.write("@RSYNCD: 31.0\n")
  refused.write("push\n")
  #expect(refused.wait() == 75)
  #expect(
    read(root.path + "/refused.out")
      == daemonRefusal("a snapshot of this key's backups is running -- try again later"))
}

@Test("a session refused as busy gives its key's area back while it talks to the client", .blocking)
func busyRefusalHoldsNoArea() throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  let slot = try ByteLock(root.lockFile, byte: 16)
  defer { slot.close() }
  let refused = try root.startServe(root.allowedCommand, name: "refused")
  try #require(
    eventually { read(root.path + "/refused.out") == "@RSYNCD: 31.0\n" || !refused.isRunning })
  #expect(refused.isRunning)
  let area = try ByteLock(root.area + "/state/lock", byte: 0)
  area.close()
  refused.write("@RSYNCD: 31.0\npush\n")
  #expect(refused.wait() == 75)
}

@Test(
  "a silent client gets its @ERROR after a bounded wait", .blocking, .tags(.slow),
  .skippedInQuickRun)
func silentClientIsRefused() throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  let lock = try ByteLock(root.lockFile, byte: 16)
  defer { lock.close() }
  let started = Date()
  let silent = try root.startServe(root.allowedCommand, name: "silent")
  #expect(silent.wait() == 75)
  let elapsed = Date().timeIntervalSince(started)
  #expect(elapsed >= 4 && elapsed < 15)
  #expect(
    read(root.path + "/silent.out")
      == daemonRefusal("max connections (1) reached -- try again later"))
}

/// Whether `pid` has ended (gone, or a zombie nobody reaped).
func isGoneOrZombie(_ pid: Int32) -> Bool {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return true }
  return stat[stat.index(close, offsetBy: 2)] == "Z"
}

@Test("the lock file is the account's alone: nobody else can read-lock the slots away", .blocking)
func lockFileIsNotReadableByTheGroup() throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  // A lock file made before, readable by a monitoring group.
  try write("", to: root.lockFile, mode: 0o640)
  #expect(chown(root.lockFile, 0, 65534) == 0)
  #expect(try root.serve(root.allowedCommand).status == 0)
  var info = stat()
  #expect(lstat(root.lockFile, &info) == 0 && info.st_mode & 0o777 == 0o600)
  guard geteuid() == 0, installed("/usr/bin/setpriv") else { return }
  // As a member of that group, opening it (to take a read lock on a slot) fails.
  chmod(root.path, 0o755)
  let monitor = try run(
    "/usr/bin/setpriv",
    [
      "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
      "exec 3< '\(root.lockFile)'",
    ])
  #expect(monitor.status != 0)
  #expect(monitor.err.contains("Permission denied"))
}
