// Who we run as, where our executable is, and fresh session ids.
import Glibc

/// Facts about the running process from the kernel and the password database.
public enum Identity {
  /// The account's name and home from getpwuid(geteuid()), not from the environment.
  public static func account() -> (user: String, home: String) {
    guard let entry = getpwuid(geteuid()) else { return ("uid\(geteuid())", "/") }
    return (String(cString: entry.pointee.pw_name), String(cString: entry.pointee.pw_dir))
  }

  /// The name and home of account `uid` (getpwuid(3)), or `nil` when it has no entry.
  public static func account(uid: uid_t) -> (user: String, home: String)? {
    guard let entry = getpwuid(uid) else { return nil }
    return (String(cString: entry.pointee.pw_name), String(cString: entry.pointee.pw_dir))
  }

  /// The absolute path of the running executable (readlink /proc/self/exe).
  public static func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return "" }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// 16 lowercase hex digits from the system's random source (getrandom(2)).
  public static func newSessionId() -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = String(generator.next() as UInt64, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
