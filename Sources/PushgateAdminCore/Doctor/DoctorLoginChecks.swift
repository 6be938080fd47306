// doctor's checks of the way in: the account's login shell and sshd's settings.

extension DoctorChecks {
  /// Variables a client must never set for the login shell: each makes a shell run code.
  static let dangerousVariables = [
    "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "LD_PRELOAD", "LD_LIBRARY_PATH", "PATH",
    "IFS",
  ]

  /// The login shell runs commands and prints nothing of its own (sshd runs the forced
  /// command as `SHELL -c COMMAND`; Debian's bash sources ~/.bashrc there).
  static func shell(_ facts: DoctorFacts) -> [DoctorResult] {
    guard let account = facts.account else {
      if facts.accountName.isEmpty {
        return [
          DoctorResult(
            .fail, "account",
            "cannot tell the backup account: no area or account-owned keys/ next to \(facts.configPath)",
            fix: "pass --account")
        ]
      }
      return [
        DoctorResult(
          .fail, "account", "no account '\(facts.accountName)' in the password database",
          fix:
            "create it (useradd --system --create-home --shell /bin/sh \(facts.accountName)), or pass --account"
        )
      ]
    }
    let shell = account.shell
    let chsh = "chsh -s /bin/sh \(account.name)"
    if ["nologin", "false"].contains(basename(shell)) || shell.isEmpty {
      return [
        DoctorResult(
          .fail, "shell",
          "\(account.name)'s login shell is '\(shell)' -- sshd runs the forced command through it, so nothing would run",
          fix: chsh)
      ]
    }
    let command = "'\(shell) -c true' as \(account.name)"
    switch facts.shellRun {
    case .ran(0, let stdout, _) where stdout.isEmpty:
      return [DoctorResult(.ok, "shell", "login shell \(shell); \(command) prints nothing")]
    case .ran(let status, let stdout, _) where !stdout.isEmpty:
      let first = stdout.split(separator: "\n").first.map { String($0.prefix(60)) } ?? ""
      return [
        DoctorResult(
          .fail, "shell",
          "\(command) prints \(stdout.utf8.count) bytes ('\(first)', status \(status)) -- it would corrupt the rsync protocol",
          fix:
            "remove the output from ~\(account.name)'s shell start-up files (~/.bashrc), or \(chsh)"
        )
      ]
    case .ran(let status, _, let stderr):
      let said = stderr.split(separator: "\n").first.map { ": " + $0 } ?? ""
      return [DoctorResult(.fail, "shell", "\(command) exits \(status)\(said)", fix: chsh)]
    case .timedOut(let seconds):
      return [DoctorResult(.fail, "shell", "\(command) did not finish in \(seconds) s", fix: chsh)]
    case .notRun(let reason):
      return [
        DoctorResult(
          .warn, "shell", "login shell \(shell) not run as \(account.name): \(reason)",
          fix: "run doctor as root")
      ]
    case .withheld(let found, let fix):
      return [
        DoctorResult(
          .warn, "shell",
          "login shell \(shell) not run as root: \(found) -- another account controls it",
          fix: fix)
      ]
    }
  }

  /// sshd's effective settings (`sshd -T`): ExposeAuthInfo, AcceptEnv, PermitUserEnvironment.
  static func sshd(_ facts: DoctorFacts) -> [DoctorResult] {
    let sshd = facts.sshdPath + (facts.sshdConfig.map { " -f " + $0 } ?? "")
    let output: String
    switch facts.sshdRun {
    case .ran(0, let stdout, _): output = stdout
    case .ran(let status, _, let stderr):
      let said = stderr.split(separator: "\n").first.map { ": " + $0 } ?? ""
      return [
        DoctorResult(
          .warn, "sshd", "'\(sshd) -T' exits \(status)\(said); sshd settings not checked",
          fix: "run '\(sshd) -t' and correct what it reports")
      ]
    case .timedOut(let seconds):
      return [
        DoctorResult(
          .warn, "sshd", "'\(sshd) -T' did not finish in \(seconds) s; sshd settings not checked",
          fix: "run it by hand")
      ]
    case .notRun(let reason), .withheld(let reason, _):
      return [
        DoctorResult(
          .warn, "sshd", "sshd settings not checked: \(reason)",
          fix: "run doctor as root on the ssh server")
      ]
    }
    var values: [String: [String]] = [:]
    for line in output.split(separator: "\n") {
      let words = line.split(separator: " ", maxSplits: 1).map(String.init)
      guard words.count == 2 else { continue }
      values[words[0].lowercased(), default: []] += words[1].split(separator: " ").map(String.init)
    }
    var results: [DoctorResult] = []
    if values["exposeauthinfo"] == ["yes"] {
      results.append(
        DoctorResult(.ok, "sshd", "ExposeAuthInfo yes: the audit log names the key used"))
    } else {
      results.append(
        DoctorResult(
          .warn, "sshd", "ExposeAuthInfo is not on -- the audit log cannot name the key used",
          fix: "set 'ExposeAuthInfo yes' in sshd_config"))
    }
    let accepted = values["acceptenv"] ?? []
    let dangerous = accepted.filter { pattern in
      dangerousVariables.contains { glob(pattern, matches: $0) }
    }
    let others = accepted.filter { !["LANG", "LC_*"].contains($0) }
    let shown = accepted.isEmpty ? "nothing" : accepted.joined(separator: " ")
    if !dangerous.isEmpty {
      results.append(
        DoctorResult(
          .fail, "sshd",
          "AcceptEnv \(dangerous.joined(separator: " ")) -- a client can make the login shell run its own code",
          fix: "accept only 'AcceptEnv LANG LC_*' in sshd_config"))
    } else if !others.isEmpty {
      results.append(
        DoctorResult(
          .warn, "sshd", "AcceptEnv \(shown) -- the login shell sees what clients send",
          fix: "accept only 'AcceptEnv LANG LC_*' in sshd_config"))
    } else {
      results.append(DoctorResult(.ok, "sshd", "AcceptEnv \(shown) (pushgate-serve ignores them)"))
    }
    results += lockedAccount(facts, usePAM: values["usepam"]?.joined(separator: " ") ?? "no")
    let permit = values["permituserenvironment"]?.joined(separator: " ") ?? "no"
    if permit == "no" {
      results.append(DoctorResult(.ok, "sshd", "PermitUserEnvironment no"))
    } else {
      results.append(
        DoctorResult(
          .fail, "sshd",
          "PermitUserEnvironment \(permit) -- ~/.ssh/environment and environment= could set variables for the login shell",
          fix: "set 'PermitUserEnvironment no' in sshd_config"))
    }
    return results
  }

  /// Whether the static pushgate-serve finds the account: in /etc/passwd always; from another
  /// NSS source (sss, ldap) only while the host's NSS modules match the glibc the gate was built
  /// with, and otherwise the gate still serves, as `uidN` with HOME=/.
  static func localAccount(_ facts: DoctorFacts) -> [DoctorResult] {
    guard let account = facts.account, let isLocal = facts.accountIsLocal else { return [] }
    if isLocal {
      return [
        DoctorResult(
          .ok, "account",
          "\(account.name) is in /etc/passwd: the static pushgate-serve finds it without NSS modules"
        )
      ]
    }
    return [
      DoctorResult(
        .warn, "account",
        "\(account.name) is not in /etc/passwd (it comes from another NSS source) -- "
          + "pushgate-serve reads only /etc/passwd: it serves, but logs 'uid\(account.uid)' and "
          + "gives rsync HOME=/",
        fix:
          "use a local account: useradd --system --create-home --shell /bin/sh NAME, then "
          + "pushgate init --account NAME")
    ]
  }

  /// A locked password (`!` first in the shadow entry) with `UsePAM no`: sshd refuses the
  /// account before it looks at any key.
  static func lockedAccount(_ facts: DoctorFacts, usePAM: String) -> [DoctorResult] {
    guard facts.passwordLocked == true, usePAM == "no", let account = facts.account else {
      return []
    }
    return [
      DoctorResult(
        .fail, "sshd",
        "\(account.name)'s password is locked ('!' in /etc/shadow) and UsePAM is no -- sshd refuses every key of the account",
        fix: "usermod -p '*' \(account.name)")
    ]
  }

  /// sshd's pattern matching: `*` any run, `?` one character.
  public static func glob(_ pattern: String, matches name: String) -> Bool {
    let p = Array(pattern)
    let n = Array(name)
    func match(_ i: Int, _ j: Int) -> Bool {
      if i == p.count { return j == n.count }
      if p[i] == "*" { return (j...n.count).contains { match(i + 1, $0) } }
      guard j < n.count, p[i] == "?" || p[i] == n[j] else { return false }
      return match(i + 1, j + 1)
    }
    return match(0, 0)
  }
}
