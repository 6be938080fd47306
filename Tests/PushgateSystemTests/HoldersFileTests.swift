// The holders file's trust rules: created 0640, never through a symlink, never a file others
// may write, a wider mode of ours narrowed, and never a wait on a reader's lock.
import Foundation
import Glibc
import PushgateAdminSystem
import PushgateCore
import PushgateSystem
import Testing

private func holdersPath() throws -> (String, () -> Void) {
  let directory = NSTemporaryDirectory() + "pushgate-holders-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
  return (
    directory + "/pushgate.holders", { try? FileManager.default.removeItem(atPath: directory) }
  )
}

private func mode(_ path: String) -> mode_t {
  var info = stat()
  return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
}

private let record = Array(repeating: UInt8(ascii: "x"), count: 255) + [UInt8(ascii: "\n")]

@Test func holdersFileIsCreatedGroupReadableAndMarksTheSlotExclusively() throws {
  let (path, cleanup) = try holdersPath()
  defer { cleanup() }
  #expect(HoldersFile.publish(record, slot: 2, path: path))
  #expect(mode(path) == 0o640)
  let probe = try LockProbe.open(path)
  defer { probe.close() }
  #expect(try probe.hold(at: LockFile.firstSlotByte + 2) == .exclusive)
  #expect(probe.record(at: HolderRecord.slotOffset(2)) == record)
  #expect(try probe.holdersView(slots: 3).slots.map { $0.holder != nil } == [false, false, true])
}

@Test func holdersFileReadLockedByAReaderIsSkippedAtOnce() throws {
  let (path, cleanup) = try holdersPath()
  defer { cleanup() }
  #expect(HoldersFile.publish(record, slot: 0, path: path))
  let reader = open(path, O_RDONLY | O_CLOEXEC)
  defer { close(reader) }
  // A classic read lock (what python's fcntl.lockf takes) conflicts with OFD locks.
  var lock = flock()
  lock.l_type = Int16(F_RDLCK)
  lock.l_whence = Int16(SEEK_SET)
  lock.l_start = off_t(LockFile.firstSlotByte + 1)
  lock.l_len = 1
  #expect(fcntl(reader, F_SETLK, &lock) == 0)
  let start = Clock.monotonicMilliseconds()
  #expect(HoldersFile.publish(record, slot: 1, path: path) == false)
  #expect(Clock.monotonicMilliseconds() - start < 50)
  // The reader's own read lock never reads as a holder.
  let probe = try LockProbe.open(path)
  defer { probe.close() }
  #expect(try probe.holdersView(slots: 2).slots.map { $0.holder != nil } == [true, false])
}

@Test func holdersFileIsNeverASymlinkNorWritableByOthers() throws {
  let (path, cleanup) = try holdersPath()
  defer { cleanup() }
  let target = path + ".target"
  #expect(FileManager.default.createFile(atPath: target, contents: Data()))
  #expect(symlink(target, path) == 0)
  #expect(HoldersFile.publish(record, slot: 0, path: path) == false)
  #expect(try Data(contentsOf: URL(fileURLWithPath: target)).isEmpty)
  #expect(unlink(path) == 0)
  #expect(FileManager.default.createFile(atPath: path, contents: Data()))
  #expect(chmod(path, 0o666) == 0)
  #expect(HoldersFile.publish(record, slot: 0, path: path) == false)
  #expect(chmod(path, 0o660) == 0)
  #expect(HoldersFile.publish(record, slot: 0, path: path))
  #expect(mode(path) == 0o640, "a group-writable file of ours is narrowed")
}

@Test func holdersFileIsBesideTheLockFile() {
  var settings = Settings(root: "/backup")
  #expect(settings.holdersFile == "/backup/pushgate.holders")
  settings.lockFile = "/run/pushgate/slots"
  #expect(settings.holdersFile == "/run/pushgate/slots.holders")
}
