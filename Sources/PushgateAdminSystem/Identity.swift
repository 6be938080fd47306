// Who the admin tool runs as, and the machine's name.
import Glibc
import PushgateSystem

extension Identity {
  /// The effective uid (geteuid(2)): whose rights our file accesses use.
  public static var userId: uid_t { geteuid() }

  /// Whether we run as root (effective uid 0).
  public static var isRoot: Bool { geteuid() == 0 }

  /// This machine's name (gethostname(2)), `localhost` when it cannot be read.
  public static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
