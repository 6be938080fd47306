// pushgate init: creates a working backup root in one command, and says so when it is
// already there. The core plans; this file looks up the system, applies and reports.
import ArgumentParser
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// `pushgate init ROOT`: keys/, rsyncd.conf, pushgate.conf.
///
/// Each key's area comes with `pushgate authorize`.
///
/// Exit statuses: 0 everything is as planned; 1 some path differs and was kept (rerun with
/// --force); 64 usage; 71 operating-system error or a symlink in the way.
struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a backup root.",
    discussion: """
      Creates ROOT, ROOT/keys, ROOT/rsyncd.conf and ROOT/pushgate.conf, and prints how to \
      authorize each client key (which creates the key's own area under ROOT/keys), the \
      client's rsync command, the cron lines of 'pushgate rotate' and the audit log's \
      logrotate stanza; with --system-files (as root) it writes those into \
      /etc/cron.d/pushgate-NAME and /etc/logrotate.d/pushgate-NAME, NAME from ROOT's path \
      (/backup: pushgate-backup). A rerun changes nothing; a file that differs from what \
      init writes is kept unless --force is given.
      """)

  @Argument(help: "The backup root, an absolute path such as /backup.")
  var root: String

  @Option(
    help: ArgumentHelp(
      "The account that owns the root and runs pushgate-serve (default: you).", valueName: "user"))
  var account: String?

  @Option(
    help: ArgumentHelp(
      "The rsnapshot level each push that changes its area triggers.", valueName: "level"))
  var interval = "hourly"

  @Option(
    help: ArgumentHelp(
      "A level and how many snapshots it keeps; repeat, lowest first "
        + "(default: hourly=24 daily=7 weekly=4).", valueName: "level=count"))
  var retain: [String] = []

  @Option(
    help: ArgumentHelp(
      "How snapshots are taken: rsnapshot (hard-linked copies) or btrfs (read-only subvolume "
        + "snapshots; ROOT must be on btrfs).", valueName: "engine"))
  var snapshots = SnapshotEngine.rsnapshot

  @Flag(help: "Add a read-only 'snapshots' module for restores.")
  var restore = false

  @Flag(help: "Replace files, modes and owners that differ from what init would write.")
  var force = false

  @Flag(
    help: ArgumentHelp(
      "Also write the cron.d and logrotate.d files printed below (root only).",
      discussion: "As /etc/cron.d/pushgate-NAME and /etc/logrotate.d/pushgate-NAME."))
  var systemFiles = false

  @Option(
    help: ArgumentHelp(
      "With --system-files: the directory holding cron.d/ and logrotate.d/, for tests and "
        + "staging (default: /etc).", valueName: "dir"))
  var etc: String?

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
    let runsAsRoot = Identity.isRoot
    if !runsAsRoot && owner.uid != Identity.userId {
      throw InitFailure(
        message: "cannot give a backup root to '\(owner.name)' without root\n"
          + "hint: run 'pushgate init' as root", status: ExitStatus.usage)
    }
    let request = try SetupRequest(
      root: root, account: owner, runsAsRoot: runsAsRoot, interval: interval, retain: retain,
      restore: restore, snapshots: snapshots)
    let etcDirectory = try SystemFilesSetup.etcDirectory(
      etc, systemFiles: systemFiles, runsAsRoot: runsAsRoot)
    if snapshots == .btrfs { try Self.requireBtrfs(root) }
    let instructions = try SetupInstructions(
      request: request, admin: SelfPath.executable(),
      host: host ?? Identity.hostName(), shell: shell)

    let files = etcDirectory.map {
      SystemFiles(request: request, cronLines: instructions.cronLines, etc: $0)
    }
    if let files { try SystemFilesSetup.requireDirectories(files) }

    var (changed, kept) = try SetupRunner(force: force).applyAll(
      SetupPlan(request).steps, keptHint: "; use --force to replace")
    if let files {
      let written = try SetupRunner(force: force).applyAll(
        files.steps, keptHint: "; use --force to replace")
      changed = changed || written.changed
      kept += written.kept
    }

    for line in instructions.lines { print(line) }
    for path in kept {
      report("kept '\(path)': it differs from what init writes; use --force to replace it")
    }
    if !kept.isEmpty { return 1 }
    if !changed { print("nothing to change") }
    return ExitStatus.success
  }

  /// Fails unless `root` (or where it will be made) is on btrfs, saying what to do instead.
  static func requireBtrfs(_ root: String) throws(InitFailure) {
    let found = Btrfs.fileSystem(of: root)
    guard !found.isBtrfs else { return }
    throw InitFailure(
      message: "\(root) is on \(found.name), not btrfs; --snapshots btrfs needs a btrfs file "
        + "system\nhint: mount one there first (mkfs.btrfs DEVICE && mount DEVICE \(root)), or "
        + "use --snapshots rsnapshot", status: ExitStatus.usage)
  }

  private func report(_ message: String, prefix: Bool = true) {
    Terminal.write((prefix ? "pushgate: " : "") + message + "\n", to: .error)
  }
}

extension SnapshotEngine: ExpressibleByArgument {}
