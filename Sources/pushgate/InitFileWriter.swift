// Reads and atomically replaces the files of a backup root.
//
// A file is never written in place: the new text goes to a fresh temporary file in the same
// directory (O_CREAT | O_EXCL | O_NOFOLLOW, so nothing planted there is followed or reused),
// gets its owner and mode, is fsync'ed and renamed over the old name. A crash leaves either
// the old file or the new one, never half of either.
import Glibc
import PushgateAdminCore
import PushgateCore

/// File effects for `pushgate init`.
enum FileWriter {
  /// Reads at most `limit + 1` bytes from `fd` with read(2), retrying after EINTR.
  static func read(_ fd: Int32, limit: Int, path: String) throws(InitFailure) -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while bytes.count <= limit {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count == 0 { break }
      if count < 0 {
        if errno == EINTR { continue }
        throw .system("read", path)
      }
      bytes += buffer[..<count]
    }
    return bytes
  }

  /// Writes `step`'s contents, owner and mode to a temporary file and renames it to
  /// `step.path`.
  static func replace(_ step: SetupStep) throws(InitFailure) {
    let (directory, name) = split(step.path)
    var temporary = ""
    var fd: Int32 = -1
    for _ in 0..<8 {
      temporary =
        "\(directory)/.\(name).pushgate-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
      fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw .system("create a temporary file next to", step.path) }
    do throws(InitFailure) {
      try writeAll(fd, step.contents, path: temporary)
      guard fchown(fd, step.owner.uid, step.owner.gid) == 0 else {
        throw InitFailure.system("give \(step.owner) the file", step.path)
      }
      guard fchmod(fd, mode_t(step.mode)) == 0 else { throw InitFailure.system("chmod", step.path) }
      guard fsync(fd) == 0 else { throw InitFailure.system("fsync", temporary) }
      guard close(fd) == 0 else {
        fd = -1
        throw InitFailure.system("close", temporary)
      }
      fd = -1
      guard rename(temporary, step.path) == 0 else {
        throw InitFailure.system("replace", step.path)
      }
    } catch {
      if fd >= 0 { close(fd) }
      unlink(temporary)
      throw error
    }
    syncDirectory(directory)
  }

  private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(InitFailure) {
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw .system("write", path)
      }
      offset += count
    }
  }

  /// Makes the rename durable; a failure here is not worth failing init for.
  private static func syncDirectory(_ directory: String) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }

  private static func split(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
  }
}
