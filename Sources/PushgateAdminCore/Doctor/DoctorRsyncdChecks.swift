// doctor's rsyncd.conf checks: the file as pushgate-serve opens it, every problem of
// RsyncdPolicy (the very function the gate refuses to serve on), and the module settings that
// make pushes fail or let a client do more than push.
import PushgateCore

extension DoctorChecks {
  /// The parameters pushgate-serve sets with `--dparam`; a global value of these is replaced
  /// (seen with rsync 3.5.0: a global `log file` was not written).
  static let replacedGlobals = ["pre-xfer exec", "transfer logging", "log file", "log format"]

  /// The lock file rsync's `max connections` uses for `module`.
  static func rsyncLockFile(_ conf: RsyncdConf, _ module: RsyncdConf.Section) -> String {
    conf.effective("lock file", in: module)?.value ?? "/var/run/rsyncd.lock"
  }

  /// rsyncd.conf: trusted as pushgate-serve requires, free of RsyncdPolicy problems, the push
  /// module writable and write-only, every other module read-only, no `max connections` that
  /// fights pushgate's slots, and a daemon that can use the modules as the account.
  static func rsyncd(_ facts: DoctorFacts, _ settings: Settings) -> [DoctorResult] {
    let file = settings.rsyncdConf
    var results = rsyncdFile(facts, file)
    let text: String
    switch facts.rsyncdConf {
    case .success(let read): text = read
    case .failure(let error):
      return results + [
        DoctorResult(
          .fail, "rsyncd", "cannot read \(file): \(error.reason) -- every session would fail",
          fix: "run 'pushgate init \(settings.root)', or set rsyncd_conf")
      ]
    }
    let conf = RsyncdConf.parse(text)
    let fail = { (found: String, fix: String) in
      results.append(DoctorResult(.fail, "rsyncd", found, fix: fix))
    }
    let warn = { (found: String, fix: String) in
      results.append(DoctorResult(.warn, "rsyncd", found, fix: fix))
    }
    for problem in RsyncdPolicy.problems(conf, settings: settings) {
      fail(
        problem, "correct \(file); until then pushgate-serve refuses every session (rsyncd-conf)")
    }
    let sections = [conf.global] + conf.modules
    for parameter in sections.flatMap(\.parameters) where parameter.name.contains("_") {
      warn(
        "\(file):\(parameter.line): rsync ignores '\(parameter.name)' (it does not read '_' as a space)",
        "write '\(String(parameter.name.map { $0 == "_" ? " " : $0 }))'")
    }
    for name in replacedGlobals {
      if let found = conf.global.parameter(name) {
        warn(
          "\(file):\(found.line): the global section sets '\(name)'; pushgate-serve replaces it with --dparam, so it has no effect",
          "remove it")
      }
    }
    for module in conf.modules {
      results += moduleProblems(facts, settings, conf, module)
    }
    results += daemonProblems(facts, conf)
    if results.isEmpty {
      let others = conf.modules.filter { $0.name != settings.pushModule }.map { "[\($0.name)]" }
      let readOnly = others.isEmpty ? "" : ", " + others.joined(separator: ", ") + " read-only"
      results.append(
        DoctorResult(
          .ok, "rsyncd",
          "\(file): [\(settings.pushModule)] is each key's incoming/, write-only\(readOnly); "
            + "no module hides what rsync did"))
    }
    return results
  }

  /// The file itself, as pushgate-serve opens it: not a symlink, a regular file owned by root
  /// or the account, not writable by others; warnings when its group or the account could
  /// change it.
  private static func rsyncdFile(_ facts: DoctorFacts, _ file: String) -> [DoctorResult] {
    let found = facts.file(file)
    let refused = "-- pushgate-serve refuses it, so every session fails"
    switch found.kind {
    case .regular: break
    case .missing, .unknown: return []  // reading it fails and says why
    case .symlink:
      return [
        DoctorResult(
          .fail, "rsyncd", "\(file) is a symbolic link \(refused)",
          fix: "put the real file at \(file)")
      ]
    case .directory, .other:
      return [DoctorResult(.fail, "rsyncd", "\(file) is not a regular file \(refused)")]
    }
    let account = facts.account
    if found.uid != 0 && found.uid != account?.uid {
      return [
        DoctorResult(
          .fail, "rsyncd", "\(file) is owned by \(found.owner) \(refused)",
          fix: "chown root:root \(file)")
      ]
    }
    if found.mode & 0o002 != 0 {
      return [
        DoctorResult(
          .fail, "rsyncd", "\(file) has mode \(found.octalMode) \(refused)",
          fix: "chmod go-w \(file)")
      ]
    }
    if found.mode & 0o020 != 0 {
      return [
        DoctorResult(
          .warn, "rsyncd",
          "\(file) has mode \(found.octalMode) -- its group can change what clients may do",
          fix: "chmod g-w \(file)")
      ]
    }
    if let account, found.uid == account.uid, account.uid != 0 {
      var rootIsRoots = false
      if case .parsed(let settings) = facts.settings { rootIsRoots = facts.rootIsRoots(settings) }
      return [
        DoctorResult(
          rootIsRoots ? .fail : .warn, "rsyncd",
          "\(file) is owned by \(account.name) -- the backup account could change what its clients may do",
          fix: "chown root:root \(file)")
      ]
    }
    return []
  }

  /// One module: the push module writable and write-only, any other read-only, and no
  /// `max connections` in the way of pushgate's slots.
  private static func moduleProblems(
    _ facts: DoctorFacts, _ settings: Settings, _ conf: RsyncdConf, _ module: RsyncdConf.Section
  ) -> [DoctorResult] {
    var results: [DoctorResult] = []
    let name = module.name
    let flag = { (parameter: String, byDefault: Bool) in
      conf.effective(parameter, in: module).flatMap { RsyncdConf.bool($0.value) } ?? byDefault
    }
    if name == settings.pushModule {
      if flag("read only", true) {
        results.append(
          DoctorResult(
            .fail, "rsyncd", "module '\(name)' is read only -- every push would fail",
            fix: "set 'read only = no' in [\(name)]"))
      }
      if !flag("write only", false) {
        results.append(
          DoctorResult(
            .warn, "rsyncd",
            "module '\(name)' is not write-only -- clients can download what was pushed",
            fix: "set 'write only = yes' in [\(name)]"))
      }
    }
    // Another module that is writable is one of RsyncdPolicy's problems, reported with them.
    guard let max = conf.effective("max connections", in: module).flatMap({ Int($0.value) }),
      max > 0
    else { return results }
    let lock = rsyncLockFile(conf, module)
    let maxFix = "remove 'max connections' and set max_connections in \(facts.configPath)"
    if lock == settings.lockFile {
      results.append(
        DoctorResult(
          .fail, "rsyncd",
          "module '\(name)' sets 'max connections' on pushgate's lock file \(lock) -- its locks "
            + "would conflict with pushgate's slots", fix: maxFix))
    } else if let account = facts.account,
      !canUse(facts.file(lock), in: facts.file(parent(lock)), account)
    {
      results.append(
        DoctorResult(
          .fail, "rsyncd",
          "module '\(name)' sets 'max connections' with lock file \(lock), which \(account.name) "
            + "cannot open -- every session to it would fail", fix: maxFix))
    } else {
      results.append(
        DoctorResult(
          .warn, "rsyncd",
          "module '\(name)' sets 'max connections = \(max)' -- rsync counts connections too",
          fix: "remove it and set max_connections in \(facts.configPath)"))
    }
    return results
  }

  /// What the daemon, running as the account, needs: no chroot for a non-root account; for
  /// root, a `uid` (else rsync uses the modules as 'nobody').
  private static func daemonProblems(_ facts: DoctorFacts, _ conf: RsyncdConf) -> [DoctorResult] {
    guard let account = facts.account else {
      return [
        DoctorResult(
          .warn, "rsyncd",
          "modules not checked for the daemon's user: \(facts.unknownAccount)",
          fix: "pass --account")
      ]
    }
    let listed = { (modules: [RsyncdConf.Section]) in
      (modules.count == 1 ? "module " : "modules ")
        + modules.map { "'\($0.name)'" }.joined(separator: ", ")
    }
    if account.uid != 0 {
      let chrooted = conf.modules.filter {
        conf.effective("use chroot", in: $0).flatMap { RsyncdConf.bool($0.value) } ?? true
      }
      guard !chrooted.isEmpty else { return [] }
      return [
        DoctorResult(
          .fail, "rsyncd",
          "'use chroot' is on for \(listed(chrooted)) but \(account.name) is not root -- "
            + "rsync cannot chroot and every session would fail", fix: "set 'use chroot = no'")
      ]
    }
    // A daemon started as root uses a module as 'nobody' unless uid/gid say otherwise.
    let nobody = conf.modules.filter { conf.effective("uid", in: $0) == nil }
    guard !nobody.isEmpty else { return [] }
    return [
      DoctorResult(
        .fail, "rsyncd",
        "rsync runs as root and would use \(listed(nobody)) as 'nobody' -- sessions "
          + "would fail with 'Permission denied'", fix: "set 'uid = root' and 'gid = root'")
    ]
  }

  /// Whether the account can open (or create) `file` inside `directory`.
  static func canUse(_ file: DoctorFile, in directory: DoctorFile, _ account: DoctorAccount) -> Bool
  {
    file.kind == .regular ? file.isWritable(by: account) : directory.isWritable(by: account)
  }
}
