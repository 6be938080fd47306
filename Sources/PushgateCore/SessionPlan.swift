// What a session will run, as data: checked by tests, printed by `pushgate check`.

/// One program to run: absolute path, full argv, environment built from nothing, working
/// directory.
public struct ProgramRun: Equatable, Sendable {
  /// Absolute path of the program; never looked up in `PATH`.
  public var path: String
  /// The whole argv, `argv[0]` first.
  public var arguments: [String]
  /// `NAME=value` entries; the child's whole environment.
  public var environment: [String]
  /// The working directory.
  public var directory: String

  /// Creates a run description.
  public init(path: String, arguments: [String], environment: [String], directory: String) {
    self.path = path
    self.arguments = arguments
    self.environment = environment
    self.directory = directory
  }
}

/// The exact plan of one allowed session.
public struct SessionPlan: Equatable, Sendable {
  /// The settings the plan was built from.
  public let settings: Settings
  /// The rsync daemon-over-ssh server process.
  public let rsync: ProgramRun
  /// The snapshot's first step: `rsnapshot sync` into snapshot_root/.sync.
  public let snapshotSync: ProgramRun
  /// The snapshot's second step, run only after the sync exited 0: the lowest level, which
  /// renames the finished `.sync` into the history.
  public let snapshot: ProgramRun
  /// The key's area.
  public let area: Area
  /// Where the pre-xfer hook records what the client asked for: the slot's own file
  /// (`ROOT/.pushgate/slot-N`), which only the slot's holder writes or removes.
  public let evidencePath: String
  /// Where rsync writes its transfer log: what it received, changed and deleted.
  public let transferLogPath: String
  /// The random tag of this session's transfer log lines.
  public let transferTag: String

  /// Builds the plan for the session's key (a valid label) in connection slot `slot`; fails
  /// only if our own path cannot be used inside a hook command.
  public init(settings: Settings, context: SessionContext, slot: Int = 0) throws(Failure) {
    guard PathRules.isSafeAbsolute(context.executable) else {
      throw .selfPath(
        detail:
          "pushgate-serve runs from '\(VisibleBytes.render(Array(context.executable.utf8)).text)'; "
          + "install it at a path of letters, digits and / . _ - + , @ :")
    }
    self.settings = settings
    area = settings.area(context.key)
    evidencePath = settings.evidenceDirectory + "/slot-\(slot)"
    transferLogPath = evidencePath + ".transfer"
    transferTag = context.transferTag
    let account = ["HOME=\(context.home)", "USER=\(context.user)", "LOGNAME=\(context.user)"]
    var rsyncEnvironment = ["PATH=/usr/bin:/bin"] + account
    // rsync resolves the peer for 'hosts allow' and exits 10 on sshd -i's "UNKNOWN"
    // (clientname.c); without the variables it serves as for an unknown host.
    if let connection = context.sshConnection, let peer = PeerAddress.parse(connection),
      peer.address != "UNKNOWN"
    {
      rsyncEnvironment.append("SSH_CONNECTION=" + String(decoding: connection, as: UTF8.self))
    }
    if let client = context.sshClient, Self.isSSHClient(client),
      !client.starts(with: "UNKNOWN".utf8)
    {
      rsyncEnvironment.append("SSH_CLIENT=" + String(decoding: client, as: UTF8.self))
    }
    rsyncEnvironment.append("PUSHGATE_SESSION=\(context.session)")
    // rsyncd.conf's module paths name the area as ROOT/keys/%PUSHGATE_KEY%/...
    rsyncEnvironment.append("\(RsyncdPolicy.keyVariable)=\(context.key)")
    var arguments = [settings.rsync, "--server", "--daemon", "--config=\(settings.rsyncdConf)"]
    if settings.ioTimeout > 0 { arguments.append("--dparam=timeout=\(settings.ioTimeout)") }
    arguments += [
      "--dparam=pre-xfer exec=\(context.executable) --hook pre-xfer \(evidencePath)",
      "--dparam=transfer logging=yes",
      "--dparam=log file=\(transferLogPath)",
      "--dparam=log format=\(TransferLog.format(tag: context.transferTag))",
      ".",
    ]
    rsync = ProgramRun(
      path: settings.rsync, arguments: arguments, environment: rsyncEnvironment,
      directory: settings.root)
    let snapshotEnvironment =
      ["PATH=/usr/bin:/bin:/usr/sbin:/sbin"] + account + ["PUSHGATE_SESSION=\(context.session)"]
    snapshotSync = ProgramRun(
      path: settings.rsnapshot, arguments: settings.rsnapshotSyncCommand(area),
      environment: snapshotEnvironment, directory: area.directory)
    snapshot = ProgramRun(
      path: settings.rsnapshot,
      arguments: settings.rsnapshotCommand(area, level: settings.interval),
      environment: snapshotEnvironment, directory: area.directory)
  }

  /// The detached process that takes this session's snapshot in `detach` mode: pushgate-serve
  /// itself with `--snapshot-session`, the same settings file and key, and rsync's environment.
  public func detachedSnapshot(config: String, context: SessionContext) -> ProgramRun {
    let arguments = [
      context.executable, "--config", config, "--key", context.key, "--snapshot-session",
      context.session,
    ]
    return ProgramRun(
      path: context.executable, arguments: arguments, environment: rsync.environment,
      directory: settings.root)
  }

  /// `SSH_CLIENT` is `client-ip client-port server-port`; pass it on only if it looks so.
  static func isSSHClient(_ bytes: [UInt8]) -> Bool {
    let fields = bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    return fields.count == 3 && PeerAddress.isAddress(fields[0])
      && PeerAddress.port(fields[1]) != nil && PeerAddress.port(fields[2]) != nil
  }
}
