// The error of a bad retention level (`RetainLevel`), shared by pushgate.conf's `retain` and
// `pushgate init`'s options.

/// A usage mistake in `pushgate init`'s options; the command exits with ``exitStatus``.
public struct SetupError: Error, Equatable, Sendable {
  /// One line, lower case, naming the option and the fix.
  public let message: String

  /// Creates an error with its message.
  public init(_ message: String) { self.message = message }

  /// Always a usage error.
  public var exitStatus: Int32 { ExitStatus.usage }
}
