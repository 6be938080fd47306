// doctor's rsnapshot checks: the program, and each area's rsnapshot.conf (configtest, the
// backup point, snapshot_root, sync_first, no lockfile and the levels).
//
// rsnapshot runs commands a configuration names (include_conf with backquotes runs even
// during configtest), so doctor runs configtest only on a file that no other account can
// change: the file, the area's directory, ROOT/keys and ROOT must belong to root or to the
// user doctor runs as, and none may be writable by group or others (a sticky directory may,
// when the entry below it is root's or doctor's own).
import PushgateCore

extension DoctorChecks {
  /// The fields after the first of every rsnapshot.conf line starting with `name` (fields are
  /// separated by one or more TABs, as rsnapshot splits them).
  public static func rsnapshotValues(_ text: String, _ name: String) -> [[String]] {
    rsnapshotLines(text).filter { $0.first == name }.map { Array($0.dropFirst()) }
  }

  /// The fields of every line that is not a comment.
  static func rsnapshotLines(_ text: String) -> [[String]] {
    text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" }.compactMap { line in
      line.hasPrefix("#") ? nil : line.split(separator: "\t").map(String.init)
    }
  }

  /// rsnapshot runs and tells its version.
  static func rsnapshot(_ facts: DoctorFacts, _ settings: Settings) -> DoctorResult {
    program(
      facts.rsnapshotVersion, name: "rsnapshot", command: "\(settings.rsnapshot) version",
      fix: "apt-get install rsnapshot, or set 'rsnapshot' in \(facts.configPath)")
  }

  /// Whether doctor may run `rsnapshot configtest` on the area's rsnapshot.conf: a regular
  /// file that no account but root and doctor's own user can change -- or, when doctor runs
  /// as root and runs configtest as the (non-root) account, the account too.
  public static func mayRunConfigtest(_ facts: DoctorFacts, _ settings: Settings, _ label: String)
    -> Bool
  {
    let area = settings.area(label)
    let runner = runsAsAccount(facts) ? facts.account?.uid ?? facts.userId : facts.userId
    return facts.file(area.rsnapshotConf).kind == .regular
      && configtestHazard(
        area, settings: settings, userId: facts.userId, also: runner, tool: "doctor",
        inspect: facts.file) == nil
  }

  /// Whether doctor, as root, runs what the account controls as the account (a known account
  /// that is not root).
  public static func runsAsAccount(_ facts: DoctorFacts) -> Bool {
    facts.runsAsRoot && (facts.account.map { $0.uid != 0 } ?? false)
  }

  /// What lets another account change the area's rsnapshot.conf before rsnapshot reads it,
  /// and the fix; `nil` when nothing does.
  static func configtestHazard(_ facts: DoctorFacts, _ settings: Settings, _ area: Area)
    -> (found: String, fix: String)?
  {
    configtestHazard(
      area, settings: settings, userId: facts.userId, tool: "doctor", inspect: facts.file)
  }

  /// What lets an account other than root and `userId` change the area's rsnapshot.conf (the file,
  /// or a directory on its path up to ROOT) before rsnapshot reads it, and the fix; `nil` when
  /// nothing does.
  ///
  /// `inspect` describes a path as lstat(2) sees it; `tool` is the command the fix may tell to run
  /// as the file's owner instead.
  public static func configtestHazard(
    _ area: Area, settings: Settings, userId: UInt32, also runner: UInt32? = nil, tool: String,
    inspect: (String) -> DoctorFile
  ) -> (found: String, fix: String)? {
    let trusted: Set<UInt32> = [0, userId, runner ?? userId]
    let conf = area.rsnapshotConf
    let file = inspect(conf)
    if !trusted.contains(file.uid) {
      return (
        "\(conf) is owned by \(file.owner)",
        "chown root:root \(conf) && chmod 0644 \(conf), or run \(tool) as \(file.owner)"
      )
    }
    if file.mode & 0o022 != 0 {
      return ("\(conf) has mode \(file.octalMode)", "chmod go-w \(conf)")
    }
    var child = file
    for path in [area.directory, settings.keysDirectory, settings.root] {
      let directory = inspect(path)
      switch directory.kind {
      case .directory: break
      case .unknown(let reason): return ("cannot inspect \(path): \(reason)", "run doctor as root")
      case .symlink:
        return ("\(path) is a symbolic link", "put the directory it points to at \(path)")
      default: return ("\(path) is not a directory", "make \(path) a directory of root")
      }
      if !trusted.contains(directory.uid) {
        return ("\(path) is owned by \(directory.owner)", "chown root:root \(path)")
      }
      let guarded = directory.mode & 0o1000 != 0 && trusted.contains(child.uid)
      if directory.mode & 0o022 != 0 && !guarded {
        return ("\(path) has mode \(directory.octalMode)", "chmod go-w \(path)")
      }
      child = directory
    }
    return nil
  }

  /// One area's rsnapshot.conf: a regular file, configtest passes (or why it was not run),
  /// and it snapshots the area's incoming/ into the area's snapshots/ with the settings'
  /// levels, syncs first and has no lockfile.
  static func areaRsnapshot(_ facts: DoctorFacts, _ settings: Settings, _ area: Area)
    -> [DoctorResult]
  {
    let conf = area.rsnapshotConf
    let file = facts.file(conf)
    let authorize = authorizeCommand(facts, label: area.label, replacing: true)
    switch file.kind {
    case .regular: break
    case .missing:
      return [
        DoctorResult(
          .fail, "areas", "\(conf) does not exist -- no snapshot of the area would be taken",
          fix: authorize)
      ]
    case .unknown(let reason):
      return [
        DoctorResult(.warn, "areas", "cannot inspect \(conf): \(reason)", fix: "run doctor as root")
      ]
    case .symlink, .directory, .other:
      let kind = file.kind == .symlink ? "a symbolic link" : "not a regular file"
      return [
        DoctorResult(.fail, "areas", "\(conf) is \(kind)", fix: "rm \(conf), then \(authorize)")
      ]
    }
    var results: [DoctorResult] = []
    if let hazard = configtestHazard(facts, settings, area) {
      guard let account = facts.account, mayRunConfigtest(facts, settings, area.label) else {
        results.append(
          DoctorResult(
            .fail, "areas",
            "configtest not run as \(facts.userName): \(hazard.found), so another account can change what rsnapshot reads",
            fix: hazard.fix))
        return results + rsnapshotText(facts, settings, area)
      }
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(hazard.found), so the backup account can change what rsnapshot reads (configtest ran as \(account.name), not as root)",
          fix: hazard.fix))
      if let problem = configtest(facts, settings, area) { results.append(problem) }
    } else if let problem = configtest(facts, settings, area) {
      results.append(problem)
    }
    return results + rsnapshotText(facts, settings, area)
  }

  /// The area's rsnapshot.conf as read: its settings, or why it could not be read.
  private static func rsnapshotText(_ facts: DoctorFacts, _ settings: Settings, _ area: Area)
    -> [DoctorResult]
  {
    let conf = area.rsnapshotConf
    switch facts.rsnapshotConfs[area.label] ?? .failure(DoctorReadError("not read")) {
    case .success(let text):
      return rsnapshotSettings(facts, settings, area, text)
    case .failure(let error):
      let mustRead = facts.runsAsRoot || facts.userId == facts.account?.uid
      return [
        DoctorResult(
          mustRead ? .fail : .warn, "areas", "cannot read \(conf): \(error.reason)",
          fix: mustRead ? "chmod 0644 \(conf)" : "run doctor as root")
      ]
    }
  }

  /// What `rsnapshot configtest` said, when it is a problem.
  private static func configtest(_ facts: DoctorFacts, _ settings: Settings, _ area: Area)
    -> DoctorResult?
  {
    let test = "\(settings.rsnapshot) -c \(area.rsnapshotConf) configtest"
    switch facts.configtests[area.label] ?? .notRun("not run") {
    case .ran(0, let stdout, _) where stdout.contains("Syntax OK"):
      return nil
    case .ran(let status, let stdout, let stderr):
      let said = rsnapshotError(stdout + "\n" + stderr).map { ": " + $0 } ?? ""
      return DoctorResult(
        .fail, "areas",
        "'\(test)' fails with status \(status)\(said) -- no snapshot of the area would be taken",
        fix: "correct \(area.rsnapshotConf) (fields are separated by TABs)")
    case .timedOut(let seconds):
      return DoctorResult(
        .fail, "areas", "'\(test)' did not finish in \(seconds) s", fix: "run it by hand")
    case .notRun(let reason):
      return DoctorResult(
        .warn, "areas", "'\(test)' not run: \(reason)",
        fix: "run it by hand as \(facts.account?.name ?? facts.accountName)")
    case .withheld(let found, let fix):
      return DoctorResult(
        .warn, "areas", "'\(test)' not run as root: \(found) -- another account controls it",
        fix: fix)
    }
  }

  /// The gist of rsnapshot's complaint: its first `ERROR:` line (with the next one when it
  /// ends in `:`, as in `ERROR: FILE on line 14:` `ERROR: retain daily 7`), else its first
  /// line that is not a rule of dashes.
  public static func rsnapshotError(_ output: String) -> String? {
    let lines = output.split(separator: "\n").map { trimmed(String($0)) }
    let errors = lines.filter { $0.hasPrefix("ERROR: ") }
    guard let first = errors.first else {
      return lines.first { !$0.isEmpty && !$0.allSatisfy { $0 == "-" } }
    }
    guard first.hasSuffix(":"), errors.count > 1 else { return first }
    return first + " " + errors[1].dropFirst("ERROR: ".count)
  }

  private static func trimmed(_ text: String) -> String {
    var text = Substring(text)
    while text.last == " " || text.last == "\t" || text.last == "\r" { text.removeLast() }
    return String(text)
  }

  /// The lines pushgate depends on: snapshot_root, backup, sync_first, no lockfile and the
  /// levels.
  private static func rsnapshotSettings(
    _ facts: DoctorFacts, _ settings: Settings, _ area: Area, _ text: String
  ) -> [DoctorResult] {
    let conf = area.rsnapshotConf
    var results: [DoctorResult] = []
    if let root = rsnapshotValues(text, "snapshot_root").last?.first,
      trimSlash(root) != area.snapshots
    {
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(conf) keeps snapshots in \(root), not \(area.snapshots)/ -- the area's history would be elsewhere",
          fix: "set 'snapshot_root<TAB>\(area.snapshots)/'"))
    }
    let sources = rsnapshotValues(text, "backup").compactMap(\.first)
    if !sources.contains(where: { trimSlash($0) == area.incoming }) {
      let found =
        sources.isEmpty ? "no backup point" : "backup points " + sources.joined(separator: ", ")
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(conf) has \(found), not \(area.incoming)/ -- snapshots would not hold the pushes",
          fix: "set 'backup<TAB>\(area.incoming)/<TAB>./'"))
    }
    if rsnapshotValues(text, "sync_first").last?.first != "1" {
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(conf) does not set sync_first 1 -- pushgate-serve runs 'rsnapshot sync' and then the first level, which fails without it",
          fix: "add the line 'sync_first<TAB>1' to \(conf)"))
    }
    let longArguments = rsnapshotValues(text, "rsync_long_args").last ?? []
    if !longArguments.joined(separator: " ").split(separator: " ").contains("--modify-window=-1") {
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(conf) does not pass --modify-window=-1 to rsync -- a file rewritten at the same size within the same second would keep its old content in the next snapshot",
          fix:
            "set 'rsync_long_args<TAB>--delete --numeric-ids --delete-excluded --modify-window=-1' in \(conf)"
        ))
    }
    if let lock = rsnapshotValues(text, "lockfile").last?.first {
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(conf) sets lockfile \(lock) -- a pid file left by a killed rsnapshot fails the area's next snapshot; the area's lock already keeps runs apart",
          fix: "delete the 'lockfile' line from \(conf)"))
    }
    // rsnapshot 1.4 still reads the old name 'interval' as 'retain'.
    let levels = rsnapshotLines(text).filter { ["retain", "interval"].contains($0.first) }
      .compactMap { $0.dropFirst().first }
    let wanted = settings.retain.map(\.name)
    if !levels.isEmpty && levels != wanted {
      let names = wanted.joined(separator: ", ")
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(conf) has the levels \(levels.joined(separator: ", ")), not \(names) of \(facts.configPath) -- pushes and 'pushgate rotate' run those",
          fix: "give it one retain line for each of \(names), in this order"))
    }
    return results
  }
}
