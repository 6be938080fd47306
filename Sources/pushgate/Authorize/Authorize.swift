// pushgate authorize: checks a client's public key with libssh and adds its pushgate line to
// authorized_keys, atomically, keeping every other line as it was.
import ArgumentParser
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// `pushgate authorize --key LABEL [PUBKEY_FILE | -]`.
///
/// Exit statuses: 0 added (or printed); 1 the key or the label is already there (without
/// --replace); 64 usage; 65 the input is not an acceptable public key; 71 operating-system
/// error; 78 the settings do not load or rsnapshot rejects the area's configuration.
struct Authorize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a client's area and add its public key to authorized_keys.",
    discussion: """
      Checks the key (ed25519, ecdsa, rsa of at least 2048 bits, or their sk- variants), \
      prints its fingerprint as 'ssh-keygen -lf' does, creates the key's area \
      ROOT/keys/LABEL (incoming/, snapshots/, state/ and an rsnapshot.conf that passes \
      'rsnapshot configtest'; an existing area's data is never touched), and writes the line \
      'restrict[,from="..."],command="SERVE --config FILE --key LABEL" TYPE KEY LABEL' \
      atomically. A line with the same key or the same label is kept unless --replace is given.
      """)

  @Option(
    help: ArgumentHelp(
      "The client's label in the forced command and the audit log.", valueName: "label"))
  var key: String

  @Option(
    help: ArgumentHelp("Accept the key only from these sshd(8) patterns.", valueName: "patterns"))
  var from: String?

  @Option(
    name: .customLong("authorized-keys"),
    help: ArgumentHelp(
      "The file to edit (default: ~/.ssh/authorized_keys of --account, or of you).",
      valueName: "file"))
  var authorizedKeys: String?

  @Option(
    help: ArgumentHelp(
      "The backup account whose authorized_keys to edit and who owns it.", valueName: "user"))
  var account: String?

  @Option(help: ArgumentHelp("The settings file named in the line.", valueName: "file"))
  var config = SettingsFile.defaultPath

  @Option(
    help: ArgumentHelp(
      "pushgate-serve's absolute path (default: beside pushgate).", valueName: "path"))
  var serve: String?

  @Flag(help: "Replace a line with the same key or the same label.")
  var replace = false

  @Flag(name: .customLong("print"), help: "Print the line; write nothing.")
  var printOnly = false

  @Argument(
    help: ArgumentHelp(
      "The public key: a .pub file or an authorized_keys line; '-' or none reads stdin.",
      valueName: "pubkey-file"))
  var publicKeyFile: String?

  func run() throws {
    do {
      try authorize()
    } catch {
      error.report()
      throw ExitCode(error.status)
    }
  }

  private func authorize() throws(AuthorizeFailure) {
    let serve = serve ?? Check.siblingServe()
    guard Gate.isKeyLabel(key) else {
      throw .usage("'--key' must be 1-64 letters, digits or . _ - @ +")
    }
    if let from, !PushgateKeyEntry.isFromPatterns(from) {
      throw .usage("'--from' must be sshd patterns without spaces, quotes or control characters")
    }
    guard PathRules.isSafeAbsolute(config) else {
      throw .usage("'--config' must be an absolute path of letters, digits and / . _ - + , @ :")
    }
    guard PathRules.isSafeAbsolute(serve) else {
      throw .usage("'--serve' must be an absolute path of letters, digits and / . _ - + , @ :")
    }
    let owner = try AuthorizeFile.account(account)
    let input = try AuthorizeFile.readInput(publicKeyFile)
    let checked: CheckedKey
    switch PublicKeyCheck.check(input) {
    case .success(let key): checked = key
    case .failure(let problem):
      throw AuthorizeFailure(problem.message, status: ExitStatus.dataError)
    }
    guard
      let line = PushgateKeyEntry.render(
        serve: serve, config: config, label: key, from: from, keyType: checked.type,
        base64: checked.base64)
    else { throw AuthorizeFailure("cannot build the line", status: ExitStatus.software) }

    let settings: Settings
    switch SettingsFile.load(config) {
    case .success(let loaded): settings = loaded
    case .failure(let error):
      throw AuthorizeFailure(
        "settings '\(config)' do not load: \(error.failure.detail)", status: ExitStatus.settings)
    }
    if Executable.problem(serve) != nil {
      AuthorizeFailure.warn("'\(serve)' is not an executable file; install pushgate-serve there")
    }
    if printOnly {
      AuthorizeFailure.warn("key \(checked.keygenLine)", prefix: "pushgate: ")
      print(line)
      return
    }
    print(checked.keygenLine)
    let path = authorizedKeys ?? owner.home + "/.ssh/authorized_keys"
    // The area is made once the line is known to go in, and before it goes in: a key is
    // never authorized without its area, and a refused edit leaves no area behind.
    let area = { () throws(AuthorizeFailure) in
      try AreaSetup.create(settings.area(key), settings: settings, account: account)
    }
    try AuthorizeFile.edit(path, owner: owner) { file throws(AuthorizeFailure) in
      switch file.authorizing(line, base64: checked.base64, label: key, replacing: replace) {
      case .added(let edited):
        try area()
        print("added '\(key)' to '\(path)' (line \(edited.lines.count))")
        return edited
      case .replaced(let edited, let conflicts):
        try area()
        let numbers = conflicts.map { String($0.lineNumber) }.joined(separator: ", ")
        print("replaced line \(numbers) of '\(path)' with '\(key)'")
        return edited
      case .conflicts(let conflicts):
        for conflict in conflicts {
          AuthorizeFailure.warn("'\(path)': \(conflict.message)", prefix: "pushgate: ")
        }
        throw AuthorizeFailure(
          "'\(path)' already authorizes this key or label; nothing changed\n"
            + "hint: rerun with --replace to replace those lines",
          status: ExitStatus.failed)
      }
    }
  }
}

/// A message for stderr and the exit status that goes with it.
struct AuthorizeFailure: Error {
  let message: String
  let status: Int32

  init(_ message: String, status: Int32) {
    self.message = message
    self.status = status
  }

  static func usage(_ message: String) -> AuthorizeFailure {
    AuthorizeFailure(message, status: ExitStatus.usage)
  }

  /// Writes `pushgate: MESSAGE` (a `hint:` line unprefixed) to stderr with one write(2).
  func report() {
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
    let text = lines.enumerated().map { $0 == 0 ? "pushgate: \($1)" : String($1) }
    Self.write(text.joined(separator: "\n") + "\n")
  }

  /// Writes a warning (or, with another prefix, a note) to stderr.
  static func warn(_ message: String, prefix: String = "pushgate: warning: ") {
    write(prefix + message + "\n")
  }

  private static func write(_ text: String) {
    Terminal.write(text, to: .error)
  }
}
