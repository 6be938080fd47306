// The refusal an rsync client in daemon mode prints as `@ERROR: ...` before exiting 5.

/// Bytes for stdout that an rsync daemon-mode client reads as a refusal.
public enum DaemonReply {
  /// The greeting and error line a real rsync daemon sends when it refuses a session.
  ///
  /// Only for the allowed daemon-form command: any other client would report a protocol
  /// mismatch instead.
  public static func refusal(_ message: String) -> [UInt8] {
    Array("@RSYNCD: 31.0\n@ERROR: \(message)\n".utf8)
  }
}
