// An area's state files, its transfer log read as a stream, and its lock handed to a child.
import Foundation
import Glibc
import PushgateAdminSystem
import PushgateCore
import PushgateSystem
import Testing

private struct Areas {
  let path = NSTemporaryDirectory() + "pushgate-areas-" + UUID().uuidString
  var settings: Settings { Settings(root: path) }
  init() throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }
  func make(_ label: String) throws -> Area {
    let area = settings.area(label)
    for directory in [area.incoming, area.snapshots, area.state] {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    return area
  }
  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Test func recordsPendingChangesAndTheLastSnapshot() throws {
  let areas = try Areas()
  defer { areas.remove() }
  let area = try areas.make("laptop")
  #expect(AreaFiles.state(area) == AreaState())
  try AreaFiles.setPending(area, .incomplete)
  #expect(AreaFiles.state(area) == AreaState(pending: .incomplete))
  try AreaFiles.setPending(area, .complete)
  #expect(AreaFiles.state(area) == AreaState(pending: .complete))
  try AreaFiles.recordSnapshot(area, at: 1_796_000_000)
  #expect(AreaFiles.state(area) == AreaState(pending: .none, lastSnapshot: 1_796_000_000))
  #expect(
    try String(contentsOfFile: area.snapshotTimeFile, encoding: .utf8) == "2026-11-30T00:53:20Z\n")
  let leftovers = try FileManager.default.contentsOfDirectory(atPath: area.state)
  #expect(leftovers == ["last-snapshot"])
}

@Test func anUnreadablePendingMarkerCountsAsAnIncompletePush() throws {
  let areas = try Areas()
  defer { areas.remove() }
  let area = try areas.make("laptop")
  try FileManager.default.createSymbolicLink(
    atPath: area.pendingFile, withDestinationPath: "/etc/hostname")
  #expect(AreaFiles.state(area).pending == .incomplete)
}

@Test func listsOnlyAreaDirectoriesWithKeyLabels() throws {
  let areas = try Areas()
  defer { areas.remove() }
  _ = try areas.make("laptop")
  _ = try areas.make("desktop")
  let keys = areas.settings.keysDirectory
  try FileManager.default.createDirectory(
    atPath: keys + "/.hidden", withIntermediateDirectories: false)
  try FileManager.default.createSymbolicLink(
    atPath: keys + "/elsewhere", withDestinationPath: "/tmp")
  try Data().write(to: URL(fileURLWithPath: keys + "/file"))
  #expect(try AreaFiles.labels(areas.settings) == ["desktop", "laptop"])
  #expect(AreaFiles.exists(areas.settings.area("elsewhere")) == false)
}

@Test func readsATransferLogLargerThanOneBufferAndRemovesIt() throws {
  let areas = try Areas()
  defer { areas.remove() }
  let path = areas.path + "/0123456789abcdef.transfer"
  var text = "2026/11/30 13:37:40 [4121] connect from UNKNOWN (0.0.0.0)\n"
  for index in 0..<5000 {
    text += "2026/11/30 13:37:40 [4121] pushgate-feedface push recv >f+++++++++ \(index % 7)\n"
  }
  text += "2026/11/30 13:37:40 [4121] pushgate-feedface push del. *deleting   0\n"
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  var log = TransferLog(tag: "feedface", pushModule: "push")
  #expect(EvidenceFile.consumeTransferLog(path: path, into: &log))
  #expect(log.changes == TransferChanges(created: 5000, deleted: 1, bytesReceived: 14_995))
  #expect(!FileManager.default.fileExists(atPath: path))
  #expect(EvidenceFile.consumeTransferLog(path: path, into: &log) == false)
}

@Test func aChildThatInheritsTheAreaLockKeepsTheAreaAfterWeLetGo() throws {
  let areas = try Areas()
  defer { areas.remove() }
  let area = try areas.make("laptop")
  let held = try AreaLock.open(area)
  #expect(try held.acquire(until: Clock.monotonicMilliseconds()))
  // The child holds descriptor 3 (our open file description) while it sleeps, in "/" (this
  // test's directory is removed at its end).
  let child = try Spawn.start(
    ProgramRun(
      path: "/bin/sh", arguments: ["/bin/sh", "-c", "test -e /proc/self/fd/3 && exec sleep 2"],
      environment: ["PATH=/usr/bin:/bin"], directory: "/"),
    stdio: Spawn.Stdio(inherited: held.fd), grouping: .newSession, diesWithUs: false)
  held.close()
  let other = try AreaLock.open(area)
  #expect(try other.acquire(until: Clock.monotonicMilliseconds() + 200) == false)
  #expect(Spawn.wait(child) == .exited(0))
  #expect(try other.acquire(until: Clock.monotonicMilliseconds()))
}
