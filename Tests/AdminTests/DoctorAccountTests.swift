// pushgate doctor and an unprivileged backup account's login shell (root only: it creates
// the account with useradd and removes it again).
import Foundation
import Glibc
import TestSupport
import Testing

private let canAddAccounts: Bool = {
  let can =
    geteuid() == 0 && installed("/usr/sbin/useradd") && installed("/usr/bin/rsnapshot")
    && installed("/usr/bin/ssh-keygen")
  if geteuid() != 0 {
    FileHandle.standardError.write(
      Data("SKIPPING: doctor's account tests need root (useradd)\n".utf8))
  }
  return can
}()

@Suite(.blocking, .enabled(if: canAddAccounts)) struct DoctorAccountTests {
  @Test func aPrintingBashrcAndNologinFail() throws {
    let temporary = try TemporaryDirectory()
    chmod(temporary.path, 0o755)
    let user = "pgdoc\(getpid() % 100000)"
    let home = temporary.path + "/home"
    let root = temporary.path + "/backup"
    defer {
      _ = try? run("/usr/sbin/userdel", [user])
      temporary.remove()
    }
    let added = try run(
      "/usr/sbin/useradd", ["--create-home", "--home-dir", home, "--shell", "/bin/bash", user])
    try #require(added.status == 0, "\(added.err)")
    try write("echo hello\n", to: home + "/.bashrc")
    let environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
    let made = try run(
      Binaries.pushgate, ["init", root, "--account", user], environment: environment)
    try #require(made.status == 0, "\(made.err)")
    let key = temporary.path + "/laptop"
    try #require(
      try makeSSHKey(key).status == 0)
    let authorized = try run(
      Binaries.pushgate,
      [
        "authorize", "--config", root + "/pushgate.conf", "--account", user, "--key", "laptop",
        "--serve", Binaries.serve, key + ".pub",
      ], environment: environment)
    try #require(authorized.status == 0, "\(authorized.err)")
    let doctor = {
      try run(
        Binaries.pushgate, ["doctor", "--config", root + "/pushgate.conf"], environment: environment
      )
    }

    let printing = try doctor()
    let lines = printing.out.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "FAIL  shell      '/bin/bash -c true' as \(user) prints 6 bytes ('hello', status 0) -- it would corrupt the rsync protocol; "
          + "fix: remove the output from ~\(user)'s shell start-up files (~/.bashrc), or chsh -s /bin/sh \(user)"
      ), "\(printing.out)")
    // The account is found from the area (its state/), and configtest runs as the account.
    #expect(
      lines.contains(
        "ok    areas      1 area in \(root)/keys (laptop): incoming/, snapshots/ and state/ of \(user); "
          + "rsnapshot.conf passes configtest, backs up incoming/ into the area's snapshots/, syncs first"
      ),
      "\(printing.out)")
    #expect(lines.filter { $0.hasPrefix("FAIL") }.count == 1, "\(printing.out)")
    #expect(printing.status == 2)

    #expect(try run("/usr/sbin/usermod", ["--shell", "/usr/sbin/nologin", user]).status == 0)
    let nologin = try doctor()
    #expect(
      nologin.out.contains(
        "FAIL  shell      \(user)'s login shell is '/usr/sbin/nologin' -- sshd runs the forced command through it, "
          + "so nothing would run; fix: chsh -s /bin/sh \(user)\n"), "\(nologin.out)")
    #expect(nologin.status == 2)
  }

  @Test func aMonitoringUserInTheBackupGroupCanStopEverySessionAndDoctorFailsIt() throws {
    let temporary = try TemporaryDirectory()
    chmod(temporary.path, 0o755)
    let account = try TestAccount()
    let monitor = try TestAccount(groups: [account.name])
    defer {
      monitor.remove()
      account.remove()
      temporary.remove()
    }
    let root = temporary.path + "/backup"
    let config = root + "/pushgate.conf"
    try initRoot(root, options: ["--account", account.name])
    let gate = { try account.run(Binaries.serve, ["--config", config, "--key", "laptop"]) }
    let doctor = {
      try run(
        Binaries.pushgate, ["doctor", "--config", config, "--account", account.name],
        environment: adminEnvironment)
    }
    let flagged =
      "FAIL  rootgroup  \(root) is writable by its group, which also holds \(monitor.name)"

    // ROOT is 1770 and the account's group: the monitoring user may create the log first.
    #expect(try monitor.run("/usr/bin/touch", [root + "/pushgate.log"]).status == 0)
    #expect(try gate().status == 71, "the gate refuses a log it does not own (osError)")
    #expect(try doctor().out.contains(flagged))

    // Out of the group (doctor's fix), the monitoring user cannot, and sessions are logged.
    #expect(try run("/usr/bin/gpasswd", ["-d", monitor.name, account.name]).status == 0)
    #expect(unlink(root + "/pushgate.log") == 0)
    #expect(try monitor.run("/usr/bin/touch", [root + "/pushgate.log"]).status != 0)
    #expect(try gate().status == 77, "refused as not run by sshd, and logged")
    let after = try doctor().out
    #expect(
      after.contains(
        "ok    rootgroup  \(root) is writable by its group, which holds the account alone"),
      "\(after)")
  }
}
