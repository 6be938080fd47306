// pushgate init: creates a working backup root in one command, and says so when it is
// already there. The core plans; this file looks up the system, applies and reports.
import ArgumentParser
import Glibc
import PushgateCore

/// `pushgate init ROOT`: incoming/, snapshots/, rsyncd.conf, rsnapshot.conf, pushgate.conf.
///
/// Exit statuses: 0 everything is as planned; 1 some path differs and was kept (rerun with
/// --force); 64 usage; 71 operating-system error or a symlink in the way; 78 rsnapshot
/// configtest rejects rsnapshot.conf.
struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a backup root.",
    discussion: """
      Creates ROOT, ROOT/incoming, ROOT/snapshots, ROOT/rsyncd.conf, ROOT/rsnapshot.conf and \
      ROOT/pushgate.conf, checks rsnapshot.conf with 'rsnapshot configtest', and prints the \
      authorized_keys line, the client's rsync command and the cron lines. A rerun changes \
      nothing; a file that differs from what init writes is kept unless --force is given.
      """)

  @Argument(help: "The backup root, an absolute path such as /backup.")
  var root: String

  @Option(
    help: ArgumentHelp(
      "The account that owns the root and runs pushgate-serve (default: you).", valueName: "user"))
  var account: String?

  @Option(
    help: ArgumentHelp("The rsnapshot level each successful push triggers.", valueName: "level"))
  var interval = "hourly"

  @Option(
    help: ArgumentHelp(
      "A level and how many snapshots it keeps; repeat, lowest first "
        + "(default: hourly=24 daily=7 weekly=4).", valueName: "level=count"))
  var retain: [String] = []

  @Flag(help: "Add a read-only 'snapshots' module for restores.")
  var restore = false

  @Flag(help: "Replace files, modes and owners that differ from what init would write.")
  var force = false

  @Option(
    help: ArgumentHelp(
      "pushgate-serve's path in the authorized_keys line (default: next to pushgate).",
      valueName: "path"))
  var serve: String?

  @Option(help: ArgumentHelp("The key label in the authorized_keys line.", valueName: "label"))
  var key = "laptop"

  @Option(
    help: ArgumentHelp(
      "The server's name in the client's command (default: this host's name).",
      valueName: "name"))
  var host: String?

  func run() throws {
    let status: Int32
    do {
      status = try initialize()
    } catch let failure as InitFailure {
      report(failure.message)
      status = failure.status
    } catch let error as SetupError {
      report(error.message)
      status = error.exitStatus
    }
    if status != 0 { throw ExitCode(status) }
  }

  private func initialize() throws -> Int32 {
    let (owner, shell) = try InitSystem.account(account)
    let runsAsRoot = geteuid() == 0
    if !runsAsRoot && owner.uid != geteuid() {
      throw InitFailure(
        message: "cannot give a backup root to '\(owner.name)' without root\n"
          + "hint: run 'pushgate init' as root", status: ExitStatus.usage)
    }
    let request = try SetupRequest(
      root: root, account: owner, runsAsRoot: runsAsRoot, interval: interval, retain: retain,
      restore: restore)
    let instructions = try SetupInstructions(
      request: request, serve: serve ?? InitSystem.defaultServePath() ?? "",
      key: key, host: host ?? InitSystem.hostName(), shell: shell)

    let runner = SetupRunner(force: force)
    var kept: [String] = []
    var changed = false
    for step in SetupPlan(request).steps {
      let outcome = try runner.apply(step)
      switch outcome {
      case .created, .updated:
        changed = true
        print("\(outcome == .created ? "created" : "updated")    \(step.path) (\(step.summary))")
      case .unchanged:
        print("unchanged  \(step.path)")
      case .kept(let how):
        kept.append(step.path)
        print("kept       \(step.path) (\(how); use --force to replace)")
      }
    }

    try checkRsnapshot(request)
    for line in instructions.lines { print(line) }
    if let serve = serve ?? InitSystem.defaultServePath(), access(serve, X_OK) != 0 {
      print("note: '\(serve)' is not an executable file; install pushgate-serve there")
    }
    for path in kept {
      report("kept '\(path)': it differs from what init writes; use --force to replace it")
    }
    if !kept.isEmpty { return 1 }
    if !changed { print("nothing to change") }
    return ExitStatus.success
  }

  /// rsnapshot's own check, on whatever rsnapshot.conf is now on disk (written or kept).
  private func checkRsnapshot(_ request: SetupRequest) throws {
    let rsnapshot = request.settings.snapshot[0]
    let (status, output) = try InitSystem.configtest(
      rsnapshot: rsnapshot, config: request.rsnapshotConf)
    let lines = output.split(separator: "\n").map(String.init)
    guard status == 0, lines.contains("Syntax OK") else {
      report("rsnapshot configtest rejects '\(request.rsnapshotConf)' (exit status \(status)):")
      for line in lines where !line.allSatisfy({ $0 == "-" }) { report("  " + line, prefix: false) }
      throw ExitCode(ExitStatus.settings)
    }
    print("checked    \(request.rsnapshotConf) (rsnapshot configtest: Syntax OK)")
  }

  private func report(_ message: String, prefix: Bool = true) {
    let line = Array(((prefix ? "pushgate: " : "") + message + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
  }
}
