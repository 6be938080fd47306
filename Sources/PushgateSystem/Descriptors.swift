// Start-up hygiene for descriptors, and small descriptor helpers.
import CPushgate
import Glibc

/// Descriptor set-up and raw I/O (open(2), close_range(2), write(2), read(2)).
public enum Descriptors {
  /// Makes sure fds 0–2 are open (a closed one points at /dev/null, so no file of ours can
  /// become "stderr") and marks every other inherited descriptor close-on-exec.
  public static func sanitize() {
    for fd in Int32(0)...2 where fcntl(fd, F_GETFD) == -1 {
      let opened = open("/dev/null", O_RDWR)
      if opened >= 0 && opened != fd {
        dup2(opened, fd)
        close(opened)
      }
    }
    if pg_cloexec_from_3() == -1 { markCloseOnExecByWalking() }
  }

  /// Fallback for kernels without CLOSE_RANGE_CLOEXEC: walk /proc/self/fd.
  private static func markCloseOnExecByWalking() {
    guard let directory = opendir("/proc/self/fd") else { return }
    defer { closedir(directory) }
    let own = dirfd(directory)
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      if let fd = Int32(name), fd > 2, fd != own {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      }
    }
  }

  /// Opens /dev/null (open(2) with `access`, O_RDWR unless told, and O_CLOEXEC).
  ///
  /// Every /dev/null handed to a child comes from here, and a failure is thrown: a child given -1
  /// would keep our descriptor (the ssh channel) instead.
  public static func openNull(_ access: Int32 = O_RDWR) throws(SystemError) -> Int32 {
    let fd = open("/dev/null", access | O_CLOEXEC)
    guard fd >= 0 else { throw .current("open /dev/null") }
    return fd
  }

  /// Writes all of `bytes` to `fd` (write(2), retrying after EINTR and short writes): every
  /// write-it-all of the gate and the admin tool.
  ///
  /// `false` on the first error, errno kept.
  @discardableResult
  public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }

  /// Writes one line to stderr: `pushgate: <message>`.
  public static func report(_ message: String) {
    writeAll(2, Array("pushgate: \(message)\n".utf8))
  }

  /// Reads `fd` to EOF (read(2), retrying after EINTR): every read-to-the-end of the gate and the
  /// admin tool.
  ///
  /// Stops once more than `limit` bytes have been read, so a result longer than `limit` (by less
  /// than one 16 KiB buffer) means "larger than the limit" to the caller.
  public static func readAll(_ fd: Int32, limit: Int) throws(SystemError) -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16384)
    while result.count <= limit {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw .current("read")
      }
      if count == 0 { break }
      result += buffer[0..<count]
    }
    return result
  }
}
