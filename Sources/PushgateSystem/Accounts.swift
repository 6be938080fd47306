// The password and group databases: every look-up of an account or a group, for the gate and
// the admin tool (getpwnam(3), getpwuid(3), getgrouplist(3), getgrgid(3); the gate's own
// look-up reads /etc/passwd alone, fgetpwent(3)).
//
// What these return comes from NSS (/etc/passwd, /etc/group or a directory service), never
// from the environment. The results are copied out at once: the functions return pointers to
// static storage that the next call overwrites.
import Glibc

/// An entry of the password database.
public struct Account: Equatable, Sendable {
  /// The login name (`pw_name`).
  public var name: String
  /// The uid (`pw_uid`).
  public var uid: uid_t
  /// The primary gid (`pw_gid`).
  public var gid: gid_t
  /// The home directory (`pw_dir`).
  public var home: String
  /// The login shell (`pw_shell`).
  public var shell: String

  /// Creates an entry.
  public init(name: String, uid: uid_t, gid: gid_t, home: String, shell: String) {
    self.name = name
    self.uid = uid
    self.gid = gid
    self.home = home
    self.shell = shell
  }
}

/// Look-ups in the password and group databases.
public enum Accounts {
  /// The account called `name` (getpwnam(3)), or `nil` when there is none.
  public static func lookUp(name: String) -> Account? {
    getpwnam(name).map(account)
  }

  /// The account with uid `uid` (getpwuid(3)), or `nil` when there is none.
  public static func lookUp(uid: uid_t) -> Account? {
    getpwuid(uid).map(account)
  }

  /// The account with uid `uid` in /etc/passwd itself (fgetpwent(3)), or `nil`.
  ///
  /// No NSS module is loaded: in the static gate, they crashed it (SIGSEGV, before any audit
  /// record) on Debian 12's `passwd: files systemd`, for an account not in /etc/passwd.
  public static func lookUpInPasswdFile(uid: uid_t) -> Account? {
    guard let file = fopen("/etc/passwd", "re") else { return nil }
    defer { fclose(file) }
    while let entry = fgetpwent(file) {
      if entry.pointee.pw_uid == uid { return account(entry) }
    }
    return nil
  }

  package static func account(_ entry: UnsafeMutablePointer<passwd>) -> Account {
    let user = entry.pointee
    return Account(
      name: String(cString: user.pw_name), uid: user.pw_uid, gid: user.pw_gid,
      home: String(cString: user.pw_dir), shell: String(cString: user.pw_shell))
  }
}
