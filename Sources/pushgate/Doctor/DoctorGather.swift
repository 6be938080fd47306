// Gathers what `pushgate doctor` checks: files, accounts and the output of a few programs.
// Everything here only looks; the decisions are DoctorChecks' in the core.
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// The effectful half of doctor: builds ``DoctorFacts``.
enum DoctorGather {
  /// Reads the settings, finds the account, lists the areas, reads the configurations, stats every
  /// path the checks need and runs rsync, rsnapshot (configtest only where the core allows it), the
  /// login shell and sshd.
  ///
  /// As root, what the account controls runs as the account, or not at all (see
  /// ``runAs(_:trusting:)``).
  static func facts(
    config: String, account: String?, authorizedKeys: String?, sshd: String,
    sshdConfig: String? = nil
  ) -> DoctorFacts {
    let configPath = absolute(config)
    let settings = readSettings(configPath)
    var parsed: Settings? = nil
    if case .parsed(let value) = settings { parsed = value }
    let entries = parsed.map { list($0.keysDirectory) }
    let name =
      account ?? BackupAccount.owner(config: configPath)
      ?? (Identity.isRoot ? "" : userName(Identity.userId))
    var facts = DoctorFacts(
      configPath: configPath, settings: settings, account: name.isEmpty ? nil : lookUp(name),
      accountName: name, userId: Identity.userId, userName: userName(Identity.userId))
    facts.sshdPath = sshd
    facts.sshdConfig = sshdConfig.map(absolute)
    if let parsed, let entries {
      facts.keysEntries = entries
      facts.rsyncdConf = readText(parsed.rsyncdConf)
    }
    if let keys = authorizedKeys.map(absolute)
      ?? facts.account.map({ $0.home + "/.ssh/authorized_keys" })
    {
      facts.authorizedKeysPath = keys
      facts.authorizedKeys = readText(keys)
    } else if !name.isEmpty {
      facts.authorizedKeysPath = "~\(name)/.ssh/authorized_keys"
      facts.authorizedKeys = .failure(DoctorReadError("unknown account"))
    }
    for path in DoctorChecks.pathsToInspect(facts) { facts.files[path] = inspect(path) }
    let labels = parsed.map { DoctorChecks.areaLabels(facts, $0) } ?? []
    if let parsed, parsed.snapshots == .btrfs {
      facts.btrfs = btrfs(parsed, labels: labels)
      let rsync = runAs(facts.account, trusting: [configPath, parsed.rsync])
      facts.rsyncVersion = run(rsync, parsed.rsync, [parsed.rsync, "--version"])
    } else if let parsed {
      for label in labels {
        facts.rsnapshotConfs[label] = readText(parsed.area(label).rsnapshotConf)
      }
      let rsync = runAs(facts.account, trusting: [configPath, parsed.rsync])
      facts.rsyncVersion = run(rsync, parsed.rsync, [parsed.rsync, "--version"])
      let program = parsed.rsnapshot
      facts.rsnapshotVersion = run(
        runAs(facts.account, trusting: [configPath, program]), program, [program, "version"])
      for label in labels where DoctorChecks.mayRunConfigtest(facts, parsed, label) {
        let area = parsed.area(label)
        facts.configtests[label] = runConfigtest(
          parsed, area,
          as: runAs(facts.account, trusting: [configPath, program, area.rsnapshotConf]))
      }
    }
    if let found = facts.account { facts.shellRun = runShell(found) }
    if let found = facts.account, Identity.isRoot {
      facts.passwordLocked = BackupAccount.passwordLocked(found.name)
    }
    // As the gate looks itself up: by uid, in /etc/passwd alone.
    if let found = facts.account {
      facts.accountIsLocal = Accounts.lookUpInPasswdFile(uid: found.uid) != nil
    }
    if case .parsed(let parsed) = facts.settings, let found = facts.account,
      let root = try? FileStatus.of(parsed.root)
    {
      facts.rootGroupOthers = Accounts.members(ofGroup: root.gid).filter { $0 != found.name }
      facts.rootGroupName = Accounts.groupName(of: root.gid) ?? String(root.gid)
      do {
        let acl = try AccessACL.of(parsed.root)
        facts.rootACLWriters = (acl?.namedWriters ?? []).map { entry in
          entry.tag == .user
            ? "u:" + (Accounts.lookUp(uid: entry.id)?.name ?? String(entry.id))
            : "g:" + (Accounts.groupName(of: entry.id) ?? String(entry.id))
        }
      } catch {
        facts.rootACLWriters = nil  // not read: rootgroup then says nothing of ACLs
      }
    }
    facts.sshdRun = runSshd(sshd, config: facts.sshdConfig, account: facts.account)
    return facts
  }

  /// Who runs a program that the files `trusting` (the program, the settings naming it, what it
  /// reads) decide.
  ///
  /// Not as root: doctor's own user. As root with a known account that is not root: the account.
  /// Otherwise root, and only when every one of the files is root's alone (``RootOnly``); else
  /// nobody, and why.
  enum Runner {
    /// Doctor's own user.
    case me
    /// The backup account.
    case account(DoctorAccount)
    /// Nobody: what was found, and the fix.
    case withheld(String, fix: String)
  }

  /// Chooses the ``Runner`` (see there).
  static func runAs(_ account: DoctorAccount?, trusting files: [String]) -> Runner {
    guard Identity.isRoot else { return .me }
    if let account, account.uid != 0 { return .account(account) }
    for file in files {
      if let hazard = RootOnly.hazard(file) { return .withheld(hazard.found, fix: hazard.fix) }
    }
    return .me
  }

  /// Runs the program as `runner` says.
  static func run(
    _ runner: Runner, _ path: String, _ arguments: [String],
    environment: [String] = ["PATH=/usr/bin:/bin", "LC_ALL=C"], directory: String = "/"
  ) -> DoctorRun {
    switch runner {
    case .me:
      return DoctorRunner.run(path, arguments, environment: environment, directory: directory)
    case .account(let account):
      return DoctorRunner.run(
        path, arguments, environment: environment, directory: directory, as: account)
    case .withheld(let found, let fix):
      return .withheld(found, fix: fix)
    }
  }

  /// The owner of the first area's state/ (the account pushgate-serve runs as), if any.
  static func areaOwner(_ settings: Settings, _ entries: Result<[String], DoctorReadError>?)
    -> String?
  {
    guard case .success(let names) = entries else { return nil }
    return names.lazy.filter(Gate.isKeyLabel).compactMap { AreaFiles.stateOwner(settings.area($0)) }
      .first.map(userName)
  }

  /// The names in `directory` but `.` and `..`, sorted as bytes (Directory.names).
  static func list(_ directory: String) -> Result<[String], DoctorReadError> {
    do {
      return .success(try Directory.names(directory))
    } catch {
      return .failure(DoctorReadError(error.reason))
    }
  }

  /// `rsnapshot -c AREA/rsnapshot.conf configtest` in the area, as pushgate-serve and rotate
  /// run rsnapshot: as the account when root runs it for a non-root account.
  static func runConfigtest(_ settings: Settings, _ area: Area, as runner: Runner) -> DoctorRun {
    let command = [settings.rsnapshot, "-c", area.rsnapshotConf, "configtest"]
    return run(
      runner, command[0], command, environment: ["PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL=C"],
      directory: area.directory)
  }

  /// `SHELL -c true` as the account, with what sshd would put in the environment (bash
  /// sources ~/.bashrc when `SSH_CLIENT` is set), in its home directory, in a session of its
  /// own without a terminal.
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
    let home = (try? FileStatus.following(account.home))?.kind == .directory ? account.home : "/"
    let command = [shell, "-c", "true"]
    guard Identity.userId == account.uid || Identity.isRoot else {
      return .notRun(
        "doctor runs as \(userName(Identity.userId)), neither root nor \(account.name)")
    }
    let runner: Runner = Identity.userId == account.uid ? .me : .account(account)
    return run(runner, shell, command, environment: environment, directory: home)
  }

  /// `sshd -T` (with `-f config` when given) for a connection of the account (so `Match User`
  /// blocks apply); root only.
  ///
  /// sshd is root's program, named on root's command line.
  static func runSshd(_ sshd: String, config: String?, account: DoctorAccount?) -> DoctorRun {
    guard Executable.problem(sshd) == nil else { return .notRun("\(sshd) is not installed") }
    guard Identity.isRoot else { return .notRun("'sshd -T' needs root") }
    var arguments = [sshd, "-T"]
    if let config { arguments += ["-f", config] }
    if let account { arguments += ["-C", "user=\(account.name),host=localhost,addr=127.0.0.1"] }
    return DoctorRunner.run(sshd, arguments)
  }

  /// The settings file read without following a symlink (TrustedFile.read), then parsed.
  static func readSettings(_ path: String) -> DoctorSettings {
    let bytes: [UInt8]
    do {
      bytes = try TrustedFile.read(path, limit: SettingsParser.maximumSize, requiringRegular: false)
    } catch {
      return .unreadable(error.reason)
    }
    do {
      return .parsed(try SettingsParser.parse(bytes, file: path))
    } catch {
      return .invalid(error.description)
    }
  }

  /// A configuration file's text (a regular file, at most 1 MiB).
  ///
  /// A symbolic link is not followed (O_NOFOLLOW): the account could point one at a file of root's,
  /// which doctor would then read and quote as root.
  static func readText(_ path: String) -> Result<String, DoctorReadError> {
    do {
      return .success(String(decoding: try TrustedFile.read(path, limit: 1 << 20), as: UTF8.self))
    } catch {
      return .failure(
        error.isSymlink
          ? DoctorReadError("a symbolic link, which doctor does not follow")
          : DoctorReadError(error.reason, isMissing: error.isNotFound))
    }
  }

  /// logrotate's configuration: `main`, then every file its `include` lines name (a
  /// directory's regular files in name order, skipping the names logrotate itself skips),
  /// each read as ``readText(_:)`` does; `nil` when `main` cannot be read.
  static func logrotateFiles(_ main: String) -> [LogrotateFile]? {
    guard case .success(let text) = readText(main) else { return nil }
    var files = [LogrotateFile(path: main, text: text)]
    let included = text.split(separator: "\n").compactMap { line -> String? in
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      return words.count == 2 && words[0] == "include" ? String(words[1]) : nil
    }
    let skipped = [
      ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".ucf-old", ".ucf-dist", ".ucf-new", "~", ".disabled",
      ".swp",
    ]
    for path in included {
      let names: [String]
      if case .success(let entries) = list(path) {
        names = entries.filter { name in !skipped.contains(where: { name.hasSuffix($0) }) }
          .map { path + "/" + $0 }
      } else {
        names = [path]
      }
      for name in names {
        if case .success(let text) = readText(name) {
          files.append(LogrotateFile(path: name, text: text))
        }
      }
    }
    return files
  }

  /// What lstat(2) says about `path` (FileStatus.of).
  static func inspect(_ path: String) -> DoctorFile {
    let status: FileStatus
    do {
      status = try FileStatus.of(path)
    } catch {
      return error.isNotFound || error.isNotDirectory
        ? .missing : DoctorFile(.unknown(error.reason))
    }
    let kind: DoctorFile.Kind =
      switch status.kind {
      case .symlink: .symlink
      case .regular: .regular
      case .directory: .directory
      case .other: .other
      }
    return DoctorFile(
      kind, uid: status.uid, gid: status.gid, mode: status.mode, owner: userName(status.uid))
  }

  /// The account, with its groups, from the password and group databases (Accounts).
  static func lookUp(_ name: String) -> DoctorAccount? {
    guard let account = Accounts.lookUp(name: name) else { return nil }
    return DoctorAccount(
      name: name, uid: account.uid, gid: account.gid, groups: Accounts.groups(of: account),
      home: account.home, shell: account.shell)
  }

  /// The login name of `uid`, or the number.
  static func userName(_ uid: UInt32) -> String {
    Accounts.name(of: uid) ?? String(uid)
  }

  /// The owner of an existing path.
  static func owner(of path: String) -> String? {
    (try? FileStatus.of(path)).map { userName($0.uid) }
  }

  /// `path` made absolute against the working directory.
  static func absolute(_ path: String) -> String {
    guard !path.hasPrefix("/"), let directory = Directory.current() else { return path }
    return directory + "/" + path
  }
}
