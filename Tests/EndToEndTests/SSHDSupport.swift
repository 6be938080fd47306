// Helpers for the tests through a real OpenSSH sshd (SSHD*) and the fault tests (Fault*): a
// root made by `pushgate init` with a line from `pushgate authorize`, the clients, audit records.
import Foundation
import Glibc
import TestSupport
import Testing

/// Whether sshd, the ssh client tools, rsync and rsnapshot are here, and a backup account can
/// be added (each missing one prints SKIPPING).
let sshdAndRealProgramsInstalled =
  installed("/usr/sbin/sshd") && installed("/usr/bin/ssh") && installed("/usr/bin/ssh-keygen")
  && realProgramsInstalled && canAddAccounts

/// A throwaway sshd configuration, a client key per label and a backup root for a non-root backup
/// account made by the test, as in a real deployment (and sshd then runs no root dotfiles):
/// `pushgate init`, then `pushgate authorize` for each label (its area and its line).
///
/// The clients run as root.
struct SSHDSetup {
  let temporary: TemporaryDirectory
  var path: String { temporary.path }
  var root: String { path + "/backup" }
  var config: String { root + "/pushgate.conf" }
  var auditLog: String { root + "/pushgate.log" }
  /// The key labels; the first is the default of every helper.
  let keys: [String]
  /// The first key's area.
  var area: String { area(keys[0]) }
  var incoming: String { area + "/incoming" }
  var snapshotsDirectory: String { area + "/snapshots" }
  var source: String { path + "/src" }
  /// The backup account sshd logs in as; the gate, rsync and rsnapshot run as it.
  let account: TestAccount
  var user: String { account.name }
  /// What sshd runs for the sftp subsystem (and so what the gate sees as the command).
  static let sftpServer =
    FileManager.default.isExecutableFile(atPath: "/usr/lib/openssh/sftp-server")
    ? "/usr/lib/openssh/sftp-server" : "internal-sftp"

  /// Builds the setup; `settings` are appended to the pushgate.conf `init` wrote (after every
  /// key is authorized).
  init(settings: [String] = [], keys: [String] = ["laptop"], retain: [String] = ["hourly=5"]) throws
  {
    temporary = try TemporaryDirectory()
    self.keys = keys
    // sshd changes to the home and says so on the client's stderr when it cannot: / is there.
    do { account = try TestAccount(home: "/", loginWithKey: true) } catch {
      temporary.remove()
      throw error
    }
    do { try prepare(settings: settings, retain: retain) } catch {
      remove()
      throw error
    }
  }

  /// The keys, sshd_config, root, areas and authorized_keys of `init`.
  private func prepare(settings: [String], retain: [String]) throws {
    // The account reaches the root, authorized_keys (sshd reads it as the account) and the
    // slow rsnapshot through the temporary directory.
    chmod(path, 0o755)
    // sshd -i insists on its privilege-separation directory.
    try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    for key in ["hostkey"] + keys.map({ SSHDSetup.identity($0, first: keys[0]) }) {
      #expect(try makeSSHKey("\(path)/\(key)", comment: key).status == 0)
    }
    try writeSSHDConfig(
      path + "/sshd_config", hostKey: path + "/hostkey",
      options: [
        "AuthorizedKeysFile \(path)/authorized_keys", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "ExposeAuthInfo yes", "PidFile none", "StrictModes no",
        "LogLevel ERROR", "Subsystem sftp \(Self.sftpServer)",
      ])
    let checked = try run("/usr/sbin/sshd", ["-t", "-f", path + "/sshd_config"])
    #expect(checked.status == 0, "sshd -t: \(checked.err)")
    try initRoot(
      root, options: ["--account", user, "--restore"] + retain.flatMap { ["--retain", $0] })
    for key in keys {
      try authorizeKey(
        key, publicKey: "\(path)/\(SSHDSetup.identity(key, first: keys[0])).pub", config: config,
        authorizedKeys: path + "/authorized_keys", account: user)
    }
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    if !settings.isEmpty {
      try write(read(config) + settings.joined(separator: "\n") + "\n", to: config)
    }
  }

  /// The client key file of `key`: `client` for the first key (as before areas), else `client-KEY`.
  static func identity(_ key: String, first: String) -> String {
    key == first ? "client" : "client-" + key
  }

  /// The area `ROOT/keys/KEY`.
  func area(_ key: String) -> String { root + "/keys/" + key }

  /// Kills what a test left running in this setup, unmounts anything below it, removes it all.
  func remove() {
    killProcesses(under: path)
    for mount in mounts(under: path) { _ = try? run("/bin/umount", ["-l", mount]) }
    temporary.remove()
    account.remove()
  }

  /// The `-o` options shared by ssh, scp and sftp, with the first key's identity.
  var sshOptions: [String] { sshOptions(for: keys[0]) }

  /// The `-o` options with `key`'s identity.
  func sshOptions(for key: String) -> [String] {
    [
      "-i", path + "/" + SSHDSetup.identity(key, first: keys[0]), "-o",
      "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
      "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o",
      "ProxyCommand=/usr/sbin/sshd -i -f \(path)/sshd_config",
    ]
  }

  /// The ssh command line rsync's `-e` gets, and `ssh` itself uses.
  var ssh: [String] { ssh(for: keys[0]) }

  func ssh(for key: String) -> [String] { ["/usr/bin/ssh"] + sshOptions(for: key) }

  /// The environment of every client program.
  var clientEnvironment: [String: String] { ["PATH": "/usr/bin:/bin", "HOME": path] }

  /// rsync's arguments for a session through sshd and the gate, then `arguments`.
  func rsyncArguments(_ arguments: [String], key: String? = nil) -> [String] {
    // rsync splits -e on blanks but honours quotes.
    [
      "-e",
      ssh(for: key ?? keys[0]).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "),
      "--rsync-path=cd \(root) && rsync",
    ] + arguments
  }

  /// Runs the rsync client with `key`'s identity; returns once the session's gate is gone too
  /// (a client that fails may leave before its gate).
  func rsync(_ arguments: [String], key: String? = nil) throws -> Finished {
    let finished = try run(
      "/usr/bin/rsync", rsyncArguments(arguments, key: key), environment: clientEnvironment)
    #expect(eventually(within: 15) { gatesRunning.isEmpty }, "a gate still runs: \(gatesRunning)")
    return finished
  }

  /// Sessions of this root's gate still running (detached snapshots are not sessions).
  var gatesRunning: [String] {
    processesMentioning("--config \(config) --key").filter { !$0.contains("--snapshot-session") }
  }

  /// Pushes `directory` (default: the source directory) into the push module.
  func push(_ directory: String? = nil, options: [String] = ["-a"], key: String? = nil) throws
    -> Finished
  {
    try rsync(options + [(directory ?? source) + "/", "\(user)@localhost::push"], key: key)
  }

  /// Starts a push of `directory` in the background; its output goes to files under the setup.
  func startPush(
    _ directory: String, options: [String] = ["-a"], name: String = "client", key: String? = nil
  ) throws -> Background {
    try Background(
      ["/usr/bin/rsync"]
        + rsyncArguments(options + [directory + "/", "\(user)@localhost::push"], key: key),
      environment: clientEnvironment, output: path + "/" + name)
  }

  func sshCommand(_ words: [String]) throws -> Finished {
    try run(
      ssh[0], Array(ssh.dropFirst()) + ["\(user)@localhost"] + words, environment: clientEnvironment
    )
  }

  /// Appends settings to pushgate.conf (each name at most once in the file).
  func addSettings(_ lines: [String]) throws {
    try write(read(config) + lines.joined(separator: "\n") + "\n", to: config)
  }

  var records: [[String: Any]] { auditRecords(auditLog) }

  /// The records of one event, in log order.
  func records(_ event: String) -> [[String: Any]] {
    records.filter { $0["event"] as? String == event }
  }

  /// The records of one session, in log order.
  func records(session: String) -> [[String: Any]] {
    records.filter { $0["session"] as? String == session }
  }

  /// Waits up to `seconds` for the `count`-th record of `event`; returns it.
  func waitForRecord(_ event: String, count: Int = 1, within seconds: Double = 30) -> [String: Any]?
  {
    var found: [[String: Any]] = []
    _ = eventually(within: seconds) {
      found = records(event)
      return found.count >= count
    }
    return found.count >= count ? found[count - 1] : nil
  }

  /// The first key's snapshot directories (`hourly.N`), sorted by N.
  var snapshots: [String] { snapshotNames(in: snapshotsDirectory) }

  /// `key`'s snapshot directories of `level`, sorted by N.
  func snapshots(of key: String, level: String = "hourly") -> [String] {
    snapshotNames(in: area(key) + "/snapshots", level: level)
  }

  /// Every file below `directory`, relative and sorted (empty when missing).
  func files(in directory: String) -> [String] {
    ((FileManager.default.subpaths(atPath: directory)) ?? []).sorted()
  }

  /// Writes `size` random bytes to `directory/name` (incompressible, so a slow push stays slow).
  func writeRandom(_ name: String, megabytes: Int, in directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let made = try run("/usr/bin/head", ["-c", "\(megabytes * 1_048_576)", "/dev/urandom"])
    try made.stdout.write(to: URL(fileURLWithPath: directory + "/" + name))
  }

  /// Gives `path` (made by the test, as root) to the backup account, which the gate, rsync and
  /// rsnapshot run as: for what they write there.
  func giveToAccount(_ path: String) throws {
    try #require(chown(path, account.uid, account.gid) == 0, "chown \(path): errno \(errno)")
  }

  /// The slow rsnapshot wrapper's directory: the account's, since its runs record their pid there.
  var slowDirectory: String { path + "/slow" }

  /// Writes the slow rsnapshot wrapper (in the temporary directory, outside the root: every
  /// level run waits for `release()`); returns its `rsnapshot` setting.
  func writeSlowSnapshot() throws -> String {
    let slow = try SlowRsnapshot(directory: slowDirectory)
    try giveToAccount(slowDirectory)
    return slow.setting
  }

  /// The pid of the first key's blocked rsnapshot run, once it started.
  func slowSnapshotPid(within seconds: Double = 30) -> pid_t? {
    SlowRsnapshot.started(in: slowDirectory, key: keys[0], within: seconds)
  }

  /// Lets the slow snapshot go on.
  func release() throws { try write("", to: slowDirectory + "/release") }

  /// The SHA256 fingerprint `ssh-keygen -lf` prints for a public key file.
  func fingerprint(_ file: String) throws -> String? {
    let listed = try run("/usr/bin/ssh-keygen", ["-lf", file], environment: clientEnvironment)
    let words = listed.out.split(separator: " ")
    return words.count > 1 ? String(words[1]) : nil
  }
}
