// A snapshot's two steps under the area lock: the level runs only after a sync that exited 0,
// state/synced tracks a complete sync, and whatever the steps start holds the area lock.
import Foundation
import Glibc
import PushgateAdminSystem
import PushgateCore
import PushgateSystem
import Testing

private func step(_ name: String, _ status: Int32, in area: Area, then extra: String = "")
  -> ProgramRun
{
  ProgramRun(
    path: "/bin/sh",
    arguments: ["sh", "-c", "echo \(name) >> \(area.state)/runs; \(extra) exit \(status)"],
    environment: [], directory: "/")
}

private func makeArea() throws -> Area {
  let root = NSTemporaryDirectory() + "pushgate-steps-" + UUID().uuidString
  let area = Settings(root: root).area("laptop")
  for directory in [area.incoming, area.snapshots, area.state] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }
  return area
}

/// Removes the temporary root of `area` (ROOT/keys/LABEL).
private func removeRoot(of area: Area) {
  let root = URL(fileURLWithPath: area.directory).deletingLastPathComponent()
    .deletingLastPathComponent()
  try? FileManager.default.removeItem(at: root)
}

struct StepCase: Sendable, CustomTestStringConvertible {
  let sync: Int32
  let level: Int32
  let outcome: SnapshotOutcome
  let runs: String
  let synced: Bool
  var testDescription: String { "sync \(sync), level \(level)" }
}

let stepCases = [
  StepCase(sync: 0, level: 0, outcome: .ended(.exited(0)), runs: "sync\nlevel\n", synced: false),
  StepCase(
    sync: 1, level: 0, outcome: .syncFailed(.ended(.exited(1))), runs: "sync\n", synced: false),
  StepCase(
    sync: 2, level: 0, outcome: .syncFailed(.ended(.exited(2))), runs: "sync\n", synced: false),
  StepCase(sync: 0, level: 1, outcome: .ended(.exited(1)), runs: "sync\nlevel\n", synced: true),
]

@Test("the level runs only after a sync that exited 0", arguments: stepCases)
func runsTheLevelOnlyAfterACompleteSync(_ row: StepCase) throws {
  let area = try makeArea()
  defer { removeRoot(of: area) }
  // A marker from an earlier complete sync must not survive a new sync.
  try Data("complete\n".utf8).write(to: URL(fileURLWithPath: area.syncedFile))
  let lock = try AreaLock.open(area)
  defer { lock.close() }
  #expect(try lock.acquire(until: 0))
  let run = lock.runSnapshot(
    sync: step("sync", row.sync, in: area), level: step("level", row.level, in: area), of: area,
    holder: [], timeoutSeconds: 10, isNewSnapshot: true)
  #expect(run.outcome == row.outcome)
  #expect(try String(contentsOfFile: area.state + "/runs", encoding: .utf8) == row.runs)
  #expect(AreaFiles.isSynced(area) == row.synced)
  #expect((AreaFiles.state(area).lastSnapshot != nil) == run.outcome.isSuccess)
}

@Test func whatASnapshotStartsHoldsTheAreaAfterWeLetGo() throws {
  let area = try makeArea()
  defer { removeRoot(of: area) }
  let lock = try AreaLock.open(area)
  #expect(try lock.acquire(until: 0))
  // The sync leaves a child behind (as rsnapshot leaves its rsyncs when it is killed).
  let run = lock.runSnapshot(
    sync: step("sync", 1, in: area, then: "sleep 2 & echo $! > \(area.state)/child;"),
    level: step("level", 0, in: area), of: area, holder: [], timeoutSeconds: 10, isNewSnapshot: true
  )
  #expect(run.outcome == .syncFailed(.ended(.exited(1))))
  lock.close()
  let other = try AreaLock.open(area)
  defer { other.close() }
  // The child inherited the lock as its descriptor 3: the area stays taken until it exits.
  #expect(try !other.acquire(until: 0))
  #expect(try other.acquire(until: Clock.monotonicMilliseconds() + 10_000))
}
