// The refusal an rsync client in daemon mode prints as `@ERROR: ...` before exiting 5.

/// Bytes for stdout that an rsync daemon-mode client reads as a refusal.
///
/// Only for the allowed daemon-form command: any other client would report a protocol
/// mismatch instead. Like a real daemon, the gate sends the greeting, reads the client's
/// version line and module line, and only then the error: a client still writing its module
/// line to a gate that already exited would fail with a broken pipe instead of the message.
public enum DaemonReply {
  /// The daemon greeting, protocol 31.
  public static let greeting = Array("@RSYNCD: 31.0\n".utf8)

  /// How many lines the client sends before it reads the reply: its version and the module.
  public static let clientLines = 2

  /// The most bytes read from the client while refusing.
  public static let clientLimit = 4096

  /// The error line.
  public static func error(_ message: String) -> [UInt8] {
    Array("@ERROR: \(message)\n".utf8)
  }

  /// Greeting and error together, as the client ends up seeing them.
  public static func refusal(_ message: String) -> [UInt8] {
    greeting + error(message)
  }
}
