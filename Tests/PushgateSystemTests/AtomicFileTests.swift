// AtomicFile.replace against real files in a temporary directory.
import Foundation
import Glibc
import Testing

@testable import PushgateSystem

private struct Directory {
  let path = NSTemporaryDirectory() + "pushgate-atomic-" + UUID().uuidString
  init() throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }
  func remove() { try? FileManager.default.removeItem(atPath: path) }
  func names() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }
  func text(_ name: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: path + "/" + name))).map {
      String(decoding: $0, as: UTF8.self)
    }
  }
  func write(_ name: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
  }
  func info(_ name: String) -> stat {
    var info = stat()
    _ = lstat(path + "/" + name, &info)
    return info
  }
}

@Test func replacesAFileWithTheGivenModeAndOwnerAndLeavesNothingBeside() throws {
  let directory = try Directory()
  defer { directory.remove() }
  try directory.write("state", "old\n")
  let owner = geteuid() == 0 ? AtomicFile.Owner(uid: 65534, gid: 65534) : nil
  let saved = umask(0o077)
  defer { umask(saved) }
  try AtomicFile.replace(
    path: directory.path + "/state", bytes: Array("new\n".utf8), mode: 0o640, owner: owner)
  #expect(directory.text("state") == "new\n")
  let info = directory.info("state")
  #expect(info.st_mode & 0o7777 == 0o640)
  #expect(info.st_uid == owner?.uid ?? geteuid())
  #expect(info.st_gid == owner?.gid ?? getegid())
  #expect(directory.names() == ["state"])
}

@Test func createsAFileThatDidNotExist() throws {
  let directory = try Directory()
  defer { directory.remove() }
  try AtomicFile.replace(path: directory.path + "/new.prom", bytes: [], mode: 0o644)
  #expect(directory.text("new.prom") == "")
  #expect(directory.info("new.prom").st_mode & 0o7777 == 0o644)
  #expect(directory.names() == ["new.prom"])
}

@Test func neverFollowsASymlinkAtTheTemporaryName() throws {
  let directory = try Directory()
  defer { directory.remove() }
  let outside = try Directory()
  defer { outside.remove() }
  try outside.write("target", "keep\n")
  try directory.write("state", "old\n")
  let planted = AtomicFile.temporaryName("state", 1)
  #expect(symlink(outside.path + "/target", directory.path + "/" + planted) == 0)
  let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  #expect(fd >= 0)
  defer { close(fd) }

  // Only the planted name to try: the replacement fails and touches nothing.
  #expect(
    throws: AtomicFile.Failure(
      step: .create, error: SystemError(number: EEXIST, operation: "open '\(planted)'"))
  ) {
    try AtomicFile.replace(
      "state", in: fd, bytes: Array("new\n".utf8), mode: 0o600, owner: nil, suffixes: [1])
  }
  #expect(outside.text("target") == "keep\n")
  #expect(directory.text("state") == "old\n")

  // The next name is used instead; the symlink and its target stay as they were.
  try AtomicFile.replace(
    "state", in: fd, bytes: Array("new\n".utf8), mode: 0o600, owner: nil, suffixes: [1, 2])
  #expect(outside.text("target") == "keep\n")
  #expect(directory.text("state") == "new\n")
  #expect(directory.info(planted).st_mode & S_IFMT == S_IFLNK)
  #expect(directory.names() == [planted, "state"].sorted())
}

@Test func aFailedReplacementLeavesNoTemporaryFileAndTheOldFileAsItWas() throws {
  let directory = try Directory()
  defer { directory.remove() }
  // rename(2) of a file over a non-empty directory fails (EISDIR) after the temporary file
  // was written, given its mode and synced.
  try FileManager.default.createDirectory(
    atPath: directory.path + "/state", withIntermediateDirectories: false)
  try directory.write("state/inside", "kept\n")
  do {
    try AtomicFile.replace(path: directory.path + "/state", bytes: Array("new\n".utf8), mode: 0o600)
    Issue.record("replaced a directory")
  } catch {
    #expect(error.step == .rename)
    #expect(error.error.number == EISDIR)
  }
  #expect(directory.names() == ["state"])
  #expect(directory.text("state/inside") == "kept\n")
}

@Test func aMissingDirectoryFailsAtCreate() throws {
  let directory = try Directory()
  defer { directory.remove() }
  do {
    try AtomicFile.replace(path: directory.path + "/missing/state", bytes: [], mode: 0o600)
    Issue.record("created a file in a missing directory")
  } catch {
    #expect(error.step == .create)
    #expect(error.error.number == ENOENT)
  }
}
