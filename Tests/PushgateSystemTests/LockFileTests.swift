// Slot and tree locks against a real lock file: separate opens are separate lock owners.
import Foundation
import Glibc
import PushgateSystem
import Testing

private func lockPath() throws -> (String, () -> Void) {
  let directory = NSTemporaryDirectory() + "pushgate-lock-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
  return (directory + "/pushgate.lock", { try? FileManager.default.removeItem(atPath: directory) })
}

private func now() -> Int { Clock.monotonicMilliseconds() }

@Test func givesEachOpenItsOwnSlotUntilAllAreTaken() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let first = try LockFile.open(path)
  let second = try LockFile.open(path)
  let third = try LockFile.open(path)
  #expect(try first.acquireSlot(count: 2, until: now()) == 0)
  #expect(try second.acquireSlot(count: 2, until: now()) == 1)
  #expect(try third.acquireSlot(count: 2, until: now()) == nil)
  close(first.fd)
  #expect(try third.acquireSlot(count: 2, until: now()) == 0)
}

@Test func waitsForASlotUntilTheDeadline() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let holder = try LockFile.open(path)
  let waiter = try LockFile.open(path)
  #expect(try holder.acquireSlot(count: 1, until: now()) == 0)
  let start = now()
  #expect(try waiter.acquireSlot(count: 1, until: start + 300) == nil)
  #expect(now() - start >= 300)
}

@Test func snapshotWaitsForPushesAndKeepsNewPushesOut() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let pushA = try LockFile.open(path)
  let pushB = try LockFile.open(path)
  let snapshot = try LockFile.open(path)
  #expect(try pushA.shareTree(until: now()))
  #expect(try pushB.shareTree(until: now()))
  #expect(try snapshot.holdTreeExclusively(until: now() + 100) == false)
  pushA.releaseTree()
  pushB.releaseTree()
  #expect(try snapshot.holdTreeExclusively(until: now()))
  #expect(try pushA.shareTree(until: now() + 100) == false)
  close(snapshot.fd)
  #expect(try pushA.shareTree(until: now()))
}

@Test func aWaitingSnapshotHoldsTheGateSoNewPushesCannotStarveIt() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let running = try LockFile.open(path)
  let snapshot = try LockFile.open(path)
  let late = try LockFile.open(path)
  #expect(try running.shareTree(until: now()))
  let waiting = Thread {
    _ = try? snapshot.holdTreeExclusively(until: Clock.monotonicMilliseconds() + 5000)
  }
  waiting.start()
  // Once the snapshot holds the gate, a late push cannot share the tree.
  var keptOut = false
  let deadline = now() + 3000
  while now() < deadline {
    if try late.shareTree(until: now()) == false {
      keptOut = true
      break
    }
    late.releaseTree()
    Clock.sleep(milliseconds: 20)
  }
  #expect(keptOut)
  running.releaseTree()
}

@Test func refusesALockFileThatIsASymlink() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/tmp")
  #expect(throws: SystemError.self) { try LockFile.open(path) }
}
