// The files where rsync's pre-xfer hook records what the client asked for
// (ROOT/.pushgate/slot-N) and rsync writes its transfer log (ROOT/.pushgate/slot-N.transfer).
// They belong to connection slot N: only the slot's holder creates, reads or removes them, so
// what a killed gate left is replaced by the slot's next session and nothing else prunes.
import CPushgate
import Glibc
import PushgateCore

/// Creates, appends to and reads back a session's evidence file.
public enum EvidenceFile {
  /// Creates the directory (0700) if needed and empty files at `paths` (0600, O_EXCL), after
  /// removing what a gate killed in the same slot left there.
  public static func create(directory: String, paths: [String]) throws(SystemError) {
    if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw .current("mkdir") }
    let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard dirfd >= 0 else { throw .current("open directory") }
    defer { close(dirfd) }
    var info = stat()
    guard fstat(dirfd, &info) == 0 else { throw .current("fstat") }
    guard info.st_uid == geteuid(), info.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
      throw SystemError.refused("directory not ours alone (owner or mode)")
    }
    for path in paths {
      guard unlink(path) == 0 || errno == ENOENT else { throw .current("unlink") }
      let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw .current("open") }
      close(fd)
    }
  }

  /// Reserves `bytes` for `path` without changing its size (fallocate(2) with FALLOC_FL_KEEP_SIZE),
  /// so rsync's appends to it cannot fail for lack of space.
  ///
  /// Returns the error when there is no room; a file system without fallocate (EOPNOTSUPP) is not
  /// one.
  public static func reserve(path: String, bytes: Int) -> SystemError? {
    let fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return .current("open") }
    defer { close(fd) }
    guard pg_reserve(fd, 0, off_t(bytes)) != 0, errno != EOPNOTSUPP, errno != ENOSYS else {
      return nil
    }
    return .current("fallocate")
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

  /// Streams rsync's transfer log into `log` (any size, 64 KiB at a time) and removes the file.
  ///
  /// `false` when it could not be read to the end: the session's changes are unknown.
  public static func consumeTransferLog(path: String, into log: inout TransferLog) -> Bool {
    defer { unlink(path) }
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
    // Most sessions log a few lines: no 64 KiB buffer for them.
    var buffer = [UInt8](repeating: 0, count: max(512, min(Int(info.st_size) + 1, 65536)))
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { return false }
      if count == 0 { return true }
      log.feed(buffer[0..<count])
    }
  }
}
