// The checks of `pushgate doctor`: pure functions from gathered facts to result lines.
//
// Each check returns at least one line; a check that cannot run because an earlier one
// failed says so instead of guessing.
import PushgateCore

/// Where pushgate-serve looks for its settings without `--config`.
enum SettingsDefaults {
  static let path = "/backup/pushgate.conf"
}

/// Every check of `pushgate doctor`, and the paths the gatherer must look at.
public enum DoctorChecks {
  /// All result lines, in report order.
  public static func run(_ facts: DoctorFacts) -> [DoctorResult] {
    var results = [settings(facts)]
    if case .parsed(let settings) = facts.settings {
      results += [rsync(facts, settings)]
      results += rsyncd(facts, settings)
      if settings.snapshots == .btrfs {
        results += [DoctorResult(.ok, "rsnapshot", "not used: snapshots = btrfs")]
        results += btrfsRoot(facts, settings)
      } else {
        results += [rsnapshot(facts, settings)]
      }
      results += areas(facts, settings)
      results += [
        lockFile(facts, settings),
        ownFile(facts, settings.auditLog, name: "auditlog"),
        evidence(facts, settings),
        rootGroup(facts, settings),
      ]
      results += logrotate(facts, settings)
    }
    results += shell(facts)
    results += localAccount(facts)
    results += authorizedKeys(facts)
    results += sshd(facts)
    return results
  }

  /// The paths whose lstat(2) the checks read, given what `facts` already holds (the
  /// settings, rsyncd.conf, the names in ROOT/keys and authorized_keys).
  public static func pathsToInspect(_ facts: DoctorFacts) -> [String] {
    var paths = [facts.configPath]
    if case .parsed(let s) = facts.settings {
      paths += [
        s.rsync, s.rsnapshot, s.lockFile, parent(s.lockFile), s.auditLog, parent(s.auditLog),
        s.evidenceDirectory, s.root, s.rsyncdConf, s.keysDirectory,
      ]
      if case .success(let text) = facts.rsyncdConf {
        let conf = RsyncdConf.parse(text)
        for module in conf.modules where conf.effective("max connections", in: module) != nil {
          let lock = rsyncLockFile(conf, module)
          paths += [lock, parent(lock)]
        }
      }
      if case .success(let names) = facts.keysEntries {
        for name in names {
          let area = s.area(name)
          paths.append(area.directory)
          if Gate.isKeyLabel(name) {
            paths += [area.incoming, area.snapshots, area.state]
            if s.snapshots == .rsnapshot { paths.append(area.rsnapshotConf) }
          }
        }
      }
    }
    if case .success(let text) = facts.authorizedKeys {
      for entry in AuthorizedKeysFile(Array(text.utf8)).pushgateEntries {
        paths += [entry.serve, entry.config ?? SettingsDefaults.path]
        if case .parsed(let s) = facts.settings, let key = entry.key, Gate.isKeyLabel(key) {
          paths.append(s.area(key).directory)
        }
      }
    }
    var seen = Set<String>()
    return paths.filter { seen.insert($0).inserted }
  }

  /// The settings file: readable, a regular file, owned by root (or the account), not writable
  /// by group or others, and accepted by the parser.
  static func settings(_ facts: DoctorFacts) -> DoctorResult {
    let path = facts.configPath
    let file = facts.file(path)
    let refused = "-- pushgate-serve refuses it"
    switch file.kind {
    case .missing:
      return DoctorResult(
        .fail, "settings", "\(path) does not exist",
        fix: "run 'pushgate init ROOT', or pass --config")
    case .symlink:
      return DoctorResult(
        .fail, "settings", "\(path) is a symbolic link \(refused)",
        fix: "point --config and the authorized_keys line at the real file")
    case .regular: break
    case .unknown(let reason):
      return DoctorResult(
        .fail, "settings", "cannot inspect \(path): \(reason)", fix: "run doctor as root")
    case .directory, .other:
      return DoctorResult(
        .fail, "settings", "\(path) is not a regular file \(refused)",
        fix: "run 'pushgate init ROOT'")
    }
    if file.uid != 0 && file.uid != facts.account?.uid {
      return DoctorResult(
        .fail, "settings", "\(path) is owned by \(file.owner) \(refused)",
        fix: "chown root:root \(path)")
    }
    if file.mode & 0o022 != 0 {
      return DoctorResult(
        .fail, "settings", "\(path) has mode \(file.octalMode) \(refused)",
        fix: "chmod go-w \(path)")
    }
    switch facts.settings {
    case .unreadable(let reason):
      return DoctorResult(
        .fail, "settings", "cannot read \(path): \(reason)", fix: "run doctor as root")
    case .invalid(let message):
      return DoctorResult(.fail, "settings", message, fix: "correct it (see pushgate.conf(5))")
    case .parsed: break
    }
    let found = "\(path) parses; owner \(file.owner), mode \(file.octalMode)"
    if file.uid != 0, case .parsed(let settings) = facts.settings, facts.rootIsRoots(settings) {
      return DoctorResult(
        .fail, "settings",
        found
          + " in \(settings.root), which is root's -- the backup account can change which programs run",
        fix: "chown root:root \(path)")
    }
    if file.uid != 0 {
      return DoctorResult(
        .warn, "settings", found + " -- the backup account could change which programs run",
        fix: "chown root:root \(path)")
    }
    return DoctorResult(.ok, "settings", found)
  }

  /// The rsync program runs and tells its version.
  static func rsync(_ facts: DoctorFacts, _ settings: Settings) -> DoctorResult {
    program(
      facts.rsyncVersion, name: "rsync", command: "\(settings.rsync) --version",
      fix: "apt-get install rsync, or set 'rsync' in \(facts.configPath)")
  }

  /// A version run: `ok` with the first line of its output, else `FAIL`.
  static func program(_ run: DoctorRun, name: String, command: String, fix: String) -> DoctorResult
  {
    switch run {
    case .ran(0, let stdout, _):
      let first = stdout.split(separator: "\n").first.map(String.init) ?? ""
      let words = first.split(separator: " ").joined(separator: " ")
      return DoctorResult(.ok, name, "\(command): \(words.isEmpty ? "(no output)" : words)")
    case .ran(let status, _, _):
      return DoctorResult(.fail, name, "'\(command)' exits \(status)", fix: fix)
    case .timedOut(let seconds):
      return DoctorResult(.fail, name, "'\(command)' did not finish in \(seconds) s", fix: fix)
    case .notRun(let reason):
      return DoctorResult(.fail, name, "cannot run '\(command)': \(reason)", fix: fix)
    case .withheld(let found, let fix):
      return DoctorResult(
        .warn, name, "'\(command)' not run as root: \(found) -- another account controls it",
        fix: fix)
    }
  }

  /// `pushgate authorize` as a fix: creates `label`'s area (and, with `replacing`, puts the
  /// key's line back in place of the one already there).
  static func authorizeCommand(_ facts: DoctorFacts, label: String, replacing: Bool) -> String {
    var words = ["pushgate authorize --config \(facts.configPath)"]
    if let account = facts.account {
      if facts.runsAsRoot && account.uid != 0 { words.append("--account \(account.name)") }
      if facts.authorizedKeysPath != account.home + "/.ssh/authorized_keys" {
        words.append("--authorized-keys \(facts.authorizedKeysPath)")
      }
    }
    words.append("--key \(label)" + (replacing ? " --replace" : ""))
    return (words + ["CLIENT-KEY.pub"]).joined(separator: " ")
  }

  /// The directory part of an absolute path (`/` for a top-level name).
  static func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }

  /// The last part of a path.
  static func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  /// A path without trailing slashes (but `/` stays `/`).
  static func trimSlash(_ path: String) -> String {
    var path = path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
  }

  /// The lock file as `ownFile` checks it, and readable by the account alone: a reader can take
  /// read locks on the slot bytes and turn every client away.
  ///
  /// The gate tightens a file of the account's itself; one of root's it cannot.
  static func lockFile(_ facts: DoctorFacts, _ settings: Settings) -> DoctorResult {
    let result = ownFile(facts, settings.lockFile, name: "lockfile")
    let file = facts.file(settings.lockFile)
    guard result.level == .ok, file.kind == .regular, file.mode & 0o077 != 0,
      file.uid != facts.account?.uid
    else { return result }
    return DoctorResult(
      .fail, "lockfile",
      "\(settings.lockFile) has mode \(file.octalMode) -- whoever can read it can take read "
        + "locks on the slots and turn every client away",
      fix: "chmod 600 \(settings.lockFile)")
  }
}
