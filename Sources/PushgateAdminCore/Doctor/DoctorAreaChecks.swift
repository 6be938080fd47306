// doctor's checks of the keys' areas, ROOT/keys/LABEL: each area's directories and
// rsnapshot.conf, and how many areas share the root's connection slots.
//
// The report stays short however many areas there are: one `ok` line counts the sound areas,
// and a problem shared by several areas is one line naming them, with LABEL in its paths.
import PushgateCore

extension DoctorChecks {
  /// How many labels a line names before it says how many more there are.
  static let labelsShown = 5

  /// The labels of the areas: names in ROOT/keys that are key labels and, by lstat(2),
  /// directories (as pushgate-serve and `pushgate rotate` see them).
  public static func areaLabels(_ facts: DoctorFacts, _ settings: Settings) -> [String] {
    guard case .success(let names) = facts.keysEntries else { return [] }
    return names.filter {
      Gate.isKeyLabel($0) && facts.file(settings.area($0).directory).kind == .directory
    }
  }

  /// ROOT/keys can be listed and entered by the account, then every area, then the slots.
  static func areas(_ facts: DoctorFacts, _ settings: Settings) -> [DoctorResult] {
    let keys = settings.keysDirectory
    let names: [String]
    switch facts.keysEntries {
    case .success(let read): names = read
    case .failure(let error):
      if facts.file(keys).kind == .missing {
        return [
          DoctorResult(
            .fail, "areas",
            "\(keys) does not exist -- no key has an area, so every session is refused",
            fix: "run 'pushgate init \(settings.root)'")
        ]
      }
      return [
        DoctorResult(
          .warn, "areas", "cannot list \(keys): \(error.reason); the areas are not checked",
          fix: "run doctor as root")
      ]
    }
    var results: [DoctorResult] = []
    let directory = facts.file(keys)
    if directory.kind == .symlink {
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(keys) is a symbolic link -- 'pushgate authorize' refuses it, and doctor runs no configtest below it",
          fix: "mount the file system at \(keys), or put the directory it points to there"))
    } else if let account = facts.account, !directory.isSearchable(by: account) {
      results.append(
        DoctorResult(
          .fail, "areas",
          "\(account.name) cannot enter \(keys) (owner \(directory.owner), mode \(directory.octalMode)) -- every session would fail",
          fix: "chmod 0750 \(keys) and give it \(account.name)'s group"))
    }
    let labels = areaLabels(facts, settings)
    guard facts.account != nil else {
      return results + [
        DoctorResult(
          .warn, "areas",
          "\(labels.count) areas not checked: \(facts.unknownAccount)",
          fix: "pass --account"),
        slots(facts, settings, areas: labels.count),
      ]
    }
    let strays = names.filter { !labels.contains($0) }
    if !strays.isEmpty {
      results.append(
        DoctorResult(
          .warn, "areas",
          "\(keys) holds \(listed(strays.map { SettingsParser.visible($0) })), which "
            + "\(strays.count == 1 ? "is not an area" : "are not areas") (not a directory, or not a key label) -- pushgate ignores them",
          fix: "move them out of \(keys)"))
    }
    if labels.isEmpty {
      return results + [
        DoctorResult(
          .warn, "areas", "\(keys) has no areas -- no key can push yet",
          fix: authorizeCommand(facts, label: "LABEL", replacing: false))
      ]
    }
    let problems = labels.map {
      (settings.area($0), areaProblems(facts, settings, settings.area($0)))
    }
    let sound = problems.filter { $0.1.isEmpty }.map(\.0.label)
    if !sound.isEmpty {
      let owner = facts.account?.name ?? facts.accountName
      let count =
        sound.count == labels.count ? "\(labels.count)" : "\(sound.count) of \(labels.count)"
      let what =
        settings.snapshots == .btrfs
        ? "incoming/, snapshots/ and state/ in place, state/ of \(owner)"
        : "incoming/, snapshots/ and state/ of \(owner); rsnapshot.conf passes configtest, "
          + "backs up incoming/ into the area's snapshots/, syncs first"
      results.append(
        DoctorResult(
          .ok, "areas",
          "\(count) area\(labels.count == 1 ? "" : "s") in \(keys) (\(listed(sound))): " + what))
    }
    return results + grouped(problems, keys: keys) + btrfsAreas(facts, settings, labels)
      + [slots(facts, settings, areas: labels.count)]
  }

  /// Everything wrong with one area, with the area's own paths.
  static func areaProblems(_ facts: DoctorFacts, _ settings: Settings, _ area: Area)
    -> [DoctorResult]
  {
    guard let account = facts.account else { return [] }  // areas() says why
    let directory = facts.file(area.directory)
    if !directory.isSearchable(by: account) {
      return [
        DoctorResult(
          .fail, "areas",
          "\(account.name) cannot enter \(area.directory) (owner \(directory.owner), mode \(directory.octalMode)) -- every session would fail",
          fix: "chmod 0750 \(area.directory) and give it \(account.name)'s group")
      ]
    }
    let isBtrfs = settings.snapshots == .btrfs
    let parts = [area.incoming, area.snapshots, area.state] + (isBtrfs ? [] : [area.rsnapshotConf])
    if parts.allSatisfy({ facts.file($0).kind == .missing }) {
      let names =
        isBtrfs
        ? "incoming/, snapshots/ or state/" : "incoming/, snapshots/, state/ or rsnapshot.conf"
      return [
        DoctorResult(
          .fail, "areas",
          "\(area.directory) has no \(names) -- it is not an area 'pushgate authorize' made",
          fix: authorizeCommand(facts, label: area.label, replacing: true))
      ]
    }
    let directories = areaDirectories(facts, area, account, isBtrfs: isBtrfs)
    return isBtrfs ? directories : directories + areaRsnapshot(facts, settings, area)
  }

  /// incoming/, snapshots/ and state/: directories of the account; state/ its own alone.
  private static func areaDirectories(
    _ facts: DoctorFacts, _ area: Area, _ account: DoctorAccount, isBtrfs: Bool
  ) -> [DoctorResult] {
    // As root, a push gives incoming/ the owner of the client's directory (SetupStep). With
    // btrfs, who owns incoming/ and snapshots/ is the `rights` check's.
    let parts: [(String, String, Bool)] = [
      (area.incoming, "push", !isBtrfs && account.uid != 0),
      (area.snapshots, "snapshot", !isBtrfs && account.uid != 0),
      (area.state, "session", true),
    ]
    var results: [DoctorResult] = []
    for (path, what, ownerMatters) in parts {
      let file = facts.file(path)
      let mode = path == area.state ? "0700" : "0750"
      // btrfs: only authorize makes incoming/ the subvolume the gate snapshots.
      let make =
        isBtrfs && path == area.incoming
        ? authorizeCommand(facts, label: area.label, replacing: true)
        : "mkdir -m \(mode) \(path) && chown \(account.name) \(path)"
      switch file.kind {
      case .directory: break
      case .missing:
        results.append(
          DoctorResult(
            .fail, "areas", "\(path) does not exist -- every \(what) of the area would fail",
            fix: make))
        continue
      case .unknown(let reason):
        results.append(
          DoctorResult(
            .warn, "areas", "cannot inspect \(path): \(reason)", fix: "run doctor as root"))
        continue
      case .symlink, .regular, .other:
        let kind = file.kind == .symlink ? "a symbolic link" : "not a directory"
        results.append(
          DoctorResult(
            .fail, "areas",
            "\(path) is \(kind) -- pushgate-serve expects a directory of \(account.name)",
            fix: "rm \(path) && \(make)"))
        continue
      }
      if ownerMatters && file.uid != account.uid {
        results.append(
          DoctorResult(
            .fail, "areas",
            "\(path) is owned by \(file.owner), not \(account.name) -- every \(what) of the area would fail",
            fix: "chown -R \(account.name) \(path)"))
      } else if path == area.state && file.mode & 0o022 != 0 {
        results.append(
          DoctorResult(
            .warn, "areas",
            "\(path) has mode \(file.octalMode) -- others could change what the gate remembers of the area",
            fix: "chmod 0700 \(path)"))
      }
    }
    return results
  }

  /// Problems shared by several areas become one line naming them (paths show LABEL); a problem of
  /// one area keeps its own paths.
  ///
  /// Lines keep the order of their first area.
  static func grouped(_ problems: [(Area, [DoctorResult])], keys: String) -> [DoctorResult] {
    var order: [DoctorResult] = []
    var members: [DoctorResult: [(Area, DoctorResult)]] = [:]
    for (area, results) in problems {
      for result in results {
        let shape = DoctorResult(
          result.level, result.name, generic(result.found, area, keys: keys),
          fix: generic(result.fix, area, keys: keys))
        if members[shape] == nil { order.append(shape) }
        members[shape, default: []].append((area, result))
      }
    }
    return order.map { shape in
      let found = members[shape] ?? []
      if found.count == 1, let only = found.first {
        let (area, result) = only
        return DoctorResult(
          result.level, result.name, "\(area.label): \(result.found)", fix: result.fix)
      }
      return DoctorResult(
        shape.level, shape.name, "\(listed(found.map(\.0.label))): \(shape.found)", fix: shape.fix)
    }
  }

  /// `text` with `area`'s directory (and `--key LABEL`) written with the word LABEL.
  public static func generic(_ text: String, _ area: Area, keys: String) -> String {
    let paths = replacingWhole(area.directory, with: keys + "/LABEL", in: text)
    return replacingWhole("--key " + area.label, with: "--key LABEL", in: paths)
  }

  /// The labels `a, b, c`, or the first few and `and N more`.
  public static func listed(_ labels: [String]) -> String {
    guard labels.count > labelsShown else { return labels.joined(separator: ", ") }
    return labels.prefix(labelsShown).joined(separator: ", ")
      + " and \(labels.count - labelsShown) more"
  }

  /// More areas than slots: when every slot is in use, one key's pushes keep another out.
  static func slots(_ facts: DoctorFacts, _ settings: Settings, areas: Int) -> DoctorResult {
    let slots = settings.maxConnections
    guard areas > slots else {
      return DoctorResult(
        .ok, "slots",
        "\(areas) area\(areas == 1 ? "" : "s"), max_connections = \(slots): every key can push at once"
      )
    }
    return DoctorResult(
      .warn, "slots",
      "\(areas) areas share max_connections = \(slots) -- when every slot is in use, one key's pushes keep the others out",
      fix:
        "raise max_connections in \(facts.configPath) to \(areas), if the machine can take that many transfers at once"
    )
  }

  /// `text` with every `word` that is not followed by a label character replaced.
  private static func replacingWhole(_ word: String, with replacement: String, in text: String)
    -> String
  {
    let parts = text.split(separator: word, omittingEmptySubsequences: false)
    var result = String(parts[0])
    for part in parts.dropFirst() {
      let continues = part.first.map { Gate.isKeyLabel("a" + String($0)) } ?? false
      result += (continues ? word : replacement) + part
    }
    return result
  }
}
