// doctor's rsnapshot checks: the program, `configtest`, the backup point and the lockfile.

extension DoctorChecks {
  /// The fields after `name` of every rsnapshot.conf line starting with `name` (fields are
  /// separated by one or more TABs, as rsnapshot splits them).
  public static func rsnapshotValues(_ text: String, _ name: String) -> [[String]] {
    text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" }.compactMap { line in
      guard !line.hasPrefix("#") else { return nil }
      let fields = line.split(separator: "\t").map(String.init)
      return fields.first == name ? Array(fields.dropFirst()) : nil
    }
  }

  /// rsnapshot runs, `configtest` passes, a backup point is the push module's path, and the
  /// lockfile can be written by the account.
  static func rsnapshot(_ facts: DoctorFacts, _ settings: Settings) -> [DoctorResult] {
    let program = settings.snapshot[0]
    guard let config = rsnapshotConfig(settings.snapshot) else {
      let file = facts.file(program)
      if !file.isExecutable {
        return [
          DoctorResult(
            .fail, "snapshot", "the snapshot command \(program) is not an executable file",
            fix: "install it, or set 'snapshot' in \(facts.configPath)")
        ]
      }
      return [
        DoctorResult(
          .warn, "snapshot",
          "the snapshot command \(program) is not rsnapshot; its configuration is not checked",
          fix: "check it by hand")
      ]
    }
    var results = [
      DoctorChecks.program(
        facts.rsnapshotVersion, name: "rsnapshot", command: "\(program) version",
        fix: "apt-get install rsnapshot, or set 'snapshot' in \(facts.configPath)")
    ]
    let test = "\(program) -c \(config) configtest"
    switch facts.configtest {
    case .ran(0, let stdout, _) where stdout.contains("Syntax OK"):
      results.append(DoctorResult(.ok, "rsnapshot", "'\(test)': Syntax OK"))
    case .ran(let status, let stdout, let stderr):
      let said =
        (stdout + "\n" + stderr).split(separator: "\n").first { line in
          !line.allSatisfy { $0 == "-" || $0 == " " }
        }.map { ": " + $0 } ?? ""
      results.append(
        DoctorResult(
          .fail, "rsnapshot",
          "'\(test)' fails with status \(status)\(said) -- no snapshot would be taken",
          fix: "correct \(config) (fields are separated by TABs)"))
    case .timedOut(let seconds):
      results.append(
        DoctorResult(
          .fail, "rsnapshot", "'\(test)' did not finish in \(seconds) s", fix: "run it by hand"))
    case .notRun(let reason):
      results.append(
        DoctorResult(
          .fail, "rsnapshot", "cannot run '\(test)': \(reason)", fix: "install rsnapshot"))
    }
    guard case .success(let text) = facts.rsnapshotConf else {
      if case .failure(let error) = facts.rsnapshotConf {
        results.append(
          DoctorResult(
            .fail, "rsnapshot", "cannot read \(config): \(error.reason)",
            fix: "run 'pushgate init \(settings.root)'"))
      }
      return results
    }
    results.append(backupPoint(facts, settings, config, text))
    results.append(lockfile(facts, config, text))
    return results
  }

  /// One `backup` line takes the push module's path.
  private static func backupPoint(
    _ facts: DoctorFacts, _ settings: Settings, _ config: String, _ text: String
  )
    -> DoctorResult
  {
    guard case .success(let rsyncd) = facts.rsyncdConf,
      let module = RsyncdConf.parse(rsyncd).module(settings.pushModule),
      let path = module.parameter("path").map({ trimSlash($0.value) })
    else {
      return DoctorResult(
        .warn, "rsnapshot", "backup point not checked: the push module's path is unknown",
        fix: "fix the rsyncd lines first")
    }
    let sources = rsnapshotValues(text, "backup").compactMap(\.first)
    if sources.contains(where: { trimSlash($0) == path }) {
      return DoctorResult(.ok, "rsnapshot", "\(config) backs up \(path)/, the push module's path")
    }
    let found =
      sources.isEmpty ? "no backup point" : "backup points " + sources.joined(separator: ", ")
    return DoctorResult(
      .fail, "rsnapshot",
      "\(config) has \(found), not the push module's path \(path)/ -- snapshots would not hold the pushes",
      fix: "set 'backup<TAB>\(path)/<TAB>./'")
  }

  /// rsnapshot's lockfile is set and the account can create and remove it.
  private static func lockfile(_ facts: DoctorFacts, _ config: String, _ text: String)
    -> DoctorResult
  {
    guard let lock = rsnapshotValues(text, "lockfile").last?.first else {
      return DoctorResult(
        .warn, "rsnapshot",
        "\(config) sets no lockfile -- a cron run could overlap a push's snapshot",
        fix: "set 'lockfile<TAB>ROOT/rsnapshot.pid'")
    }
    guard let account = facts.account else {
      return DoctorResult(
        .warn, "rsnapshot", "lockfile \(lock) not checked: unknown account", fix: "pass --account")
    }
    let file = facts.file(lock)
    if file.kind == .symlink {
      return DoctorResult(
        .fail, "rsnapshot", "lockfile \(lock) is a symbolic link", fix: "rm \(lock)")
    }
    // rsnapshot creates the lockfile and removes it at the end: it needs the directory.
    guard facts.file(parent(lock)).kind == .directory,
      facts.file(parent(lock)).isWritable(by: account)
    else {
      return DoctorResult(
        .fail, "rsnapshot",
        "lockfile \(lock) cannot be created by \(account.name) -- every snapshot would fail",
        fix: "set 'lockfile<TAB>' to a path in a directory \(account.name) can write")
    }
    return DoctorResult(.ok, "rsnapshot", "lockfile \(lock) can be created by \(account.name)")
  }
}
