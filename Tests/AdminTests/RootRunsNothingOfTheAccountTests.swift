// Root's doctor, init, authorize and keys against a backup account made by the test (root
// only: useradd). What the account controls -- its settings file, the programs that names, its
// rsnapshot.conf, its login shell and start-up files -- never runs as root, and its shell never
// gets root's terminal, session or environment.
import Foundation
import Glibc
import TestSupport
import Testing

private let canAddAccounts =
  geteuid() == 0 && installed("/usr/sbin/useradd") && installed("/usr/bin/rsnapshot")
  && installed("/usr/bin/ssh-keygen") && installed("/usr/sbin/sshd")
private let environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]

/// A non-root account made with useradd (its password locked, as useradd leaves it), a root
/// made by root's `pushgate init --account`, and one area `laptop` with its key line in the
/// account's ~/.ssh/authorized_keys.
private struct AccountRoot {
  let temporary: TemporaryDirectory
  let user = "pg" + String(UUID().uuidString.prefix(8)).lowercased()
  var home: String { temporary.path + "/home" }
  var root: String { temporary.path + "/backup" }
  var config: String { root + "/pushgate.conf" }
  var uid: uid_t { getpwnam(user)?.pointee.pw_uid ?? 0 }

  init(shell: String = "/bin/sh") throws {
    temporary = try TemporaryDirectory()
    chmod(temporary.path, 0o755)
    let added = try run(
      "/usr/sbin/useradd", ["--create-home", "--home-dir", home, "--shell", shell, user])
    try #require(added.status == 0, "\(added.err)")
    let made = try pushgate(["init", root, "--account", user])
    try #require(made.status == 0, "\(made.err)")
    let key = temporary.path + "/laptop"
    try #require(
      try makeSSHKey(key).status == 0)
    let authorized = try pushgate([
      "authorize", "--config", config, "--account", user, "--key", "laptop", "--serve",
      Binaries.serve, key + ".pub",
    ])
    try #require(authorized.status == 0, "\(authorized.err)")
  }

  func remove() {
    _ = try? run("/usr/sbin/userdel", [user])
    temporary.remove()
  }

  func pushgate(_ arguments: [String], extra: [String: String] = [:]) throws -> Finished {
    try run(Binaries.pushgate, arguments, environment: environment.merging(extra) { $1 })
  }

  func doctor(_ more: [String] = []) throws -> Finished {
    try pushgate(["doctor", "--config", config] + more)
  }

  /// An executable of the account's that writes the uid it runs as to `marker`.
  func evilProgram(_ name: String, marker: String) throws -> String {
    let path = home + "/" + name
    try write("#!/bin/sh\nid -u > \(marker)\n", to: path, mode: 0o755)
    chown(path, uid, gid_t(getpwnam(user)?.pointee.pw_gid ?? 0))
    return path
  }
}

/// Whether `output` has the line `LEVEL NAME TEXT` (the columns padded with spaces).
private func hasLine(_ output: String, _ level: String, _ name: String, _ text: String) -> Bool {
  output.split(separator: "\n").contains { line in
    let words = line.split(separator: " ", maxSplits: 2)
    return words.count == 3 && words[0] == level && words[1] == name
      && words[2].drop(while: { $0 == " " }) == text
  }
}

@Suite(.blocking, .enabled(if: canAddAccounts)) struct RootRunsNothingOfTheAccountTests {
  @Test func anEvilRsyncInTheAccountsSettingsNeverRunsAsRoot() throws {
    let setup = try AccountRoot()
    defer { setup.remove() }
    let marker = setup.home + "/ran-as"
    let evil = try setup.evilProgram("evil", marker: marker)
    try write(read(setup.config) + "rsync = \(evil)\n", to: setup.config)
    chown(setup.config, setup.uid, 0)

    let asAccount = try setup.doctor()
    #expect(read(marker) == "\(setup.uid)\n", "the account's rsync ran as uid \(read(marker))")
    #expect(
      hasLine(
        asAccount.out, "FAIL", "settings",
        "\(setup.config) parses; owner \(setup.user), mode 0644 in \(setup.root), which is root's "
          + "-- the backup account can change which programs run; fix: chown root:root \(setup.config)"
      ),
      "\(asAccount.out)")

    // Told the account is root, doctor has nobody to run it as: it runs nothing and says why.
    unlink(marker)
    let asRoot = try setup.doctor(["--account", "root"])
    #expect(access(marker, F_OK) != 0, "ran as uid \(read(marker))")
    #expect(
      hasLine(
        asRoot.out, "warn", "rsync",
        "'\(evil) --version' not run as root: \(setup.config) is owned by \(setup.user) -- another "
          + "account controls it; fix: chown root:root \(setup.config)"), "\(asRoot.out)")
  }

  @Test func includeConfInTheAccountsRsnapshotConfNeverRunsAsRoot() throws {
    let setup = try AccountRoot()
    defer { setup.remove() }
    let marker = setup.home + "/configtest-ran-as"
    let conf = setup.root + "/keys/laptop/rsnapshot.conf"
    try write(read(conf) + "include_conf\t`id -u > \(marker)`\n", to: conf)
    chown(conf, setup.uid, 0)
    let ranAs = { read(marker).isEmpty ? "nobody" : read(marker) }

    _ = try setup.doctor()
    #expect(["nobody", "\(setup.uid)\n"].contains(ranAs()), "doctor: \(ranAs())")
    unlink(marker)
    _ = try setup.doctor(["--account", "root"])
    #expect(ranAs() == "nobody", "doctor --account root: \(ranAs())")
    let again = try setup.pushgate(["init", setup.root, "--account", setup.user, "--restore"])
    #expect(["nobody", "\(setup.uid)\n"].contains(ranAs()), "init --restore: \(ranAs())")
    #expect(again.status == 1, "\(again.err)")  // rsyncd.conf differs (--restore), kept
    let key = setup.temporary.path + "/laptop.pub"
    let authorized = try setup.pushgate([
      "authorize", "--config", setup.config, "--account", setup.user, "--key", "laptop",
      "--serve", Binaries.serve, "--replace", key,
    ])
    #expect(authorized.status == 71, "\(authorized.err)")
    #expect(["nobody", "\(setup.uid)\n"].contains(ranAs()), "authorize: \(ranAs())")
  }

  @Test(.enabled(if: installed("/usr/bin/script") && installed("/bin/bash")))
  func theAccountsShellGetsNoTerminalSessionOrEnvironmentOfRoots() throws {
    let setup = try AccountRoot(shell: "/bin/bash")
    defer { setup.remove() }
    let facts = setup.home + "/shell-facts"
    // Fields 6 and 7 of /proc/PID/stat: session and tty_nr (0: no controlling terminal).
    try write(
      """
      {
        echo "$$ $(cut -d')' -f2 /proc/$$/stat | cut -d' ' -f5,6)"
        readlink /proc/$$/fd/0
        (exec 3</dev/tty) 2>/dev/null && echo tty || echo no-tty
        env
      } > \(facts)

      """, to: setup.home + "/.bashrc")
    chown(setup.home + "/.bashrc", setup.uid, 0)
    // script(1) gives the command a terminal of its own as its controlling terminal, as an
    // administrator's login would; check that it does before relying on it.
    let probe = try run(
      "/usr/bin/script", ["-qec", "sh -c '(exec 3</dev/tty) && echo has-tty'", "/dev/null"],
      environment: environment)
    try #require(probe.out.contains("has-tty"), "\(probe.out)")

    let command = "\(Binaries.pushgate) doctor --config \(setup.config)"
    let doctor = try run(
      "/usr/bin/script", ["-qec", command, "/dev/null"],
      environment: environment.merging(["ROOTS_SECRET": "s3cret", "HOME": "/root"]) { $1 })
    let lines = read(facts).split(separator: "\n").map(String.init)
    try #require(lines.count >= 3, "\(doctor.out)")
    let ids = lines[0].split(separator: " ")
    #expect(ids.count == 3 && ids[0] == ids[1], "not its own session: \(lines[0])")
    #expect(ids.count == 3 && ids[2] == "0", "has a controlling terminal: \(lines[0])")
    #expect(lines[1] == "/dev/null")
    #expect(lines[2] == "no-tty")
    let variables = lines.dropFirst(3)
    #expect(!variables.contains { $0.contains("s3cret") }, "\(variables)")
    #expect(variables.contains("HOME=\(setup.home)"))
    #expect(variables.contains("USER=\(setup.user)"))
  }

  @Test func aLockedAccountWithoutPAMFailsInTheGivenSshdConfig() throws {
    let setup = try AccountRoot()
    defer { setup.remove() }
    let hostKey = setup.temporary.path + "/host_key"
    try #require(try makeSSHKey(hostKey).status == 0)
    let sshdConfig = setup.temporary.path + "/sshd_config"
    let locked =
      "\(setup.user)'s password is locked ('!' in /etc/shadow) and UsePAM is no -- sshd refuses "
      + "every key of the account; fix: usermod -p '*' \(setup.user)"

    try writeSSHDConfig(sshdConfig, hostKey: hostKey, options: ["UsePAM no", "ExposeAuthInfo yes"])
    let without = try setup.doctor(["--sshd-config", sshdConfig])
    #expect(hasLine(without.out, "FAIL", "sshd", locked), "\(without.out)")
    #expect(
      hasLine(without.out, "ok", "sshd", "ExposeAuthInfo yes: the audit log names the key used"))

    try writeSSHDConfig(sshdConfig, hostKey: hostKey, options: ["UsePAM yes"])
    let with = try setup.doctor(["--sshd-config", sshdConfig])
    #expect(!with.out.contains("password is locked"), "\(with.out)")
    #expect(
      hasLine(
        with.out, "warn", "sshd",
        "ExposeAuthInfo is not on -- the audit log cannot name the key used; fix: set 'ExposeAuthInfo yes' in sshd_config"
      ),
      "\(with.out)")

    try writeSSHDConfig(sshdConfig, hostKey: hostKey, options: ["UsePAM no"])
    #expect(try run("/usr/sbin/usermod", ["-p", "*", setup.user]).status == 0)
    #expect(!(try setup.doctor(["--sshd-config", sshdConfig]).out.contains("password is locked")))
  }

  @Test func brokenSettingsStillNameTheAreasOwnerNeverRoot() throws {
    let setup = try AccountRoot()
    defer { setup.remove() }
    try write(read(setup.config) + "no_such_setting = 1\n", to: setup.config)

    let keys = try setup.pushgate(["keys", "--config", setup.config])
    #expect(keys.status == 0, "\(keys.err)")
    #expect(keys.out.split(separator: "\n").contains { $0.hasPrefix("laptop ") }, "\(keys.out)")

    let doctor = try setup.doctor()
    #expect(
      hasLine(
        doctor.out, "ok", "shell",
        "login shell /bin/sh; '/bin/sh -c true' as \(setup.user) prints nothing"), "\(doctor.out)")
    #expect(doctor.out.contains(setup.home + "/.ssh/authorized_keys"), "\(doctor.out)")

    // Next to a settings file with no areas, root's tools ask instead of reading root's keys.
    let elsewhere = setup.temporary.path + "/elsewhere"
    mkdir(elsewhere, 0o755)
    try write("root = \(elsewhere)\n", to: elsewhere + "/pushgate.conf")
    let unknown = try setup.pushgate(["keys", "--config", elsewhere + "/pushgate.conf"])
    #expect(unknown.status == 64)
    #expect(
      unknown.err
        == "pushgate: cannot tell the backup account: no area or account-owned keys/ next to '\(elsewhere)/pushgate.conf'\n"
        + "hint: pass --account, --authorized-keys or --config\n")
    let lost = try run(
      Binaries.pushgate, ["doctor", "--config", elsewhere + "/pushgate.conf"],
      environment: environment)
    #expect(
      hasLine(
        lost.out, "FAIL", "account",
        "cannot tell the backup account: no area or account-owned keys/ next to \(elsewhere)/pushgate.conf; fix: pass --account"
      ),
      "\(lost.out)")
    #expect(!lost.out.contains("no client can log in"), "\(lost.out)")
  }
}

@Suite(.blocking, .enabled(if: canAddAccounts)) struct RootReadsNothingThroughTheAccountsLinksTests
{
  /// The account points its authorized_keys at a file only root can read: doctor, as root,
  /// neither reads nor quotes it.
  @Test func doctorDoesNotFollowTheAccountsAuthorizedKeysLink() throws {
    let setup = try AccountRoot()
    defer { setup.remove() }
    let secret = setup.temporary.path + "/root-only"
    try write(
      "command=\"ROOTSECRET\" ssh-ed25519 AAAAROOTSECRET root@host\n", to: secret, mode: 0o600)
    let keys = setup.home + "/.ssh/authorized_keys"
    #expect(unlink(keys) == 0)
    #expect(symlink(secret, keys) == 0)
    lchown(keys, setup.uid, gid_t(getpwnam(setup.user)?.pointee.pw_gid ?? 0))
    let doctor = try setup.doctor()
    #expect(
      !doctor.out.contains("ROOTSECRET") && !doctor.err.contains("ROOTSECRET"), "\(doctor.out)")
    #expect(
      doctor.out.contains(
        "keys       \(keys) not checked: a symbolic link, which doctor does not follow"),
      "\(doctor.out)")
  }
}
