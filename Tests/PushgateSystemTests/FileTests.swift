// Trusted files, the audit log and evidence files against a temporary directory.
import Foundation
import Glibc
import PushgateAdminSystem
import PushgateCore
import PushgateSystem
import Testing

private struct Scratch {
  let path = NSTemporaryDirectory() + "pushgate-files-" + UUID().uuidString
  init() throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }
  func remove() { try? FileManager.default.removeItem(atPath: path) }
  func file(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
    let file = path + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
    return file
  }
}

/// The loader's error for `path`, or `nil` when the settings load.
private func loadError(_ path: String) -> SettingsError? {
  if case .failure(let error) = SettingsFile.load(path) { return error }
  return nil
}

@Test func readsASafeSettingsFile() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("pushgate.conf", "root = /backup\n")
  #expect(try SettingsFile.load(file).get().root == "/backup")
}

@Test func refusesSettingsThroughASymlink() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let real = try scratch.file("real.conf", "root = /backup\n")
  let link = scratch.path + "/link.conf"
  try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
  let error = try #require(loadError(link))
  #expect(
    error.description == "settings '\(link)' is a symbolic link; point --config at the real file")
  #expect(error.isAboutTheFile && error.line == nil)
  // Never where an untrusted file says: beside it.
  #expect(error.auditLog == scratch.path + "/pushgate.log")
}

@Test(arguments: [0o664, 0o646, 0o666])
func refusesSettingsWritableByOthers(_ mode: Int) throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file(
    "pushgate.conf", "root = /backup\naudit_log = /elsewhere.log\n", mode: mode)
  let error = try #require(loadError(file))
  #expect(
    error.description
      == "settings '\(file)' has mode \(String(mode, radix: 8)); run 'chmod go-w \(file)'")
  #expect(error.failure == .settings(detail: error.description))
  #expect(error.auditLog == scratch.path + "/pushgate.log")
}

@Test func refusesADirectoryAsSettings() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  #expect(
    loadError(scratch.path)?.description == "settings '\(scratch.path)' is not a regular file")
}

@Test func refusesSettingsLargerThanTheLimit() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("big.conf", String(repeating: "#\n", count: 40000))
  #expect(loadError(file)?.description == "settings '\(file)' is larger than 65536 bytes")
}

@Test func aParseErrorIsLoggedWhereTheTrustedFileSays() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("pushgate.conf", "root = /srv/b\nsnapshot_mode = later\n")
  let error = try #require(loadError(file))
  #expect(error.line == 2 && !error.isAboutTheFile)
  #expect(error.description.hasPrefix("\(file):2: "))
  #expect(error.auditLog == "/srv/b/pushgate.log")
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
  try FileManager.default.createSymbolicLink(
    atPath: scratch.path + "/link.log", withDestinationPath: path)
  #expect(throws: SystemError.self) { try AuditLogFile.open(scratch.path + "/link.log") }
}

@Test func evidenceIsCreatedAppendedConsumedAndALeftoverReplaced() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let directory = scratch.path + "/.pushgate"
  let file = directory + "/slot-0"
  try EvidenceFile.create(directory: directory, paths: [file])
  #expect(EvidenceFile.append(path: file, line: Array("pre-xfer\tpush\n".utf8)))
  #expect(EvidenceFile.consume(path: file, limit: 100) == Array("pre-xfer\tpush\n".utf8))
  #expect(!FileManager.default.fileExists(atPath: file))
  #expect(!EvidenceFile.append(path: file, line: [0x41]))

  // What a gate killed in the slot left is replaced by an empty file of ours; a symbolic
  // link there is removed, never followed.
  try EvidenceFile.create(directory: directory, paths: [file])
  #expect(EvidenceFile.append(path: file, line: Array("stale\n".utf8)))
  try EvidenceFile.create(directory: directory, paths: [file])
  #expect(EvidenceFile.consume(path: file, limit: 100) == [])
  let target = scratch.path + "/target"
  #expect(FileManager.default.createFile(atPath: target, contents: Data("kept\n".utf8)))
  try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: target)
  try EvidenceFile.create(directory: directory, paths: [file])
  #expect(try FileStatus.of(file).kind == .regular)
  #expect(FileManager.default.contents(atPath: target) == Data("kept\n".utf8))
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

@Test func readsToTheEndOrJustPastTheLimit() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let file = try scratch.file("data", String(repeating: "x", count: 100_000))
  let fd = open(file, O_RDONLY | O_CLOEXEC)
  #expect(fd >= 0)
  defer { close(fd) }
  let whole = try Descriptors.readAll(fd, limit: 1 << 20)
  #expect(whole.count == 100_000)
  #expect(lseek(fd, 0, SEEK_SET) == 0)
  // A file larger than the limit reads as more than the limit, never as all of it.
  let cut = try Descriptors.readAll(fd, limit: 1000)
  #expect(cut.count > 1000 && cut.count < 100_000)
  #expect(lseek(fd, 0, SEEK_SET) == 0)
  #expect(try Descriptors.readAll(fd, limit: 100_000).count == 100_000)
}

@Test func readingABadDescriptorThrowsAndWritingOneFails() {
  #expect(throws: SystemError(number: EBADF, operation: "read")) {
    try Descriptors.readAll(-1, limit: 10)
  }
  #expect(!Descriptors.writeAll(-1, [1]))
  #expect(Descriptors.writeAll(-1, []))
}

@Test func aFileOurChecksRefuseIsNoErrno() throws {
  let scratch = try Scratch()
  defer { scratch.remove() }
  let open = try scratch.file("rsyncd.conf", "[push]\n", mode: 0o646)
  #expect(throws: SystemError.refused("writable by others")) {
    try TrustedFile.readConfig(open, limit: 100)
  }
  #expect(SystemError.refused("writable by others").text == "writable by others")
  let big = try scratch.file("big.conf", String(repeating: "#\n", count: 100))
  #expect(throws: SystemError.refused("larger than 100 bytes")) {
    try TrustedFile.readConfig(big, limit: 100)
  }
  #expect(mkfifo(scratch.path + "/fifo", 0o600) == 0)
  #expect(throws: SystemError.refused("not a regular file")) {
    try TrustedFile.openOwned(scratch.path + "/fifo", flags: O_RDONLY, mode: 0o600)
  }
}
