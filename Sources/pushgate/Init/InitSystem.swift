// What `pushgate init` and `authorize` ask the password database about the account.
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// Look-ups for `pushgate init` and `authorize`.
enum InitSystem {
  /// The account called `name` (or the effective user when `nil`), its primary group's name
  /// and its login shell, from the password and group databases (Accounts).
  static func account(_ name: String?) throws(InitFailure) -> (SetupAccount, shell: String) {
    let found = name.map { Accounts.lookUp(name: $0) } ?? Accounts.lookUp(uid: Identity.userId)
    guard let user = found else {
      throw InitFailure(
        message: name.map { "unknown account '\($0)'; create it first or give --account" }
          ?? "cannot find the current user (uid \(Identity.userId)) in the password database",
        status: ExitStatus.usage)
    }
    let group = Accounts.groupName(of: user.gid) ?? String(user.gid)
    return (SetupAccount(name: user.name, uid: user.uid, gid: user.gid, group: group), user.shell)
  }
}
