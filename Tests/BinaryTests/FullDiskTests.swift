// The audit log on a full filesystem: the session is refused (fail closed), nothing runs, and
// the next session works once there is room again.
import Foundation
import TestSupport
import Testing

/// Whether a tmpfs can be mounted here (root, and a container that allows it); says so loudly.
private let canMountTmpfs: Bool = {
  guard let probe = try? TemporaryDirectory() else { return false }
  defer { probe.remove() }
  guard
    (try? run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]))?.status == 0
  else {
    FileHandle.standardError.write(
      Data("SKIPPING: cannot mount a tmpfs here; the full-log test needs it\n".utf8))
    return false
  }
  _ = try? run("/bin/umount", [probe.path])
  return true
}()

@Test(
  "an audit log on a full filesystem refuses the session and loses nothing", .blocking,
  .enabled(if: canMountTmpfs),
  arguments: [false, true])
func fullLogFilesystemFailsClosed(logExistsAlready: Bool) throws {
  let root = try Root()
  defer { root.remove() }
  let logs = root.path + "/logs"
  try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: false)
  #expect(try run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", logs]).status == 0)
  defer { _ = try? run("/bin/umount", ["-l", logs]) }
  try root.writeSettings(["audit_log = \(logs)/pushgate.log"])
  if logExistsAlready {
    // Two earlier records padded to exactly two 4 KiB pages: tmpfs allocates whole pages, so an
    // append that fits in a partly used last page would still succeed on a "full" filesystem.
    let record = #"{"v":1,"event":"earlier"}"#
    let line = record + String(repeating: " ", count: 4095 - record.utf8.count) + "\n"
    try write(line + line, to: logs + "/pushgate.log", mode: 0o640)
  }
  let linesBefore = read(logs + "/pushgate.log").split(separator: "\n").count
  // Fill every remaining block (head stops with ENOSPC, which is the point).
  _ = try run("/bin/sh", ["-c", "head -c 1048576 /dev/zero > \(logs)/filler"])
  let runsBefore = root.rsyncRuns().count

  let refused = try root.serve(root.allowedCommand)
  #expect(refused.status == 71)
  #expect(refused.err == "pushgate: server error: cannot write the audit log; refusing to serve\n")
  #expect(refused.stdout.isEmpty)
  #expect(root.rsyncRuns().count == runsBefore, "rsync must not run without its allowed record")
  #expect(read(logs + "/pushgate.log").split(separator: "\n").count == linesBefore)
  #expect(
    read(logs + "/pushgate.log").isEmpty || read(logs + "/pushgate.log").hasSuffix("\n"),
    "no partial record")

  try FileManager.default.removeItem(atPath: logs + "/filler")
  let served = try root.serve(root.allowedCommand)
  #expect(served.status == 0, "stderr: \(served.err)")
  let events = auditRecords(logs + "/pushgate.log").compactMap { $0["event"] as? String }
  #expect(events.suffix(3) == ["allowed", "transfer-ended", "snapshot-ended"])
}

@Test(
  "a full ext4 under the audit log: no torn record, the session fails with 71 and one line, the next record is whole",
  .blocking,
  .enabled(if: canMountLoopExt4))
func fullExt4KeepsTheLogAtARecordBoundary() throws {
  let root = try Root()
  defer { root.remove() }
  let disk = try LoopDisk(megabytes: 8, at: root.path + "/logs")
  defer { disk.remove() }
  let log = disk.path + "/pushgate.log"
  try root.writeSettings(["audit_log = \(log)"])
  // Whole records ending 100 bytes before a 4 KiB block boundary: the next record (longer)
  // would be cut at the boundary by a plain write(2) on a full disk.
  let record =
    #"{"v":1,"time":"2026-11-30T12:00:00Z","session":"0000000000000001","event":"earlier"}"#
  let padded = record + String(repeating: " ", count: 8192 - 100 - 1 - record.utf8.count) + "\n"
  try write(padded, to: log, mode: 0o640)
  try disk.fill()

  let refused = try root.serve("ls /")
  #expect(refused.status == 71)
  #expect(refused.err == "pushgate: server error: cannot write the audit log; refusing to serve\n")
  let after = read(log)
  #expect(after == padded, "the log must still end at the record boundary, unchanged")

  disk.free()
  let served = try root.serve(root.allowedCommand)
  #expect(served.status == 0, "stderr: \(served.err)")
  #expect(read(log).hasPrefix(padded))
  let events = auditRecords(log).compactMap { $0.text("event") }
  #expect(events == ["earlier", "allowed", "transfer-ended", "snapshot-ended"])
  let shown = try run(Binaries.pushgate, ["log", "--config", root.config, "--json"])
  #expect(shown.status == 0)
  #expect(shown.err == "")
}

@Test(
  "audit log writers serialise on the lock file, not the log: a reader's lock never holds a session, a stopped writer at most 2 s",
  .blocking)
func auditLogLockIsBoundedAndNotTheLogs() throws {
  let root = try Root()
  defer { root.remove() }
  #expect(try root.serve("ls /").status == 77)  // creates the log
  try write("", to: root.lockFile, mode: 0o600)
  // A monitoring reader locking the whole log changes nothing.
  let reader = try ByteLock(root.log, bytes: Array(0..<4096), shared: true)
  defer { reader.close() }
  var started = Date()
  #expect(try root.serve("ls /").status == 77)
  #expect(Date().timeIntervalSince(started) < 1.5)
  // A writer stopped while holding byte 8 of the lock file: the next record waits for it,
  // then is written anyway.
  let writer = try ByteLock(root.lockFile, byte: 8)
  defer { writer.close() }
  started = Date()
  let refused = try root.serve("ls /")
  let waited = Date().timeIntervalSince(started)
  #expect(refused.status == 77)
  #expect(waited >= 1.9 && waited < 6, "waited \(waited) s")
  #expect(root.records("refused").count == 3)
}
