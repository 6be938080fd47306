// Who we run as, and fresh session ids.
import Glibc

/// Facts about the running process from the kernel and the password database.
public enum Identity {
  /// Our process id (getpid(2)), for holder records.
  public static var processId: Int { Int(getpid()) }

  /// The account's name and home from /etc/passwd (Accounts.lookUpInPasswdFile(uid:) of
  /// geteuid(2)), not from the environment nor another NSS source; `uidN` and `/` when it has
  /// no line there.
  public static func account() -> (user: String, home: String) {
    guard let account = Accounts.lookUpInPasswdFile(uid: geteuid()) else {
      return ("uid\(geteuid())", "/")
    }
    return (account.name, account.home)
  }

  /// 16 lowercase hex digits from the system's random source (getrandom(2)).
  public static func newSessionId() -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = String(generator.next() as UInt64, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
