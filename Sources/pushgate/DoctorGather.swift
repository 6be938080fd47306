// Gathers what `pushgate doctor` checks: files, accounts and the output of a few programs.
// Everything here only looks; the decisions are DoctorChecks' in the core.
import Glibc
import PushgateCore
import PushgateSystem

/// The effectful half of doctor: builds ``DoctorFacts``.
enum DoctorGather {
  /// Reads the settings, finds the account, reads the configurations, stats every path the
  /// checks need and runs rsync, rsnapshot, the login shell and sshd.
  static func facts(config: String, account: String?, authorizedKeys: String?, sshd: String)
    -> DoctorFacts
  {
    let configPath = absolute(config)
    let settings = readSettings(configPath)
    var parsed: Settings? = nil
    if case .parsed(let value) = settings { parsed = value }
    let name = account ?? parsed.flatMap { owner(of: $0.root + "/incoming") } ?? userName(geteuid())
    var facts = DoctorFacts(
      configPath: configPath, settings: settings, account: lookUp(name), accountName: name,
      runsAsRoot: geteuid() == 0)
    facts.sshdPath = sshd
    if let parsed {
      facts.rsyncdConf = readText(parsed.rsyncdConf)
      if let rsnapshotConf = DoctorChecks.rsnapshotConfig(parsed.snapshot) {
        facts.rsnapshotConf = readText(rsnapshotConf)
      }
    }
    if let keys = authorizedKeys.map(absolute)
      ?? facts.account.map({ $0.home + "/.ssh/authorized_keys" })
    {
      facts.authorizedKeysPath = keys
      facts.authorizedKeys = readText(keys)
    } else {
      facts.authorizedKeysPath = "~\(name)/.ssh/authorized_keys"
      facts.authorizedKeys = .failure(DoctorReadError("unknown account"))
    }
    for path in DoctorChecks.pathsToInspect(facts) { facts.files[path] = inspect(path) }
    // Programs last: Spawn changes our working directory.
    if let parsed {
      facts.rsyncVersion = DoctorRunner.run(parsed.rsync, [parsed.rsync, "--version"])
      if let rsnapshotConf = DoctorChecks.rsnapshotConfig(parsed.snapshot) {
        let program = parsed.snapshot[0]
        facts.rsnapshotVersion = DoctorRunner.run(program, [program, "version"])
        facts.configtest = DoctorRunner.run(program, [program, "-c", rsnapshotConf, "configtest"])
      }
    }
    if let found = facts.account { facts.shellRun = runShell(found) }
    facts.sshdRun = runSshd(sshd, account: facts.account)
    return facts
  }

  /// `SHELL -c true` as the account, with what sshd would put in the environment (bash
  /// sources ~/.bashrc when `SSH_CLIENT` is set), in its home directory.
  static func runShell(_ account: DoctorAccount) -> DoctorRun {
    let shell = account.shell
    if ["nologin", "false"].contains(shell.split(separator: "/").last ?? "") {
      return .notRun("the login shell runs nothing")
    }
    let environment = [
      "HOME=\(account.home)", "USER=\(account.name)", "LOGNAME=\(account.name)", "SHELL=\(shell)",
      "PATH=/usr/bin:/bin", "SSH_CLIENT=127.0.0.1 40000 22",
      "SSH_CONNECTION=127.0.0.1 40000 127.0.0.1 22",
    ]
    var info = stat()
    let home =
      stat(account.home, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR ? account.home : "/"
    let command = [shell, "-c", "true"]
    if geteuid() == account.uid {
      return DoctorRunner.run(shell, command, environment: environment, directory: home)
    }
    guard geteuid() == 0 else {
      return .notRun("doctor runs as \(userName(geteuid())), neither root nor \(account.name)")
    }
    if access("/usr/bin/setpriv", X_OK) == 0 {
      let switchUser = [
        "/usr/bin/setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups",
      ]
      return DoctorRunner.run(
        switchUser[0], switchUser + command, environment: environment, directory: home)
    }
    if access("/usr/sbin/runuser", X_OK) == 0 {
      let switchUser = ["/usr/sbin/runuser", "-u", account.name, "--"]
      return DoctorRunner.run(
        switchUser[0], switchUser + command, environment: environment, directory: home)
    }
    return .notRun("neither /usr/bin/setpriv nor /usr/sbin/runuser is installed")
  }

  /// `sshd -T` for a connection of the account (so `Match User` blocks apply); root only.
  static func runSshd(_ sshd: String, account: DoctorAccount?) -> DoctorRun {
    guard access(sshd, X_OK) == 0 else { return .notRun("\(sshd) is not installed") }
    guard geteuid() == 0 else { return .notRun("'sshd -T' needs root") }
    var arguments = [sshd, "-T"]
    if let account { arguments += ["-C", "user=\(account.name),host=localhost,addr=127.0.0.1"] }
    return DoctorRunner.run(sshd, arguments)
  }

  /// The settings file read without following a symlink, then parsed.
  static func readSettings(_ path: String) -> DoctorSettings {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return .unreadable(String(cString: strerror(errno))) }
    defer { close(fd) }
    guard let bytes = try? Descriptors.readAll(fd, limit: SettingsParser.maximumSize) else {
      return .unreadable(String(cString: strerror(errno)))
    }
    do {
      return .parsed(try SettingsParser.parse(bytes, file: path))
    } catch {
      return .invalid(error.description)
    }
  }

  /// A configuration file's text (a regular file, at most 1 MiB).
  static func readText(_ path: String) -> Result<String, DoctorReadError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return .failure(DoctorReadError(String(cString: strerror(errno)))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      return .failure(DoctorReadError("not a regular file"))
    }
    guard let bytes = try? Descriptors.readAll(fd, limit: 1 << 20) else {
      return .failure(DoctorReadError(String(cString: strerror(errno))))
    }
    return .success(String(decoding: bytes, as: UTF8.self))
  }

  /// lstat(2) of `path`.
  static func inspect(_ path: String) -> DoctorFile {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      return errno == ENOENT || errno == ENOTDIR
        ? .missing : DoctorFile(.unknown(String(cString: strerror(errno))))
    }
    let kind: DoctorFile.Kind =
      switch info.st_mode & S_IFMT {
      case S_IFLNK: .symlink
      case S_IFREG: .regular
      case S_IFDIR: .directory
      default: .other
      }
    return DoctorFile(
      kind, uid: info.st_uid, gid: info.st_gid, mode: info.st_mode & 0o7777,
      owner: userName(info.st_uid))
  }

  /// The account from getpwnam(3), with its groups from getgrouplist(3).
  static func lookUp(_ name: String) -> DoctorAccount? {
    guard let entry = getpwnam(name)?.pointee else { return nil }
    var count: Int32 = 64
    var groups = [gid_t](repeating: 0, count: Int(count))
    if getgrouplist(name, entry.pw_gid, &groups, &count) < 0 {
      groups = [gid_t](repeating: 0, count: Int(count))
      _ = getgrouplist(name, entry.pw_gid, &groups, &count)
    }
    return DoctorAccount(
      name: name, uid: entry.pw_uid, gid: entry.pw_gid,
      groups: Array(groups.prefix(Int(max(count, 0)))),
      home: String(cString: entry.pw_dir), shell: String(cString: entry.pw_shell))
  }

  /// The login name of `uid`, or the number.
  static func userName(_ uid: uid_t) -> String {
    getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? String(uid)
  }

  /// The owner of an existing path.
  static func owner(of path: String) -> String? {
    var info = stat()
    return lstat(path, &info) == 0 ? userName(info.st_uid) : nil
  }

  /// `path` made absolute against the working directory.
  static func absolute(_ path: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
  }
}
