// Accounts a binary test adds with useradd (we run as root): a backup account that owns an
// area, or a monitoring account in the backup account's group.
import Foundation
import Glibc
import Testing
import TestSupport

/// A non-root account made with useradd for one test and removed with userdel.
final class TestUser: Sendable {
  let name: String
  let uid: uid_t
  let gid: gid_t
  let home: String

  /// Adds the account, with `groups` as supplementary groups.
  init(groups: [String] = []) throws {
    name = "pgbt\(getpid() % 10000)x\(UInt32.random(in: 0..<100_000))"
    home = "/nonexistent/\(name)"
    var arguments = ["--no-create-home", "--home-dir", home, "--shell", "/bin/sh"]
    if !groups.isEmpty { arguments += ["--groups", groups.joined(separator: ",")] }
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
  func run(_ program: String, _ arguments: [String]) throws -> Finished {
    try TestSupport.run(
      "/usr/bin/setpriv",
      ["--reuid", String(uid), "--regid", String(gid), "--init-groups", "--", program] + arguments,
      environment: ["PATH": "/usr/bin:/bin", "HOME": "/"])
  }

  /// Removes the account (again retrying while the passwd lock is busy).
  func remove() {
    for _ in 0..<50 {
      guard let removed = try? TestSupport.run("/usr/sbin/userdel", [name]), removed.status != 0,
        removed.status != 6
      else { return }
      usleep(100_000)
    }
  }
}
