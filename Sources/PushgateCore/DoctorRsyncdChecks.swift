// doctor's rsyncd.conf checks: the push module as rsync will use it under pushgate-serve.

extension DoctorChecks {
  /// The lock file rsync's `max connections` uses for `module`.
  static func rsyncLockFile(_ conf: RsyncdConf, _ module: RsyncdConf.Section) -> String {
    conf.effective("lock file", in: module)?.value ?? "/var/run/rsyncd.lock"
  }

  /// The push module: present, writable and write-only, its path a directory the daemon can
  /// write, `use chroot` possible for the account, no `max connections` on our lock file and
  /// no module hooks that would replace pushgate-serve's.
  static func rsyncd(_ facts: DoctorFacts, _ settings: Settings) -> [DoctorResult] {
    let file = settings.rsyncdConf
    let text: String
    switch facts.rsyncdConf {
    case .success(let read): text = read
    case .failure(let error):
      return [
        DoctorResult(
          .fail, "rsyncd", "cannot read \(file): \(error.reason) -- every session would fail",
          fix: "run 'pushgate init \(settings.root)', or set rsyncd_conf")
      ]
    }
    let conf = RsyncdConf.parse(text)
    var results: [DoctorResult] = conf.directives.map {
      DoctorResult(
        .warn, "rsyncd",
        "\(file):\($0.line): '\($0.name)' is not followed; what it adds is not checked",
        fix: "check the included file by hand")
    }
    let name = settings.pushModule
    guard let module = conf.module(name) else {
      return results + [
        DoctorResult(
          .fail, "rsyncd", "\(file) has no [\(name)] module -- every push would fail",
          fix: "add it (see 'pushgate init'), or set push_module in \(facts.configPath)")
      ]
    }
    let value = { (parameter: String) in conf.effective(parameter, in: module)?.value }
    let flag = { (parameter: String, byDefault: Bool) in
      value(parameter).flatMap(RsyncdConf.bool) ?? byDefault
    }
    let fail = { (found: String, fix: String) in
      results.append(DoctorResult(.fail, "rsyncd", found, fix: fix))
    }
    let warn = { (found: String, fix: String) in
      results.append(DoctorResult(.warn, "rsyncd", found, fix: fix))
    }

    for parameter in conf.global.parameters + module.parameters where parameter.name.contains("_") {
      let spelled = parameter.name.replacingUnderscores()
      warn(
        "\(file):\(parameter.line): rsync ignores '\(parameter.name)' (it does not read '_' as a space)",
        "write '\(spelled)'")
    }
    for hook in ["pre-xfer exec", "post-xfer exec"] {
      if module.parameter(hook) != nil {
        fail(
          "module '\(name)' sets '\(hook)' -- pushgate's hooks would not run and no snapshot would be taken",
          "remove it")
      } else if conf.global.parameter(hook) != nil {
        warn(
          "the global section sets '\(hook)'; pushgate-serve replaces it, so it never runs",
          "remove it")
      }
    }
    if flag("read only", true) {
      fail(
        "module '\(name)' is read only -- every push would fail",
        "set 'read only = no' in [\(name)]")
    }
    if !flag("write only", false) {
      warn(
        "module '\(name)' is not write-only -- clients can download what was pushed",
        "set 'write only = yes' in [\(name)]")
    }
    if let max = value("max connections").flatMap(Int.init), max > 0 {
      let lock = rsyncLockFile(conf, module)
      if lock == settings.lockFile {
        fail(
          "module '\(name)' sets 'max connections' on pushgate's lock file \(lock) -- its locks "
            + "would conflict with pushgate's slots",
          "remove 'max connections' and set max_connections in \(facts.configPath)")
      } else if let account = facts.account,
        !canUse(facts.file(lock), in: facts.file(parent(lock)), account)
      {
        fail(
          "module '\(name)' sets 'max connections' with lock file \(lock), which \(account.name) "
            + "cannot open -- every push would fail",
          "remove 'max connections' and set max_connections in \(facts.configPath)")
      } else {
        warn(
          "module '\(name)' sets 'max connections = \(max)' -- rsync counts connections too",
          "remove it and set max_connections in \(facts.configPath)")
      }
    }
    guard let account = facts.account else {
      warn("module path not checked: unknown account '\(facts.accountName)'", "pass --account")
      return results
    }
    if account.uid != 0 && flag("use chroot", true) {
      fail(
        "'use chroot' is on but \(account.name) is not root -- rsync cannot chroot and every push would fail",
        "set 'use chroot = no'")
    }
    var summary = "module '\(name)' in \(file)"
    if let path = value("path").map(trimSlash) {
      summary += ": path \(path) writable by \(account.name)"
      pathProblem(facts, conf, module, path, account).map { fail($0.0, $0.1) }
    } else {
      fail("module '\(name)' has no path", "set 'path = \(settings.root)/incoming' in [\(name)]")
    }
    if results.isEmpty {
      results.append(DoctorResult(.ok, "rsyncd", summary + ", write-only, no hooks"))
    }
    return results
  }

  /// What is wrong with the module's path for the daemon, if anything: (found, fix).
  private static func pathProblem(
    _ facts: DoctorFacts, _ conf: RsyncdConf, _ module: RsyncdConf.Section, _ path: String,
    _ account: DoctorAccount
  ) -> (String, String)? {
    let name = module.name
    let directory = facts.file(path)
    switch directory.kind {
    case .directory: break
    case .missing:
      return (
        "module '\(name)' path \(path) does not exist -- every push would fail",
        "mkdir \(path) && chown \(account.name) \(path)"
      )
    default:
      return ("module '\(name)' path \(path) is not a directory", "make it a directory")
    }
    if account.uid == 0 {
      // A daemon started as root uses the module as 'nobody' unless uid/gid say otherwise.
      // With a uid other than root, whether it can write the path is not worked out here.
      guard conf.effective("uid", in: module) != nil else {
        return (
          "rsync runs as root and would use module '\(name)' as 'nobody' -- pushes would fail "
            + "with 'Permission denied'", "set 'uid = root' and 'gid = root'"
        )
      }
      return nil
    }
    guard directory.isWritable(by: account) else {
      return (
        "module '\(name)' path \(path) is not writable by \(account.name) "
          + "(owner \(directory.owner), mode \(directory.octalMode))",
        "chown \(account.name) \(path)"
      )
    }
    return nil
  }

  /// Whether the account can open (or create) `file` inside `directory`.
  static func canUse(_ file: DoctorFile, in directory: DoctorFile, _ account: DoctorAccount) -> Bool
  {
    file.kind == .regular ? file.isWritable(by: account) : directory.isWritable(by: account)
  }
}

extension String {
  fileprivate func replacingUnderscores() -> String {
    String(map { $0 == "_" ? " " : $0 })
  }
}
