// Creating a key's area for `pushgate authorize`: the steps of SetupPlan(area:), then
// rsnapshot's own check of the area's configuration, run as the area's account and only on
// a file the account cannot change.
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// Makes a key's area as the core plans it.
enum AreaSetup {
  /// Creates what is missing of `area`, owned by `account` (default: the running user);
  /// keeps what exists, data included, and says so; then runs `rsnapshot configtest` on the
  /// area's rsnapshot.conf.
  static func create(_ area: Area, settings: Settings, account name: String?)
    throws(AuthorizeFailure)
  {
    let owner: SetupAccount
    do {
      owner = try InitSystem.account(name).0
      if settings.snapshots == .btrfs { try Init.requireBtrfs(settings.root) }
      let runsAsRoot = Identity.isRoot
      if !runsAsRoot && owner.uid != Identity.userId {
        throw InitFailure(
          message: "cannot give an area to '\(owner.name)' without root\n"
            + "hint: run 'pushgate authorize' as root", status: ExitStatus.usage)
      }
      let steps = SetupPlan(area: area, settings: settings, account: owner, runsAsRoot: runsAsRoot)
        .steps
      let (_, kept) = try SetupRunner(force: false).applyAll(steps)
      for path in kept {
        AuthorizeFailure.warn("kept '\(path)': it differs from what authorize writes")
      }
    } catch let failure as InitFailure {
      throw AuthorizeFailure(failure.message, status: failure.status)
    } catch {
      throw AuthorizeFailure("\(error)", status: ExitStatus.software)
    }
    guard settings.snapshots == .rsnapshot else { return }
    // rsnapshot reads the file (and configtest any file it includes): only one that no other
    // account can change, on a path of directories no other account can change, is checked,
    // and it is checked as the area's account, as the gate and rotate run rsnapshot.
    if let hazard = DoctorChecks.configtestHazard(
      area, settings: settings, userId: Identity.userId, tool: "authorize",
      inspect: DoctorGather.inspect)
    {
      throw AuthorizeFailure(
        "refusing to check or use the area: \(LogRow.visible(hazard.found))\nhint: \(hazard.fix)",
        status: ExitStatus.osError)
    }
    let test: (status: Int32, output: String)
    let runner = DoctorGather.runAs(
      DoctorGather.lookUp(owner.name), trusting: [settings.rsnapshot, area.rsnapshotConf])
    switch DoctorGather.runConfigtest(settings, area, as: runner) {
    case .ran(let status, let stdout, let stderr): test = (status, stdout + stderr)
    case .timedOut(let seconds):
      throw AuthorizeFailure(
        "rsnapshot configtest of '\(area.rsnapshotConf)' did not finish in \(seconds) s",
        status: ExitStatus.osError)
    case .notRun(let reason):
      throw AuthorizeFailure(
        "cannot run rsnapshot configtest on '\(area.rsnapshotConf)': \(reason)",
        status: ExitStatus.osError)
    case .withheld(let found, let fix):
      throw AuthorizeFailure(
        "refusing to run rsnapshot configtest as root: \(LogRow.visible(found))\nhint: \(fix)",
        status: ExitStatus.osError)
    }
    let lines = test.output.split(separator: "\n").map { LogRow.visible(String($0)) }
    guard test.status == 0, lines.contains("Syntax OK") else {
      let said = lines.filter { !$0.allSatisfy({ $0 == "-" }) }.map { "  " + $0 }
      throw AuthorizeFailure(
        (["rsnapshot configtest rejects '\(area.rsnapshotConf)' (exit status \(test.status)):"]
          + said).joined(separator: "\n"), status: ExitStatus.settings)
    }
    print("checked    \(area.rsnapshotConf) (rsnapshot configtest: Syntax OK)")
  }
}
