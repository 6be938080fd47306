// doctor's checks of the btrfs engine: ROOT on btrfs, the mount's options, and per area that
// incoming/ is a subvolume the account owns, that it may write snapshots/, and what snapshots/
// holds.
//
// The account owns incoming/, snapshots/ and every snapshot: it can plant any name or file, and
// flip a snapshot writable (BTRFS_IOC_SUBVOL_SETFLAGS needs only ownership). Names are shown
// through VisibleBytes; the facts come from descriptors opened without following a symlink.
import PushgateCore

extension DoctorChecks {
  /// ROOT is on btrfs, and its mount neither lets the account delete subvolumes nor is
  /// read-only.
  static func btrfsRoot(_ facts: DoctorFacts, _ settings: Settings) -> [DoctorResult] {
    guard let btrfs = facts.btrfs else { return [] }
    let root = settings.root
    guard btrfs.isBtrfs else {
      return [
        DoctorResult(
          .fail, "btrfs",
          "\(root) is on \(btrfs.fileSystem), not btrfs -- with snapshots = btrfs no snapshot can be taken",
          fix:
            "mount a btrfs at \(root) (mkfs.btrfs DEVICE && mount DEVICE \(root)), or set 'snapshots = rsnapshot' in \(facts.configPath)"
        )
      ]
    }
    var results = [DoctorResult(.ok, "btrfs", "\(root) is on btrfs")]
    let entry: MountEntry
    switch btrfs.mount {
    case .success(let found): entry = found
    case .failure(let error):
      return results + [
        DoctorResult(
          .warn, "mount", "cannot tell the mount options of \(root): \(error.reason)",
          fix: "check that /proc/self/mountinfo lists \(root)'s mount")
      ]
    }
    let point = SettingsParser.visible(entry.mountPoint)
    let found =
      "\(root) is in the btrfs mount at \(point) (\(SettingsParser.visible(entry.source)))"
    if entry.allowsUserSubvolumeRemoval {
      results.append(
        DoctorResult(
          .fail, "mount",
          found
            + " with user_subvol_rm_allowed -- the backup account could delete its snapshots, and with them its history",
          fix:
            "remove user_subvol_rm_allowed from the mount's options (/etc/fstab) and mount it again (umount \(point) && mount \(point))"
        ))
    }
    if entry.isReadOnly {
      results.append(
        DoctorResult(
          .fail, "mount", found + " read-only -- every push and snapshot would fail",
          fix: "mount -o remount,rw \(point)"))
    }
    if !entry.allowsUserSubvolumeRemoval && !entry.isReadOnly {
      results.append(
        DoctorResult(.ok, "mount", found + ": read-write, without user_subvol_rm_allowed"))
    }
    return results
  }

  /// The btrfs lines of the areas: `subvolume`, `rights` and `snapshots`, each an `ok` line
  /// for the sound areas and a line per problem (shared problems grouped as ``grouped(_:keys:)``
  /// does).
  static func btrfsAreas(_ facts: DoctorFacts, _ settings: Settings, _ labels: [String])
    -> [DoctorResult]
  {
    guard let btrfs = facts.btrfs, btrfs.isBtrfs, let account = facts.account else { return [] }
    let areas = labels.compactMap { label in btrfs.areas[label].map { (settings.area(label), $0) } }
    guard !areas.isEmpty else { return [] }
    var results: [DoctorResult] = []
    func check(
      _ name: String, _ problems: (Area, DoctorBtrfsArea) -> [DoctorResult],
      ok: ([(Area, DoctorBtrfsArea)]) -> String
    ) {
      let found = areas.map { ($0.0, problems($0.0, $0.1)) }
      let sound = areas.filter { area in found.contains { $0.0 == area.0 && $0.1.isEmpty } }
      if !sound.isEmpty {
        let count =
          sound.count == areas.count ? "\(areas.count)" : "\(sound.count) of \(areas.count)"
        let what = "\(count) area\(areas.count == 1 ? "" : "s") (\(listed(sound.map(\.0.label))))"
        results.append(DoctorResult(.ok, name, what + ": " + ok(sound)))
      }
      results += grouped(found, keys: settings.keysDirectory)
    }
    check("subvolume", { subvolumeProblems(facts, $0, $1) }) { _ in
      "incoming/ is a btrfs subvolume"
    }
    check("rights", { area, _ in rightsProblems(facts, area, account) }) { _ in
      "\(account.name) owns incoming/ and can write snapshots/, as the snapshot ioctl needs"
    }
    check("snapshots", { snapshotProblems(facts, $0, $1) }) { sound in
      let kept = sound.map { Self.snapshots(of: $0.1).count }.reduce(0, +)
      return "\(kept) read-only snapshot"
        + (kept == 1 ? " named by its UTC time" : "s named by their UTC time")
    }
    return results
  }

  /// incoming/ is a subvolume (a missing or odd incoming/ is the `areas` check's).
  static func subvolumeProblems(_ facts: DoctorFacts, _ area: Area, _ btrfs: DoctorBtrfsArea)
    -> [DoctorResult]
  {
    guard facts.file(area.incoming).kind == .directory else { return [] }
    switch btrfs.incoming {
    case .subvolume: return []
    case .unknown(let reason):
      return [
        DoctorResult(
          .warn, "subvolume", "cannot inspect \(area.incoming): \(reason)",
          fix: "run doctor as root")
      ]
    case .plainDirectory:
      let authorize = authorizeCommand(facts, label: area.label, replacing: true)
      return [
        DoctorResult(
          .fail, "subvolume",
          "\(area.incoming) is a plain directory, not a btrfs subvolume -- every snapshot of the area would fail",
          fix:
            "mv \(area.incoming) \(area.incoming).old, then \(authorize) (it makes the subvolume), then move the data back into it"
        )
      ]
    }
  }

  /// The account owns incoming/ (the snapshot ioctl needs the source's owner) and may write
  /// snapshots/ (as owner, group or other).
  static func rightsProblems(_ facts: DoctorFacts, _ area: Area, _ account: DoctorAccount)
    -> [DoctorResult]
  {
    var results: [DoctorResult] = []
    let incoming = facts.file(area.incoming)
    if incoming.kind == .directory && account.uid != 0 && incoming.uid != account.uid {
      results.append(
        DoctorResult(
          .fail, "rights",
          "\(area.incoming) is owned by \(incoming.owner), not \(account.name) -- btrfs lets only a subvolume's owner snapshot it, so every snapshot of the area would fail",
          fix: "chown -R \(account.name) \(area.incoming)"))
    }
    let snapshots = facts.file(area.snapshots)
    if snapshots.kind == .directory && !snapshots.isWritable(by: account) {
      results.append(
        DoctorResult(
          .fail, "rights",
          "\(account.name) cannot write \(area.snapshots) (owner \(snapshots.owner), mode \(snapshots.octalMode)) -- every snapshot of the area would fail",
          fix: "chown \(account.name) \(area.snapshots) && chmod 0750 \(area.snapshots)"))
    }
    return results
  }

  /// Every entry of snapshots/ is a read-only subvolume named by its time: a writable one fails,
  /// anything else is a warning.
  static func snapshotProblems(_ facts: DoctorFacts, _ area: Area, _ btrfs: DoctorBtrfsArea)
    -> [DoctorResult]
  {
    guard facts.file(area.snapshots).kind == .directory else { return [] }
    let entries: [SnapshotEntry]
    switch btrfs.snapshots {
    case .success(let read): entries = read
    case .failure(let error):
      return [
        DoctorResult(
          .warn, "snapshots", "cannot list \(area.snapshots): \(error.reason)",
          fix: "run doctor as root")
      ]
    }
    var results: [DoctorResult] = []
    let writable = entries.filter { $0.kind == .writable && $0.time != nil }
    if let first = writable.first {
      let path = "\(area.snapshots)/\(shown(first.name))"
      let found =
        writable.count == 1
        ? "\(path) is a writable snapshot"
        : "\(area.snapshots) holds \(writable.count) writable snapshots (\(listed(writable.map { shown($0.name) })))"
      results.append(
        DoctorResult(
          .fail, "snapshots",
          found + " -- the backup account can change the history it holds",
          fix: "btrfs property set -ts \(path) ro true"
            + (writable.count == 1 ? "" : ", and the same for each of the others")))
    }
    let odd = entries.filter {
      $0.time == nil || $0.kind == .notSubvolume
    }
    if !odd.isEmpty {
      results.append(
        DoctorResult(
          .warn, "snapshots",
          "\(area.snapshots) holds \(listed(odd.map { shown($0.name) })), which "
            + (odd.count == 1
              ? "is not a read-only snapshot named by its"
              : "are not read-only snapshots named by their")
            + " UTC time (YYYY-MM-DDTHHMMSSZ) -- pushgate made none of them",
          fix: "move them out of \(area.snapshots)"))
    }
    // Retention keeps what is dated in the future (a clock set back must not cost history), so
    // such a name, made by the account or by a wrong clock, would stay and pass for the newest.
    if let now = facts.btrfs?.now,
      let future = entries.first(where: { $0.kind == .readOnly && ($0.time ?? 0) > now + 3600 })
    {
      let path = "\(area.snapshots)/\(shown(future.name))"
      results.append(
        DoctorResult(
          .warn, "snapshots",
          "\(path) is dated more than an hour in the future -- rotate never deletes it and "
            + "status calls it the newest",
          fix: "check the clock (timedatectl); a snapshot pushgate did not make can go: "
            + "btrfs subvolume delete \(path)"))
    }
    for entry in entries {
      guard case .unknown(let reason) = entry.kind, entry.time != nil else { continue }
      results.append(
        DoctorResult(
          .warn, "snapshots",
          "cannot inspect \(area.snapshots)/\(shown(entry.name)): \(reason)",
          fix: "run doctor as root"))
    }
    return results
  }

  /// The read-only snapshots with well-formed names.
  static func snapshots(of area: DoctorBtrfsArea) -> [SnapshotEntry] {
    guard case .success(let entries) = area.snapshots else { return [] }
    return entries.filter { $0.kind == .readOnly && $0.time != nil }
  }

  /// A name from the account's directory as doctor prints it: visible ASCII, at most 64 bytes.
  static func shown(_ name: [UInt8]) -> String {
    let rendered = VisibleBytes.render(name, limit: 64)
    return String(decoding: rendered.bytes, as: UTF8.self) + (rendered.isTruncated ? "..." : "")
  }
}
