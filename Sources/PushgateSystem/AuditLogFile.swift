// The audit log: opened once per session with O_APPEND, one write(2) per record.
import Glibc

/// An open audit log. A record is written with a single `write`, so concurrent sessions
/// never interleave inside a line.
public struct AuditLogFile: Sendable {
  /// The descriptor (O_WRONLY | O_APPEND | O_CLOEXEC).
  public let fd: Int32
  /// The path, for messages.
  public let path: String

  /// Opens or creates (mode 0640) the log; refuses symlinks and files not owned by us or root.
  public static func open(_ path: String) throws(SystemError) -> AuditLogFile {
    AuditLogFile(
      fd: try TrustedFile.openOwned(path, flags: O_WRONLY | O_APPEND, mode: 0o640), path: path)
  }

  /// Appends one record with one write(2); a short write is an error.
  public func append(_ record: [UInt8]) throws(SystemError) {
    while true {
      let written = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if written == record.count { return }
      if written < 0 && errno == EINTR { continue }
      throw written < 0 ? .current("write") : SystemError(number: ENOSPC, operation: "short write")
    }
  }
}
