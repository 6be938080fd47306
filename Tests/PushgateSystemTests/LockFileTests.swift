// Slot and area locks against real lock files: separate opens are separate lock owners.
import Foundation
import Glibc
import PushgateCore
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
  // Up to 1 s: a child another test spawns meanwhile shares the descriptor until its exec.
  #expect(try third.acquireSlot(count: 2, until: now() + 1000) == 0)
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

private func area(in directory: String, _ label: String) throws -> Area {
  let area = Area(keysDirectory: directory + "/keys", label: label)
  try FileManager.default.createDirectory(atPath: area.state, withIntermediateDirectories: true)
  return area
}

@Test func holdsAnAreaForOneSessionAtATime() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let directory = (path as NSString).deletingLastPathComponent
  let laptop = try area(in: directory, "laptop")
  let first = try AreaLock.open(laptop)
  let second = try AreaLock.open(laptop)
  #expect(try first.acquire(until: now()))
  #expect(try second.acquire(until: now() + 100) == false)
  #expect(second.isSnapshotRunning == false)
  first.close()
  // Up to 1 s: a child another test spawns meanwhile shares the descriptor until its exec.
  #expect(try second.acquire(until: now() + 1000))
}

@Test func anotherKeysAreaIsNeverBusy() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let directory = (path as NSString).deletingLastPathComponent
  let laptop = try AreaLock.open(try area(in: directory, "laptop"))
  let desktop = try AreaLock.open(try area(in: directory, "desktop"))
  #expect(try laptop.acquire(until: now()))
  try laptop.markSnapshot()
  #expect(try desktop.acquire(until: now()))
  #expect(desktop.isSnapshotRunning == false)
}

@Test func saysWhenASnapshotHoldsTheArea() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let directory = (path as NSString).deletingLastPathComponent
  let laptop = try area(in: directory, "laptop")
  let snapshot = try AreaLock.open(laptop)
  let late = try AreaLock.open(laptop)
  #expect(try snapshot.acquire(until: now()))
  try snapshot.markSnapshot()
  #expect(try late.acquire(until: now()) == false)
  #expect(late.isSnapshotRunning)
  snapshot.close()
  // Up to 1 s: a child another test spawns meanwhile shares the descriptor until its exec.
  let deadline = now() + 1000
  while late.isSnapshotRunning && now() < deadline { usleep(10_000) }
  #expect(late.isSnapshotRunning == false)
  #expect(try late.acquire(until: now() + 1000))
}

@Test func adoptsOnlyTheAreasOwnLockFile() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  let directory = (path as NSString).deletingLastPathComponent
  let laptop = try area(in: directory, "laptop")
  let desktop = try area(in: directory, "desktop")
  let held = try AreaLock.open(laptop)
  #expect(AreaLock.adopt(held.fd, area: laptop)?.fd == held.fd)
  #expect(AreaLock.adopt(held.fd, area: desktop) == nil)
  #expect(AreaLock.adopt(-1, area: laptop) == nil)
}

@Test func refusesALockFileThatIsASymlink() throws {
  let (path, cleanup) = try lockPath()
  defer { cleanup() }
  try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/tmp")
  #expect(throws: SystemError.self) { try LockFile.open(path) }
}
