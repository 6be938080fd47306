// An operating-system error with its errno text.
import Glibc

/// A failed system call: what we tried and `strerror(errno)`.
public struct SystemError: Error, Equatable, Sendable {
  /// The errno value.
  public let number: Int32
  /// The operation, e.g. `open`.
  public let operation: String

  /// Captures the current `errno`.
  public static func current(_ operation: String) -> SystemError {
    SystemError(number: errno, operation: operation)
  }

  /// Creates an error from an errno value.
  public init(number: Int32, operation: String) {
    self.number = number
    self.operation = operation
  }

  /// `operation: strerror text`.
  public var text: String {
    "\(operation): \(String(cString: strerror(number)))"
  }
}
