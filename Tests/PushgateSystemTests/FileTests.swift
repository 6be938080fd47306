// Trusted files, the audit log and evidence files against a temporary directory.
import Foundation
import Glibc
import PushgateSystem
import Testing

private struct Scratch {
  let path = NSTemporaryDirectory() + "pushgate-files-" + UUID().uuidString
  init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
  func remove() { try? FileManager.default.removeItem(atPath: path) }
  func file(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
    let file = path + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
    return file
  }
}

@Test func readsASafeSettingsFile() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("pushgate.conf", "root = /backup\n")
  #expect(try TrustedFile.readOwned(file, limit: 100) == Array("root = /backup\n".utf8))
}

@Test func refusesSettingsThroughASymlink() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let real = try scratch.file("real.conf", "root = /backup\n")
  try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.conf", withDestinationPath: real)
  #expect(throws: SettingsFileProblem.symlink) { try TrustedFile.readOwned(scratch.path + "/link.conf", limit: 100) }
}

@Test(arguments: [0o664, 0o646, 0o666])
func refusesSettingsWritableByOthers(_ mode: Int) throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("pushgate.conf", "root = /backup\n", mode: mode)
  #expect(throws: SettingsFileProblem.writableByOthers(mode: mode_t(mode))) {
    try TrustedFile.readOwned(file, limit: 100)
  }
  #expect(
    SettingsFileProblem.writableByOthers(mode: mode_t(mode)).message(path: file)
      == "settings '\(file)' has mode \(String(mode, radix: 8)); run 'chmod go-w \(file)'")
}

@Test func refusesADirectoryAsSettings() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  #expect(throws: SettingsFileProblem.notRegular) { try TrustedFile.readOwned(scratch.path, limit: 100) }
}

@Test func refusesSettingsLargerThanTheLimit() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("big.conf", String(repeating: "#\n", count: 100))
  #expect(throws: SettingsFileProblem.tooLarge) { try TrustedFile.readOwned(file, limit: 100) }
}

@Test func theAuditLogIsCreatedWithMode0640AndRefusesSymlinks() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let path = scratch.path + "/pushgate.log"
  let old = umask(0)
  defer { umask(old) }
  _ = try AuditLogFile.open(path)
  let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
  #expect(mode == 0o640)
  try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.log", withDestinationPath: path)
  #expect(throws: SystemError.self) { try AuditLogFile.open(scratch.path + "/link.log") }
}

@Test func evidenceIsCreatedOnceAppendedAndConsumed() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let directory = scratch.path + "/.pushgate"
  let file = directory + "/0123456789abcdef"
  try EvidenceFile.create(directory: directory, paths: [file])
  #expect(throws: SystemError.self) { try EvidenceFile.create(directory: directory, paths: [file]) }
  #expect(EvidenceFile.append(path: file, line: Array("pre-xfer\tpush\n".utf8)))
  #expect(EvidenceFile.consume(path: file, limit: 100) == Array("pre-xfer\tpush\n".utf8))
  #expect(!FileManager.default.fileExists(atPath: file))
  #expect(!EvidenceFile.append(path: file, line: [0x41]))
}

@Test func readsTheEnvironmentAsRawBytes() {
  let bytes: [CChar] = [0x63, 0x64, -1, 0x0a, 0x20, 0]  // "cd\xff\n "
  bytes.withUnsafeBufferPointer { buffer in
    if let start = buffer.baseAddress { _ = setenv("PUSHGATE_TEST_RAW", start, 1) }
  }
  #expect(RawEnvironment.bytes("PUSHGATE_TEST_RAW") == [0x63, 0x64, 0xFF, 0x0A, 0x20])
  unsetenv("PUSHGATE_TEST_RAW")
  #expect(RawEnvironment.bytes("PUSHGATE_TEST_RAW") == nil)
}
