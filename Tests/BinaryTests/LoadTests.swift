// Load: bursts of simultaneous pushgate-serve processes against one root, with a fake rsync
// and rsnapshot that measure how many of them run at once. Slots must never be exceeded,
// every attempt must end in exactly one final audit outcome, and waiters must all be served.
import Foundation
import Glibc
import TestSupport
import Testing

/// One burst: how many slots, over how many keys (one session per key at a time), whether the
/// fake rsync changes something (so a snapshot of its area is due), in which snapshot mode,
/// and whether the first sessions hold their slots until every other attempt has been refused.
private struct BurstCase: Sendable, CustomTestStringConvertible {
  let name: String
  let slots: Int
  var keys = 100
  var attempts = 100
  var snapshots = false
  var detach = false
  var hold = false
  var testDescription: String { name }
}

private let burstCases: [BurstCase] = [
  BurstCase(name: "100 keys at once, 1 slot", slots: 1),
  BurstCase(name: "100 keys at once, 3 slots", slots: 3),
  BurstCase(name: "100 keys at once, 1 slot, snapshots in wait mode", slots: 1, snapshots: true),
  BurstCase(name: "100 keys at once, 3 slots, snapshots in wait mode", slots: 3, snapshots: true),
  BurstCase(
    name: "100 keys at once, 3 slots, detached snapshots", slots: 3, snapshots: true, detach: true),
  BurstCase(
    name: "100 attempts of one key, 3 slots, snapshots", slots: 3, keys: 1, snapshots: true),
  BurstCase(
    name: "100 attempts over 10 keys, 3 slots, detached snapshots", slots: 3, keys: 10,
    snapshots: true, detach: true),
  BurstCase(name: "100 keys at once, 3 slots held until the rest is refused", slots: 3, hold: true),
]

@Test(
  "a burst never runs more rsyncs than slots nor two sessions of a key, one outcome each",
  .blocking, .tags(.slow), .skippedInQuickRun,
  arguments: burstCases)
private func burst(_ c: BurstCase) throws {
  let root = try LoadRoot(
    settings: [
      "max_connections = \(c.slots)", "slot_wait = 0",
      "snapshot_mode = \(c.detach ? "detach" : "wait")",
    ], keys: c.keys)
  defer { root.cleanUp() }
  try root.setScenario(hooks: c.snapshots, hold: c.hold)
  let begin = Date()
  let started = try (0..<c.attempts).map { try root.start($0) }
  if c.hold {
    // Everyone but the slot holders is refused at once; then the holders may finish.
    let refusedAll = eventually(within: 60) {
      started.filter { !$0.isRunning }.count >= c.attempts - c.slots
    }
    #expect(
      refusedAll,
      "only \(started.filter { !$0.isRunning }.count) attempts ended while slots were held")
    #expect(eventually { root.measurements().filter { $0.kind == "rsync" }.count == c.slots })
    try root.release()
  }
  let statuses = started.map { $0.wait() }
  if c.detach {
    // Detached snapshots log their end later; wait for one per due transfer.
    let done = eventually(within: 60) {
      let records = auditRecords(root.path + "/pushgate.log")
      let due = records.filter { $0["snapshot"] as? String == "due" }.count
      return records.filter { $0["event"] as? String == "snapshot-ended" }.count == due
    }
    #expect(done, "detached snapshots did not all end")
  }
  let seconds = Date().timeIntervalSince(begin)

  var allowedPids: Set<Int> = []
  var refusals: [String: Int] = [:]
  for (process, status) in zip(started, statuses) {
    let out = read(process.output + ".out")
    let err = read(process.output + ".err")
    switch status {
    case 0:
      allowedPids.insert(Int(process.pid))
      #expect(
        out == "",
        "attempt \(URL(fileURLWithPath: process.output).lastPathComponent) wrote to stdout")
      #expect(err == (c.snapshots && !c.detach ? "pushgate: snapshot taken\n" : ""))
    case 75:
      refusals[out, default: 0] += 1
      #expect(
        err == "", "attempt \(URL(fileURLWithPath: process.output).lastPathComponent): \(err)")
    default:
      Issue.record(
        "attempt \(URL(fileURLWithPath: process.output).lastPathComponent) exited \(status): \(out) \(err)"
      )
    }
  }
  let busy = daemonRefusal("max connections (\(c.slots)) reached -- try again later")
  let keyBusy = daemonRefusal("another session of this key is running -- try again later")
  let snapshotRunning = daemonRefusal(
    "a snapshot of this key's backups is running -- try again later")
  // Only a key with several attempts meets its own session or its own snapshot.
  let allowedRefusals = c.keys < c.attempts ? [busy, keyBusy, snapshotRunning] : [busy]
  #expect(Set(refusals.keys).isSubset(of: allowedRefusals), "refusals: \(refusals)")
  #expect(allowedPids.count + refusals.values.reduce(0, +) == c.attempts)
  if c.hold { #expect(allowedPids.count == c.slots) }
  #expect(allowedPids.count >= 1)

  // The log: one session per attempt, each with exactly one final outcome.
  let sessions = try root.sessions()
  #expect(sessions.count == c.attempts)
  var refusedReasons: [String: Int] = [:]
  var loggedPids: Set<Int> = []
  for (id, records) in sessions {
    let events = records.map { $0["event"] as? String ?? "?" }
    switch events {
    case ["refused"]:
      refusedReasons[records[0]["reason"] as? String ?? "?", default: 0] += 1
    case ["allowed", "transfer-ended"] where !c.snapshots:
      #expect(records[1]["snapshot"] as? String == "skipped")
      #expect(records[1]["snapshot_reason"] as? String == "unchanged")
      #expect(records[1]["status"] as? Int == 0)
    case ["allowed", "transfer-ended", "snapshot-ended"] where c.snapshots:
      #expect(records[1]["snapshot"] as? String == "due")
      #expect(records[2]["result"] as? String == "ok")
    default:
      Issue.record("session \(id): events \(events)")
    }
    if events.first == "allowed" {
      let slot = records[0]["slot"] as? Int ?? -1
      #expect((0..<c.slots).contains(slot), "session \(id) logged slot \(slot)")
      if let pid = records[0]["pid"] as? Int { loggedPids.insert(pid) }
    }
  }
  #expect(loggedPids == allowedPids)
  #expect(refusedReasons["busy"] ?? 0 == refusals[busy] ?? 0)
  #expect(refusedReasons["key-busy"] ?? 0 == refusals[keyBusy] ?? 0)
  #expect(refusedReasons["snapshot-running"] ?? 0 == refusals[snapshotRunning] ?? 0)
  #expect(refusedReasons.keys.allSatisfy { ["busy", "key-busy", "snapshot-running"].contains($0) })

  // The fakes' measurements: never more rsyncs than slots, never two sessions of one key,
  // never an rsync of a key beside that key's snapshot.
  let measured = root.measurements()
  let rsyncs = measured.filter { $0.kind == "rsync" }
  let snapshots = measured.filter { $0.kind == "snapshot" }
  #expect(rsyncs.count == allowedPids.count)
  let most = rsyncs.map(\.rsyncs).max() ?? 0
  #expect(most <= c.slots, "\(most) rsyncs ran at once with \(c.slots) slots")
  if c.hold { #expect(most == c.slots) }
  #expect(rsyncs.allSatisfy { $0.keyRsyncs == 1 && $0.keySnapshots == 0 }, "\(rsyncs)")
  #expect(
    snapshots.allSatisfy { $0.keyRsyncs == 0 && $0.keySnapshots == 1 },
    "a snapshot overlapped its key's push or snapshot: \(snapshots)")
  // Each snapshot is two rsnapshot runs: sync, then the level.
  #expect(snapshots.count == (c.snapshots ? 2 * allowedPids.count : 0))
  #expect(root.leftovers() == [], "left behind")
  #expect(eventually { root.processes().isEmpty }, "still running: \(root.processes())")
  loadReport(
    "burst '\(c.name)': \(allowedPids.count) served, \(refusals[busy] ?? 0) busy, "
      + "\(refusals[keyBusy] ?? 0) key-busy, \(refusals[snapshotRunning] ?? 0) snapshot-running, "
      + "at most \(most) rsyncs at once, " + String(format: "%.1f s", seconds))
}

/// With `slot_wait`, every waiter is served in turn: none is refused, none lost.
private struct WaitCase: Sendable, CustomTestStringConvertible {
  let name: String
  let snapshots: Bool
  var testDescription: String { name }
}

@Test(
  "slot_wait: 30 keys' attempts on 3 slots are all served", .blocking, .tags(.slow),
  .skippedInQuickRun,
  arguments: [
    WaitCase(name: "without snapshots", snapshots: false),
    WaitCase(name: "with a snapshot after each push", snapshots: true),
  ])
private func slotWaitServesEveryone(_ c: WaitCase) throws {
  let attempts = 30
  let slots = 3
  let root = try LoadRoot(
    settings: ["max_connections = \(slots)", "slot_wait = 120", "snapshot_mode = wait"],
    keys: attempts)
  defer { root.cleanUp() }
  try root.setScenario(hooks: c.snapshots, hold: true)
  let begin = Date()
  let started = try (0..<attempts).map { try root.start($0) }
  // The first three hold their slots until every other attempt is waiting for one.
  let allWaiting = eventually(within: 60) {
    root.measurements().count == slots
      && started.allSatisfy { $0.isRunning && hasOpen($0.pid, root.lockFile) }
  }
  #expect(allWaiting, "not every attempt reached the slot wait")
  try root.release()
  let statuses = started.map { $0.wait() }
  let elapsed = Int(Date().timeIntervalSince(begin) * 1000)

  #expect(statuses == Array(repeating: 0, count: attempts))
  #expect(started.allSatisfy { read($0.output + ".out") == "" })
  let sessions = try root.sessions()
  #expect(sessions.count == attempts)
  let expected =
    c.snapshots ? ["allowed", "transfer-ended", "snapshot-ended"] : ["allowed", "transfer-ended"]
  for (id, records) in sessions {
    #expect(records.map { $0["event"] as? String ?? "?" } == expected, "session \(id)")
  }
  let waits = sessions.values.compactMap { $0.first?["wait_ms"] as? Int }.sorted()
  #expect(waits.count == attempts)
  #expect(waits.allSatisfy { $0 >= 0 && $0 <= elapsed }, "waits \(waits) beyond \(elapsed) ms")
  // After the release every session still ran its rsync for at least 0.2 s, at most three at
  // a time: the last of the 27 waiters got its slot at least 9 × 0.2 s after the release.
  #expect((waits.last ?? 0) >= 1700, "longest wait \(waits.last ?? 0) ms")
  // The three that took the slots at once waited less than the last waiter.
  #expect(waits.prefix(slots).allSatisfy { $0 < (waits.last ?? 0) })

  let measured = root.measurements()
  let rsyncs = measured.filter { $0.kind == "rsync" }
  #expect(rsyncs.count == attempts)
  #expect((rsyncs.map(\.rsyncs).max() ?? 0) <= slots)
  #expect(rsyncs.allSatisfy { $0.keyRsyncs == 1 && $0.keySnapshots == 0 })
  let snapshots = measured.filter { $0.kind == "snapshot" }
  #expect(snapshots.count == (c.snapshots ? 2 * attempts : 0), "sync and level per snapshot")
  #expect(snapshots.allSatisfy { $0.keyRsyncs == 0 && $0.keySnapshots == 1 })
  #expect(root.leftovers() == [], "left behind")
  #expect(eventually { root.processes().isEmpty }, "still running: \(root.processes())")
  loadReport(
    "slot_wait \(c.name): \(attempts) served, waits \(waits.first ?? 0)–\(waits.last ?? 0) ms, "
      + "at most \(rsyncs.map(\.rsyncs).max() ?? 0) rsyncs at once, \(elapsed) ms")
}
