// pushgate check: the gate's decision and plan for a command, without any effect.
import ArgumentParser
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Decide a command exactly as pushgate-serve would, and print the plan.",
    discussion: """
      Takes no slot, starts nothing and writes no log. Reads the key's area and rsyncd.conf \
      as pushgate-serve does, and exits with the status it would use: 0 allowed, 77 refused, \
      78 settings or rsyncd.conf unsafe (see pushgate-serve(8)).
      """)

  @Option(help: "The settings file.")
  var config = SettingsFile.defaultPath

  @Option(help: "The key label, as in the forced command.")
  var key = ""

  @Option(help: "The pushgate-serve path used in the hook commands (default: beside pushgate).")
  var serve: String?

  @Argument(
    help: "The command as the client sends it; words are joined with single spaces, as sshd does.")
  var command: [String] = []

  func run() throws {
    guard key.isEmpty || Gate.isKeyLabel(key) else {
      throw ValidationError("'--key' must be 1-64 letters, digits or . _ - @ +")
    }
    let settings: Settings
    switch SettingsFile.load(config) {
    case .success(let loaded): settings = loaded
    case .failure(let error):
      print("fail \(error.failure.code): \(error.failure.detail)")
      throw ExitCode(error.failure.exitStatus)
    }
    let account = Self.servingAccount(settings, key: key)
    // A session sshd starts: it always sets SSH_CONNECTION (UNKNOWN is never passed to rsync).
    let context = SessionContext(
      session: Identity.newSessionId(), key: key,
      originalCommand: command.isEmpty ? nil : Array(command.joined(separator: " ").utf8),
      sshConnection: Array("UNKNOWN 65535 UNKNOWN 65535".utf8),
      home: account.home, user: account.user, executable: serve ?? Self.siblingServe())
    let verdict = Gate.decide(
      settings: settings, context: context, facts: AreaFiles.gateFacts(settings, key: key))
    switch verdict {
    case .refuse(let refusal):
      print("refuse \(refusal.code): \(refusal.message)")
    case .fail(let failure):
      print("fail \(failure.code): \(failure.detail)")
    case .allow(let plan):
      print(PlanReport.render(plan, account: "\(account.user) (\(account.source))"))
    }
    if verdict.exitStatus != 0 { throw ExitCode(verdict.exitStatus) }
  }

  /// The account pushgate-serve runs as for `key`, whose HOME, USER and LOGNAME rsync gets:
  /// as root, the owner of the key's `state` directory (the backup account `pushgate
  /// authorize` made it for), not root's own; otherwise the running account.
  static func servingAccount(_ settings: Settings, key: String)
    -> (user: String, home: String, source: String)
  {
    let running = Identity.account()
    guard Identity.isRoot else { return (running.user, running.home, "the running account") }
    guard !key.isEmpty, let uid = AreaFiles.stateOwner(settings.area(key)) else {
      return (running.user, running.home, "root: the key has no area to take the account from")
    }
    guard let owner = Accounts.lookUp(uid: uid) else {
      return (
        "uid\(uid)", "/", "uid \(uid), owner of \(settings.area(key).state), has no passwd entry"
      )
    }
    return (owner.name, owner.home, "owner of \(settings.area(key).state)")
  }

  /// `pushgate-serve` in the directory of the running `pushgate` (SelfPath.sibling), or in
  /// /usr/local/bin when our own path is unknown.
  static func siblingServe() -> String {
    SelfPath.sibling("pushgate-serve") ?? "/usr/local/bin/pushgate-serve"
  }
}
