// Who we run as, the machine's name, and fresh session ids.
import Glibc

/// Facts about the running process from the kernel and the password database.
public enum Identity {
  /// The effective uid (geteuid(2)): whose rights our file accesses use.
  public static var userId: uid_t { geteuid() }

  /// Our process id (getpid(2)), for holder records.
  public static var processId: Int { Int(getpid()) }

  /// Whether we run as root (effective uid 0).
  public static var isRoot: Bool { geteuid() == 0 }

  /// This machine's name (gethostname(2)), `localhost` when it cannot be read.
  public static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The account's name and home from the password database (Accounts.lookUp(uid:) of
  /// geteuid(2)), not from the environment; `uidN` and `/` when it has no entry.
  public static func account() -> (user: String, home: String) {
    guard let account = Accounts.lookUp(uid: geteuid()) else { return ("uid\(geteuid())", "/") }
    return (account.name, account.home)
  }

  /// 16 lowercase hex digits from the system's random source (getrandom(2)).
  public static func newSessionId() -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = String(generator.next() as UInt64, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
