// Reads environment variables as raw bytes (getenv), never through a UTF-8 repairing API.
import Glibc

/// Byte-exact access to the process environment.
public enum RawEnvironment {
  /// The bytes of variable `name` (getenv(3)), or `nil` when unset.
  public static func bytes(_ name: String) -> [UInt8]? {
    guard let value = getenv(name) else { return nil }
    let length = strlen(value)
    return value.withMemoryRebound(to: UInt8.self, capacity: length) {
      Array(UnsafeBufferPointer(start: $0, count: length))
    }
  }
}
