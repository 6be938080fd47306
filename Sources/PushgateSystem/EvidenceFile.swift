// The per-session file where rsync's hooks record what they saw.
import Glibc

/// Creates, appends to and reads back a session's evidence file.
public enum EvidenceFile {
  /// Creates the directory (0700) if needed and an empty evidence file (0600, O_EXCL).
  public static func create(directory: String, path: String) throws(SystemError) {
    if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw .current("mkdir") }
    let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard dirfd >= 0 else { throw .current("open directory") }
    defer { close(dirfd) }
    var info = stat()
    guard fstat(dirfd, &info) == 0 else { throw .current("fstat") }
    guard info.st_uid == geteuid(), info.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
      throw SystemError(number: EPERM, operation: "directory owner or mode")
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .current("open") }
    close(fd)
  }

  /// Appends one line (the hooks' side); the file must already exist.
  public static func append(path: String, line: [UInt8]) -> Bool {
    let fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return Descriptors.writeAll(fd, line)
  }

  /// Reads the evidence back and removes the file.
  public static func consume(path: String, limit: Int) -> [UInt8] {
    defer { unlink(path) }
    return TrustedFile.readSmall(path, limit: limit) ?? []
  }
}
