// Account and group look-ups only the admin tool makes (getpwuid(3), getgrouplist(3),
// getgrgid(3)); the gate's own look-up is in PushgateSystem's Accounts.
import Glibc
import PushgateSystem

extension Accounts {
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

  /// Every account in group `gid`: its listed members (getgrgid(3)) and the accounts whose
  /// primary group it is (getpwent(3)), sorted, each once.
  public static func members(ofGroup gid: gid_t) -> [String] {
    var names = Set<String>()
    if let group = getgrgid(gid), var member = group.pointee.gr_mem {
      while let name = member.pointee {
        names.insert(String(cString: name))
        member += 1
      }
    }
    setpwent()
    defer { endpwent() }
    while let entry = getpwent() {
      if entry.pointee.pw_gid == gid { names.insert(String(cString: entry.pointee.pw_name)) }
    }
    return names.sorted()
  }

  /// The name of group `gid` (getgrgid(3)), or `nil` when it has no entry.
  public static func groupName(of gid: gid_t) -> String? {
    getgrgid(gid).map { String(cString: $0.pointee.gr_name) }
  }
}
