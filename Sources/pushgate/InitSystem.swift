// What `pushgate init` and `authorize` ask the system: accounts and the host name.
import Glibc
import PushgateAdminCore
import PushgateCore

/// Look-ups for `pushgate init` and `authorize`.
enum InitSystem {
  /// The account called `name` (or the effective user when `nil`) from getpwnam(3) /
  /// getpwuid(3), its primary group's name from getgrgid(3), and its login shell.
  static func account(_ name: String?) throws(InitFailure) -> (SetupAccount, shell: String) {
    let entry = name.map { getpwnam($0) } ?? getpwuid(geteuid())
    guard let entry else {
      throw InitFailure(
        message: name.map { "unknown account '\($0)'; create it first or give --account" }
          ?? "cannot find the current user (uid \(geteuid())) in the password database",
        status: ExitStatus.usage)
    }
    let user = entry.pointee
    let group =
      getgrgid(user.pw_gid).map { String(cString: $0.pointee.gr_name) }
      ?? String(user.pw_gid)
    return (
      SetupAccount(
        name: String(cString: user.pw_name), uid: user.pw_uid, gid: user.pw_gid, group: group),
      String(cString: user.pw_shell)
    )
  }

  /// This machine's name from gethostname(2).
  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
