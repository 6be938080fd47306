// Waiting for processes, what /proc says about them, executables written safely, and locks
// the test process holds: one helper for each, for every test target.
import Foundation
import Glibc

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns its last value.
public func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if condition() { return true }
    usleep(20_000)
  }
  return condition()
}

/// Whether a process has ended (no /proc entry, or a zombie nobody reaped yet).
public func isGone(_ pid: pid_t) -> Bool {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")"), stat.distance(from: close, to: stat.endIndex) > 2
  else { return true }
  let state = stat[stat.index(close, offsetBy: 2)]
  return state == "Z" || state == "X"
}

/// Writes an executable (mode 0755) through a close-on-exec descriptor: a descriptor open for
/// writing that leaks into a child a parallel test starts meanwhile makes executing the file
/// (a script too) fail with ETXTBSY.
public func writeExecutable(_ bytes: [UInt8], to path: String) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
  guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
  defer { Glibc.close(fd) }
  var offset = 0
  while offset < bytes.count {
    let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    offset += count
  }
  guard fchmod(fd, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// A classic (process-associated) fcntl lock on one byte of a lock file, held by the test process:
/// a write lock, or a read lock (`shared`, as a running push holds the tree).
///
/// Classic and open-file-description locks conflict on Linux.
public struct ByteLock: Sendable {
  /// The lock file's descriptor (close-on-exec).
  public let fd: Int32

  /// Locks `byte` of `path`.
  ///
  /// One ByteLock per file: classic fcntl locks belong to the process, so closing one descriptor of
  /// a file drops every lock the process holds on it.
  public init(_ path: String, byte: Int, shared: Bool = false) throws {
    try self.init(path, bytes: [byte], shared: shared)
  }

  /// Locks each of `bytes` of `path`.
  public init(_ path: String, bytes: [Int], shared: Bool = false) throws {
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    for byte in bytes {
      var lock = flock()
      lock.l_type = Int16(shared ? F_RDLCK : F_WRLCK)
      lock.l_whence = Int16(SEEK_SET)
      lock.l_start = off_t(byte)
      lock.l_len = 1
      guard fcntl(fd, F_SETLK, &lock) == 0 else {
        let error = POSIXError(.init(rawValue: errno) ?? .EIO)
        Glibc.close(fd)
        throw error
      }
    }
  }

  /// Drops the lock (idempotent); the descriptor stays open until `close()`.
  public func release() {
    var lock = flock()
    lock.l_type = Int16(F_UNLCK)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = 0
    lock.l_len = 0
    _ = fcntl(fd, F_SETLK, &lock)
  }

  /// Closes the descriptor (and so drops every lock of this process on the file).
  public func close() { Glibc.close(fd) }

  /// Whether another process holds a write lock on `byte` (fcntl F_GETLK).
  public func isWriteLockedElsewhere(byte: Int) -> Bool {
    var lock = flock()
    lock.l_type = Int16(F_WRLCK)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = off_t(byte)
    lock.l_len = 1
    return fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type == Int16(F_WRLCK)
  }
}
