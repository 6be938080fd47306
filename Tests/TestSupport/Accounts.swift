// A non-root account a test adds with useradd (we run as root) and removes with userdel: a
// backup account that owns an area or logs in through sshd, or a monitoring account in the
// backup account's group.
import Foundation
import Glibc
import Testing

/// Whether this machine lets a test add a non-root account (root, useradd, userdel, runuser).
public let canAddAccounts: Bool = {
  guard geteuid() == 0 else {
    FileHandle.standardError.write(
      Data("SKIPPING: non-root account deployments need root (useradd)\n".utf8))
    return false
  }
  return installed("/usr/sbin/useradd") && installed("/usr/sbin/userdel")
    && installed("/usr/sbin/runuser")
}()

/// A non-root account made with useradd for one test (login shell /bin/sh, as `pushgate init`
/// asks; no home is created), removed again with userdel.
public final class TestAccount: Sendable {
  /// The login name, `pgt` and random digits.
  public let name: String
  /// Its uid.
  public let uid: uid_t
  /// Its primary gid.
  public let gid: gid_t
  /// Its home in the password database; never created (`/nonexistent/NAME` unless given).
  public let home: String

  /// Adds the account, with `groups` as supplementary groups.
  ///
  /// `home` is not created (default: `/nonexistent/NAME`). `loginWithKey` sets the password to `*`
  /// instead of useradd's locked `!`: sshd without PAM refuses a locked account, as the README's
  /// `usermod -p '*'` says.
  public init(groups: [String] = [], home: String? = nil, loginWithKey: Bool = false) throws {
    name = "pgt\(getpid() % 10000)x\(UInt32.random(in: 0..<100_000))"
    self.home = home ?? "/nonexistent/\(name)"
    var arguments = ["--no-create-home", "--home-dir", self.home, "--shell", "/bin/sh"]
    if !groups.isEmpty { arguments += ["--groups", groups.joined(separator: ",")] }
    if loginWithKey { arguments += ["--password", "*"] }
    // Parallel tests may hold the passwd lock for a moment: useradd then says so (status 1).
    var added = try TestSupport.run("/usr/sbin/useradd", arguments + [name])
    for _ in 0..<50 where added.status != 0 {
      usleep(100_000)
      added = try TestSupport.run("/usr/sbin/useradd", arguments + [name])
    }
    try #require(added.status == 0, "useradd: \(added.err)")
    let entry = try #require(getpwnam(name))
    uid = entry.pointee.pw_uid
    gid = entry.pointee.pw_gid
  }

  /// Runs `program` as this account (setpriv with its groups), environment from nothing.
  public func run(_ program: String, _ arguments: [String]) throws -> Finished {
    try TestSupport.run(
      "/usr/bin/setpriv",
      ["--reuid", String(uid), "--regid", String(gid), "--init-groups", "--", program] + arguments,
      environment: ["PATH": "/usr/bin:/bin", "HOME": "/"])
  }

  /// Removes the account (again retrying while the passwd lock is busy).
  public func remove() {
    for _ in 0..<50 {
      guard let removed = try? TestSupport.run("/usr/sbin/userdel", [name]), removed.status != 0,
        removed.status != 6
      else { return }
      usleep(100_000)
    }
  }
}
