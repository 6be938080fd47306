// doctor's authorized_keys checks: every key is forced into pushgate-serve with `restrict`,
// with arguments pushgate-serve accepts and a label whose area exists; and every area has a key.
import PushgateCore

extension DoctorChecks {
  /// Every key line is forced into pushgate-serve with `restrict`, naming a pushgate-serve and
  /// a settings file that exist; the lines for these settings name a label with an area, one
  /// label per key; areas no line names are reported.
  static func authorizedKeys(_ facts: DoctorFacts) -> [DoctorResult] {
    let path = facts.authorizedKeysPath
    if path.isEmpty {
      return [
        DoctorResult(
          .warn, "keys", "authorized_keys not checked: the backup account is not known",
          fix: "pass --account, or --authorized-keys")
      ]
    }
    let text: String
    switch facts.authorizedKeys {
    case .success(let read): text = read
    case .failure(let error) where error.isMissing:
      return [
        DoctorResult(
          .warn, "keys", "cannot read \(path): \(error.reason) -- no client can log in",
          fix: "add a client's key with 'pushgate authorize'")
      ]
    case .failure(let error):
      return [
        DoctorResult(
          .warn, "keys", "\(path) not checked: \(error.reason)",
          fix: "make it a regular file the account or root owns (sshd's StrictModes wants that too)"
        )
      ]
    }
    var settings: Settings? = nil
    if case .parsed(let parsed) = facts.settings { settings = parsed }
    var results: [DoctorResult] = []
    var labels: [String: Int] = [:]
    let lines = AuthorizedKeysFile(Array(text.utf8)).keyLines
    for (number, line) in lines {
      let at = "\(path):\(number)"
      let fail = { (found: String, fix: String) in
        results.append(DoctorResult(.fail, "keys", found, fix: fix))
      }
      guard let command = line.option("command")?.value else {
        fail(
          "\(at) has no command= -- that key gets a shell on the backup account",
          "add the key with 'pushgate authorize' instead")
        continue
      }
      guard let entry = PushgateKeyEntry(lineNumber: number, line: line) else {
        results.append(
          DoctorResult(
            .warn, "keys", "\(at) runs '\(command.prefix(60))', not pushgate-serve",
            fix: "remove it if it is not meant to be there"))
        continue
      }
      if !entry.isRestricted {
        fail(
          "\(at) lacks 'restrict' -- the key may forward ports and get a pty",
          "start the line with 'restrict,'")
      }
      if !facts.file(entry.serve).isExecutable {
        fail(
          "\(at) runs \(entry.serve), which is not an executable file",
          "install pushgate-serve there, or correct the path")
      }
      let config = entry.config ?? SettingsDefaults.path
      if facts.file(config).kind != .regular {
        fail(
          "\(at) names settings \(config), which is not a regular file",
          "correct --config in the line")
      }
      if !entry.otherWords.isEmpty {
        fail(
          "\(at) passes '\(entry.otherWords.joined(separator: " ").prefix(60))' to pushgate-serve, "
            + "which stops with a usage error -- no session of this key would run",
          "remove it: pushgate-serve takes only --config and --key")
      }
      guard let key = entry.key else {
        fail(
          "\(at) has no --key -- pushgate-serve refuses every session of this key (key-missing)",
          "add '--key LABEL' to its command and create the area: "
            + authorizeCommand(facts, label: "LABEL", replacing: true))
        continue
      }
      guard Gate.isKeyLabel(key) else {
        fail(
          "\(at) has --key '\(SettingsParser.visible(key))', which is not a key label -- "
            + "pushgate-serve stops with a usage error",
          "use 1-64 letters, digits or . _ - @ +, starting with a letter or digit")
        continue
      }
      // A line for other settings belongs to another root: its area is not here.
      guard let settings, config == facts.configPath else { continue }
      if let first = labels[key] {
        results.append(
          DoctorResult(
            .warn, "keys",
            "\(at) uses the label '\(key)' of line \(first) too -- both keys push into one area, one at a time",
            fix: "give each client key its own label"))
      } else {
        labels[key] = number
      }
      if let missing = areaProblem(facts, settings, key) {
        let authorize = authorizeCommand(facts, label: key, replacing: true)
        fail(
          "\(at): key '\(key)' \(missing.found) -- pushgate-serve refuses its sessions (no-area)",
          missing.removal.map { "\($0), then \(authorize)" } ?? authorize)
      }
    }
    if results.isEmpty {
      if lines.isEmpty {
        return [
          DoctorResult(
            .warn, "keys", "\(path) has no key lines -- no client can log in",
            fix: "add a client's key with 'pushgate authorize'")
        ]
      }
      let count = lines.count
      let own = labels.count == count ? ", each with its own area" : ""
      results.append(
        DoctorResult(
          .ok, "keys",
          "\(path): \(count) key line\(count == 1 ? "" : "s"), each restricted to an existing pushgate-serve and settings file\(own)"
        ))
    }
    guard let settings else { return results }
    return results + keyless(facts, settings, named: Set(labels.keys))
  }

  /// What is wrong with the area of a label that a line names, if anything, and what must
  /// be removed before `pushgate authorize` can make it.
  private static func areaProblem(_ facts: DoctorFacts, _ settings: Settings, _ key: String)
    -> (found: String, removal: String?)?
  {
    let directory = settings.area(key).directory
    switch facts.file(directory).kind {
    case .directory: return nil
    case .missing: return ("has no area \(directory)", nil)
    case .symlink: return ("has no area: \(directory) is a symbolic link", "rm \(directory)")
    default: return ("has no area: \(directory) is not a directory", "rm \(directory)")
    }
  }

  /// Areas that no key line for these settings names: nobody can push to them.
  private static func keyless(_ facts: DoctorFacts, _ settings: Settings, named: Set<String>)
    -> [DoctorResult]
  {
    let unnamed = areaLabels(facts, settings).filter { !named.contains($0) }
    guard !unnamed.isEmpty else { return [] }
    let one = unnamed.count == 1
    return [
      DoctorResult(
        .warn, "keys",
        "area\(one ? "" : "s") \(listed(unnamed)) \(one ? "has" : "have") no key line in "
          + "\(facts.authorizedKeysPath) -- no client can push to \(one ? "it" : "them")",
        fix: authorizeCommand(facts, label: "LABEL", replacing: false)
          + ", or move the area out of \(settings.keysDirectory) once its snapshots are not needed")
    ]
  }
}
