// Creating a key's area for `pushgate authorize`: the steps of SetupPlan(area:), then
// rsnapshot's own check of the area's configuration.
import Glibc
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
    do {
      let (owner, _) = try InitSystem.account(name)
      let runsAsRoot = geteuid() == 0
      if !runsAsRoot && owner.uid != geteuid() {
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
    let test: (status: Int32, output: String)
    do {
      test = try InitSystem.configtest(rsnapshot: settings.rsnapshot, config: area.rsnapshotConf)
    } catch {
      throw AuthorizeFailure(error.message, status: error.status)
    }
    let lines = test.output.split(separator: "\n").map(String.init)
    guard test.status == 0, lines.contains("Syntax OK") else {
      let said = lines.filter { !$0.allSatisfy({ $0 == "-" }) }.map { "  " + $0 }
      throw AuthorizeFailure(
        (["rsnapshot configtest rejects '\(area.rsnapshotConf)' (exit status \(test.status)):"]
          + said).joined(separator: "\n"), status: ExitStatus.settings)
    }
    print("checked    \(area.rsnapshotConf) (rsnapshot configtest: Syntax OK)")
  }
}
