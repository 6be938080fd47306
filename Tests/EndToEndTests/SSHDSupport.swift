// Helpers for the tests through a real OpenSSH sshd (SSHD*) and the fault tests (Fault*): a
// root made by `pushgate init` with a line from `pushgate authorize`, the clients, audit records.
import Foundation
import Glibc
import Testing
import TestSupport

/// Whether sshd, the ssh client tools, rsync and rsnapshot are here (each missing one prints SKIPPING).
let sshdAndRealProgramsInstalled =
  installed("/usr/sbin/sshd") && installed("/usr/bin/ssh") && installed("/usr/bin/ssh-keygen")
  && realProgramsInstalled

/// A throwaway sshd configuration, a client key and a backup root for the running account.
struct SSHDSetup {
  let temporary: TemporaryDirectory
  var path: String { temporary.path }
  var root: String { path + "/backup" }
  var config: String { root + "/pushgate.conf" }
  var auditLog: String { root + "/pushgate.log" }
  var incoming: String { root + "/incoming" }
  var source: String { path + "/src" }
  let user = String(cString: getpwuid(geteuid()).pointee.pw_name)
  /// What sshd runs for the sftp subsystem (and so what the gate sees as the command).
  static let sftpServer =
    FileManager.default.isExecutableFile(atPath: "/usr/lib/openssh/sftp-server")
    ? "/usr/lib/openssh/sftp-server" : "internal-sftp"

  /// Builds the setup; `settings` are appended to the pushgate.conf `init` wrote.
  init(settings: [String] = []) throws {
    temporary = try TemporaryDirectory()
    // sshd -i insists on its privilege-separation directory.
    try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    for key in ["hostkey", "client"] {
      #expect(try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", "\(path)/\(key)"]).status == 0)
    }
    try write(
      """
      HostKey \(path)/hostkey
      AuthorizedKeysFile \(path)/authorized_keys
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      ExposeAuthInfo yes
      PidFile none
      StrictModes no
      LogLevel ERROR
      Subsystem sftp \(Self.sftpServer)

      """, to: path + "/sshd_config")
    let checked = try run("/usr/sbin/sshd", ["-t", "-f", path + "/sshd_config"])
    #expect(checked.status == 0, "sshd -t: \(checked.err)")
    let made = try run(
      Binaries.pushgate,
      ["init", root, "--account", user, "--restore", "--serve", Binaries.serve, "--retain", "hourly=5"])
    #expect(made.status == 0, "init: \(made.err)")
    let authorized = try run(
      Binaries.pushgate,
      ["authorize", "--key", "laptop", "--authorized-keys", path + "/authorized_keys", "--config", config,
       "--serve", Binaries.serve, path + "/client.pub"])
    #expect(authorized.status == 0, "authorize: \(authorized.err)")
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    if !settings.isEmpty {
      try write(read(config) + settings.joined(separator: "\n") + "\n", to: config)
    }
  }

  /// Kills what a test left running in this setup, unmounts anything below it, removes it all.
  func remove() {
    killProcesses(under: path)
    for mount in mounts(under: path) { _ = try? run("/bin/umount", ["-l", mount]) }
    temporary.remove()
  }

  /// The `-o` options shared by ssh, scp and sftp.
  var sshOptions: [String] {
    [
      "-i", path + "/client", "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
      "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "ProxyCommand=/usr/sbin/sshd -i -f \(path)/sshd_config",
    ]
  }

  /// The ssh command line rsync's `-e` gets, and `ssh` itself uses.
  var ssh: [String] { ["/usr/bin/ssh"] + sshOptions }

  /// The environment of every client program.
  var clientEnvironment: [String: String] { ["PATH": "/usr/bin:/bin", "HOME": path] }

  /// rsync's arguments for a session through sshd and the gate, then `arguments`.
  func rsyncArguments(_ arguments: [String]) -> [String] {
    // rsync splits -e on blanks but honours quotes.
    ["-e", ssh.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "),
     "--rsync-path=cd \(root) && rsync"] + arguments
  }

  func rsync(_ arguments: [String]) throws -> Finished {
    try run("/usr/bin/rsync", rsyncArguments(arguments), environment: clientEnvironment)
  }

  /// Pushes `directory` (default: the source directory) into the push module.
  func push(_ directory: String? = nil, options: [String] = ["-a"]) throws -> Finished {
    try rsync(options + [(directory ?? source) + "/", "\(user)@localhost::push"])
  }

  /// Starts a push of `directory` in the background; its output goes to files under the setup.
  func startPush(_ directory: String, options: [String] = ["-a"], name: String = "client") throws -> Background {
    try Background(
      ["/usr/bin/rsync"] + rsyncArguments(options + [directory + "/", "\(user)@localhost::push"]),
      environment: clientEnvironment, output: path + "/" + name)
  }

  func sshCommand(_ words: [String]) throws -> Finished {
    try run(ssh[0], Array(ssh.dropFirst()) + ["\(user)@localhost"] + words, environment: clientEnvironment)
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
  func waitForRecord(_ event: String, count: Int = 1, within seconds: Double = 30) -> [String: Any]? {
    var found: [[String: Any]] = []
    _ = eventually(within: seconds) {
      found = records(event)
      return found.count >= count
    }
    return found.count >= count ? found[count - 1] : nil
  }

  /// The snapshot directories (`hourly.N`), sorted by N.
  var snapshots: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/snapshots")) ?? []
    return names.filter { $0.hasPrefix("hourly.") }
      .sorted { Int($0.dropFirst(7)) ?? -1 < Int($1.dropFirst(7)) ?? -1 }
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

  /// Writes `ROOT/slow-snapshot`: records its pid in `ROOT/slow-snapshot.pid`, waits (at most
  /// 30 s) for `ROOT/release`, then runs the real rsnapshot. Returns the `snapshot` setting.
  func writeSlowSnapshot() throws -> String {
    try write(
      """
      #!/bin/sh
      echo $$ > \(root)/slow-snapshot.pid
      i=0
      while [ ! -e \(root)/release ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
      exec /usr/bin/rsnapshot -c \(root)/rsnapshot.conf hourly

      """, to: root + "/slow-snapshot", mode: 0o755)
    return "snapshot = \(root)/slow-snapshot"
  }

  /// The pid the slow snapshot script recorded, once it has.
  func slowSnapshotPid(within seconds: Double = 30) -> pid_t? {
    var pid: pid_t?
    _ = eventually(within: seconds) {
      pid = pid_t(read(root + "/slow-snapshot.pid").trimmingCharacters(in: .whitespacesAndNewlines))
      return pid != nil
    }
    return pid
  }

  /// Lets the slow snapshot go on.
  func release() throws { try write("", to: root + "/release") }

  /// The SHA256 fingerprint `ssh-keygen -lf` prints for a public key file.
  func fingerprint(_ file: String) throws -> String? {
    let listed = try run("/usr/bin/ssh-keygen", ["-lf", file], environment: clientEnvironment)
    let words = listed.out.split(separator: " ")
    return words.count > 1 ? String(words[1]) : nil
  }
}

