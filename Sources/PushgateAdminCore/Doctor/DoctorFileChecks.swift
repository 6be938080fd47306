// doctor's checks of the files pushgate-serve creates in the root: the lock file, the audit log
// and the evidence directory.
import PushgateCore

extension DoctorChecks {
  /// The lock file or audit log: not a symlink, a regular file the account can write and
  /// pushgate-serve accepts (owner root or the account, not writable by others), or absent in
  /// a directory where the account can create it.
  static func ownFile(_ facts: DoctorFacts, _ path: String, name: String) -> DoctorResult {
    guard let account = facts.account else {
      return DoctorResult(
        .warn, name, "\(path) not checked: \(facts.unknownAccount)",
        fix: "pass --account")
    }
    let file = facts.file(path)
    let who = "\(account.name) (owner \(file.owner), mode \(file.octalMode))"
    switch file.kind {
    case .missing:
      let directory = parent(path)
      let dir = facts.file(directory)
      if dir.kind == .directory && dir.isWritable(by: account) {
        return DoctorResult(.ok, name, "\(path) does not exist yet; \(account.name) can create it")
      }
      return DoctorResult(
        .fail, name, "\(path) does not exist and \(account.name) cannot create it in \(directory)",
        fix: "create it: touch \(path) && chown \(account.name) \(path)")
    case .symlink:
      return DoctorResult(
        .fail, name, "\(path) is a symbolic link -- pushgate-serve refuses to open it",
        fix: "rm \(path) (pushgate-serve creates it again)")
    case .regular: break
    case .unknown(let reason):
      return DoctorResult(
        .warn, name, "cannot inspect \(path): \(reason)", fix: "run doctor as root")
    case .directory, .other:
      return DoctorResult(.fail, name, "\(path) is not a regular file", fix: "remove it")
    }
    if file.uid != 0 && file.uid != account.uid {
      return DoctorResult(
        .fail, name, "\(path) is owned by \(file.owner) -- pushgate-serve refuses it",
        fix: "chown \(account.name) \(path)")
    }
    if file.mode & 0o002 != 0 {
      return DoctorResult(
        .fail, name, "\(path) is writable by others (mode \(file.octalMode))",
        fix: "chmod o-w \(path)")
    }
    guard file.isWritable(by: account) else {
      return DoctorResult(
        .fail, name, "\(path) is not writable by \(who)", fix: "chown \(account.name) \(path)")
    }
    return DoctorResult(.ok, name, "\(path) is writable by \(who)")
  }

  /// ROOT's group: init makes ROOT writable by the account's group (sticky, 1770), so every other
  /// member of that group can create the names the gate uses there (the audit log, the lock file,
  /// ROOT/.pushgate) before the account does, and the gate then refuses them and every session
  /// fails.
  ///
  /// The same holds for a named user or group that ROOT's ACL lets write: monitoring gets
  /// passage only, `u:USER:x` (pushgate-status(8)).
  static func rootGroup(_ facts: DoctorFacts, _ settings: Settings) -> DoctorResult {
    let rootWritersCan =
      "they can create the audit log, lock file or .pushgate before the backup account and "
      + "stop every session"
    let root = facts.file(settings.root)
    if let writers = facts.rootACLWriters, !writers.isEmpty {
      return DoctorResult(
        .fail, "rootgroup",
        "\(settings.root)'s ACL lets \(writers.joined(separator: ", ")) write in it -- "
          + rootWritersCan,
        fix: writers.map { "setfacl -m \($0):x \(settings.root)" }.joined(separator: "; ")
          + " (monitoring needs only passage)")
    }
    guard root.kind == .directory, root.mode & 0o020 != 0 else {
      return DoctorResult(.ok, "rootgroup", "\(settings.root) is not writable by its group")
    }
    guard let others = facts.rootGroupOthers else {
      return DoctorResult(
        .warn, "rootgroup", "the members of \(settings.root)'s group were not looked up",
        fix: "run doctor as root")
    }
    guard others.isEmpty else {
      return DoctorResult(
        .fail, "rootgroup",
        "\(settings.root) is writable by its group, which also holds \(others.joined(separator: ", "))"
          + " -- " + rootWritersCan,
        fix: others.map { "gpasswd -d \($0) \(facts.rootGroupName)" }.joined(separator: "; ")
          + "; give monitoring read access through ACLs instead (pushgate-status(8))")
    }
    return DoctorResult(
      .ok, "rootgroup", "\(settings.root) is writable by its group, which holds the account alone")
  }

  /// The evidence directory, ROOT/.pushgate: the account's, not writable by group or others,
  /// or absent in a root where the account can create it (pushgate-serve refuses it otherwise).
  static func evidence(_ facts: DoctorFacts, _ settings: Settings) -> DoctorResult {
    let path = settings.evidenceDirectory
    guard let account = facts.account else {
      return DoctorResult(
        .warn, "evidence", "\(path) not checked: \(facts.unknownAccount)",
        fix: "pass --account")
    }
    let directory = facts.file(path)
    let refused = "-- pushgate-serve refuses it, so every session fails"
    let recreate = "rm \(path) (pushgate-serve creates it again)"
    switch directory.kind {
    case .missing:
      let root = facts.file(settings.root)
      if root.kind == .directory && root.isWritable(by: account) {
        return DoctorResult(
          .ok, "evidence", "\(path) does not exist yet; \(account.name) can create it")
      }
      return DoctorResult(
        .fail, "evidence",
        "\(path) does not exist and \(account.name) cannot create it -- every session would fail",
        fix: "mkdir -m 0700 \(path) && chown \(account.name) \(path)")
    case .directory: break
    case .symlink:
      return DoctorResult(.fail, "evidence", "\(path) is a symbolic link \(refused)", fix: recreate)
    case .unknown(let reason):
      return DoctorResult(
        .warn, "evidence", "cannot inspect \(path): \(reason)", fix: "run doctor as root")
    case .regular, .other:
      return DoctorResult(.fail, "evidence", "\(path) is not a directory \(refused)", fix: recreate)
    }
    if directory.uid != account.uid {
      return DoctorResult(
        .fail, "evidence", "\(path) is owned by \(directory.owner), not \(account.name) \(refused)",
        fix: "chown -R \(account.name) \(path)")
    }
    if directory.mode & 0o022 != 0 {
      return DoctorResult(
        .fail, "evidence", "\(path) has mode \(directory.octalMode) \(refused)",
        fix: "chmod 0700 \(path)")
    }
    return DoctorResult(
      .ok, "evidence", "\(path) belongs to \(account.name), mode \(directory.octalMode)")
  }
}
