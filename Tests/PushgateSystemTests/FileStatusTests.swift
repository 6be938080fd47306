// FileStatus, Directory and TrustedFile.read against real files in a temporary directory.
import Foundation
import Glibc
import PushgateAdminSystem
import PushgateSystem
import Testing

private struct Tree {
  let path = NSTemporaryDirectory() + "pushgate-status-" + UUID().uuidString
  init() throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }
  func remove() { try? FileManager.default.removeItem(atPath: path) }
  func write(_ name: String, _ text: String, mode: mode_t = 0o640) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    #expect(chmod(path + "/" + name, mode) == 0)
  }
}

@Test func tellsKindOwnerAndModeWithoutFollowingASymlink() throws {
  let tree = try Tree()
  defer { tree.remove() }
  try tree.write("file", "x", mode: 0o4750)
  #expect(symlink(tree.path + "/file", tree.path + "/link") == 0)
  let file = try FileStatus.of(tree.path + "/file")
  #expect(file.kind == .regular)
  #expect(file.mode == 0o4750)
  #expect(file.uid == geteuid())
  #expect(try FileStatus.of(tree.path + "/link").kind == .symlink)
  #expect(try FileStatus.following(tree.path + "/link").kind == .regular)
  #expect(try FileStatus.of(tree.path).kind == .directory)
  #expect(
    try FileStatus.resolvedPath(tree.path + "/./link") == (try FileStatus.resolvedPath(tree.path))
      + "/file")
}

@Test func aMissingPathIsNotFound() throws {
  let tree = try Tree()
  defer { tree.remove() }
  #expect(throws: SystemError(number: ENOENT, operation: "lstat")) {
    try FileStatus.of(tree.path + "/missing")
  }
  #expect(try FileStatus.ifExists(tree.path + "/missing") == nil)
  try tree.write("file", "x")
  #expect(throws: SystemError(number: ENOTDIR, operation: "lstat")) {
    try FileStatus.ifExists(tree.path + "/file/below")
  }
  #expect(SystemError(number: ENOENT, operation: "lstat").reason == "No such file or directory")
}

@Test func listsNamesSortedAsBytesWithoutDotAndDotDot() throws {
  let tree = try Tree()
  defer { tree.remove() }
  for name in ["b", "a", "B", ".hidden"] { try tree.write(name, "") }
  #expect(try Directory.names(tree.path) == [".hidden", "B", "a", "b"])
  #expect(throws: SystemError(number: ENOENT, operation: "opendir")) {
    try Directory.names(tree.path + "/missing")
  }
}

@Test func readsOnlyWhatItMayFollow() throws {
  let tree = try Tree()
  defer { tree.remove() }
  try tree.write("file", "text\n")
  #expect(symlink(tree.path + "/file", tree.path + "/link") == 0)
  #expect(mkfifo(tree.path + "/fifo", 0o600) == 0)
  #expect(try TrustedFile.read(tree.path + "/file", limit: 100) == Array("text\n".utf8))
  #expect(throws: SystemError(number: ELOOP, operation: "open '\(tree.path)/link'")) {
    try TrustedFile.read(tree.path + "/link", limit: 100)
  }
  #expect(throws: SystemError.refused("not a regular file")) {
    try TrustedFile.read(tree.path + "/fifo", limit: 100)
  }
  // Without the regular-file check a FIFO nobody writes reads as empty, at once.
  #expect(try TrustedFile.read(tree.path + "/fifo", limit: 100, requiringRegular: false) == [])
  #expect(TrustedFile.readSmall(tree.path + "/file", limit: 2) == Array("te".utf8))
}
