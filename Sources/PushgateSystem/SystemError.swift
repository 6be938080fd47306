// An operating-system error with its errno text, or a file our own checks refused.
import Glibc

/// A failed system call: what we tried and `strerror(errno)`; or, with ``refused(_:)``, a
/// file that opened fine but failed one of our checks (no errno: `number` is 0).
public struct SystemError: Error, Equatable, Sendable {
  /// The errno value; 0 for a refusal of ours.
  public let number: Int32
  /// The operation, such as `open`.
  public let operation: String

  /// Captures the current `errno`.
  public static func current(_ operation: String) -> SystemError {
    SystemError(number: errno, operation: operation)
  }

  /// A file our checks refused (`reason`, such as `owned by uid 1000`), not a failed call: its text
  /// is the reason alone, never an errno's words borrowed for it.
  public static func refused(_ reason: String) -> SystemError {
    SystemError(number: 0, operation: reason)
  }

  /// Creates an error from an errno value.
  public init(number: Int32, operation: String) {
    self.number = number
    self.operation = operation
  }

  /// strerror(3) of the errno alone (`No such file or directory`); a refusal's reason.
  public var reason: String {
    number == 0 ? operation : String(cString: strerror(number))
  }

  /// `operation: strerror text`; a refusal's reason alone.
  public var text: String {
    number == 0 ? operation : "\(operation): \(String(cString: strerror(number)))"
  }
}
