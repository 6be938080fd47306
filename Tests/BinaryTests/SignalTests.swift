// A gate ended by SIGTERM, SIGHUP or SIGINT while it waits (for its key's area, for a slot, for
// its snapshot) still logs how the session ended; so do the detached snapshot's early exits
// and a forced command with arguments pushgate-serve does not take.
import Foundation
import Glibc
import TestSupport
import Testing

struct WaitSignalCase: Sendable, CustomTestStringConvertible {
  let signal: Int32
  let name: String
  /// What the test holds: the root's slot, or the key's area.
  let waitingFor: String
  var testDescription: String { "\(name) while waiting for the \(waitingFor)" }
}

let waitSignalCases: [WaitSignalCase] = [
  WaitSignalCase(signal: SIGTERM, name: "SIGTERM", waitingFor: "slot"),
  WaitSignalCase(signal: SIGHUP, name: "SIGHUP", waitingFor: "slot"),
  WaitSignalCase(signal: SIGINT, name: "SIGINT", waitingFor: "slot"),
  WaitSignalCase(signal: SIGTERM, name: "SIGTERM", waitingFor: "area"),
  WaitSignalCase(signal: SIGHUP, name: "SIGHUP", waitingFor: "area"),
]

@Test(
  "a signal while the gate waits is logged as interrupted and ends it with 128+N", .blocking,
  arguments: waitSignalCases)
func signalWhileWaiting(_ row: WaitSignalCase) throws {
  let root = try Root(settings: ["max_connections = 1", "slot_wait = 20"])
  defer { root.remove() }
  let held = row.waitingFor == "slot" ? root.lockFile : root.area + "/state/lock"
  let lock = try ByteLock(held, byte: row.waitingFor == "slot" ? 16 : 0)
  defer { lock.close() }
  let serve = try root.startServe(root.allowedCommand, name: "waiting")
  // Once the gate has the held file open it is in its wait loop.
  try #require(eventually { hasOpen(serve.pid, held) || !serve.isRunning })
  usleep(300_000)
  let sent = Date()
  serve.signal(row.signal)
  #expect(serve.wait() == 128 + row.signal)
  #expect(Date().timeIntervalSince(sent) < 2)
  let records = root.records
  try #require(records.count == 1)
  #expect(records[0].text("event") == "failed")
  #expect(records[0].text("reason") == "interrupted")
  #expect(records[0].int("signal") == Int(row.signal))
  #expect(records[0].text("signal_name") == row.name)
  #expect(records[0].text("waiting_for") == row.waitingFor)
  #expect((records[0].int("wait_ms") ?? 0) >= 250)
  #expect(root.rsyncRuns().isEmpty)
}

@Test(
  "SIGTERM or SIGHUP to the gate during a wait-mode snapshot is in its snapshot-ended record",
  .blocking, arguments: [SIGTERM, SIGHUP])
func signalDuringSnapshot(_ signal: Int32) throws {
  let root = try Root(snapshot: SnapshotScenario(holdUntilReleased: true))
  defer {
    killLeftovers(root)
    root.remove()
  }
  let serve = try root.startServe(root.allowedCommand, name: "snapshot")
  try #require(eventually { root.snapshotRuns().count == 1 })
  serve.signal(signal)
  #expect(serve.wait() == 69)
  let ended = try #require(root.records("snapshot-ended").first)
  #expect(root.records("snapshot-ended").count == 1)
  #expect(ended.text("interrupted_by") == (signal == SIGTERM ? "SIGTERM" : "SIGHUP"))
  #expect(ended.text("result") == "failed")
  // The snapshot's process group got the signal passed on.
  #expect(ended.int("signal") == Int(signal))
  #expect(root.records.last?.text("event") == "snapshot-ended")
}

@Test("a detached snapshot that cannot read the settings logs it where the log opens", .blocking)
func detachedSnapshotBadSettings() throws {
  let root = try Root()
  defer { root.remove() }
  try root.writeSettings(["max_connections = many"])
  let result = try run(
    Binaries.serve,
    ["--config", root.config, "--key", "laptop", "--snapshot-session", "0123456789abcdef"],
    environment: ["PATH": "/usr/bin:/bin"])
  #expect(result.status == 78)
  let failed = try #require(root.records("failed").first)
  #expect(failed.text("reason") == "settings")
  #expect(failed.text("session") == "0123456789abcdef")
  #expect(failed.text("key") == "laptop")
}

@Test(
  "a forced command with arguments pushgate-serve does not take is logged as usage, exit 64",
  .blocking)
func usageErrorLogged() throws {
  let root = try Root()
  defer { root.remove() }
  let result = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config, "--key", "laptop", "--keys", "x"])
  #expect(result.status == 64)
  #expect(result.err.contains("usage: pushgate-serve"))
  let failed = try #require(root.records.first)
  #expect(root.records.count == 1)
  #expect(failed.text("event") == "failed")
  #expect(failed.text("reason") == "usage")
  #expect(failed.text("key") == "laptop")
  #expect(failed.text("command") == root.allowedCommand)
  #expect(root.rsyncRuns().isEmpty)
}
