// The password and group databases: every look-up of an account or a group, for the gate and
// the admin tool (getpwnam(3), getpwuid(3), getgrouplist(3), getgrgid(3)).
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

  /// The login name of `uid` (getpwuid(3)), or `nil` when it has no entry.
  public static func name(of uid: uid_t) -> String? {
    lookUp(uid: uid)?.name
  }

  /// Every group `account` is in, its primary group included (getgrouplist(3), asked again
  /// with the size it reports when 64 are not enough).
  public static func groups(of account: Account) -> [gid_t] {
    var count: Int32 = 64
    var groups = [gid_t](repeating: 0, count: Int(count))
    if getgrouplist(account.name, account.gid, &groups, &count) < 0 {
      groups = [gid_t](repeating: 0, count: Int(count))
      _ = getgrouplist(account.name, account.gid, &groups, &count)
    }
    return Array(groups.prefix(Int(max(count, 0))))
  }

  /// The name of group `gid` (getgrgid(3)), or `nil` when it has no entry.
  public static func groupName(of gid: gid_t) -> String? {
    getgrgid(gid).map { String(cString: $0.pointee.gr_name) }
  }

  private static func account(_ entry: UnsafeMutablePointer<passwd>) -> Account {
    let user = entry.pointee
    return Account(
      name: String(cString: user.pw_name), uid: user.pw_uid, gid: user.pw_gid,
      home: String(cString: user.pw_dir), shell: String(cString: user.pw_shell))
  }
}
