// doctor with 'snapshots = btrfs': rsnapshot's checks give way to the file system's, the mount's
// and each area's subvolume, rights and snapshots; and the mountinfo and snapshot-name parsers.
import PushgateAdminCore
import PushgateCore
import Testing

private let mountLine =
  "36 25 0:32 / /backup rw,relatime shared:1 - btrfs /dev/loop3 rw,space_cache=v2,subvolid=5,subvol=/"

private func mount(_ line: String) -> Result<MountEntry, DoctorReadError> {
  guard let entry = MountInfo.parse(line).first else { return .failure(DoctorReadError("none")) }
  return .success(entry)
}

private func entry(_ name: String, _ kind: SnapshotEntry.Kind = .readOnly)
  -> SnapshotEntry
{
  SnapshotEntry(Array(name.utf8), kind)
}

/// The healthy facts as a btrfs root: no rsnapshot.conf, incoming/ subvolumes, two snapshots
/// in laptop's area and none in server's.
func healthyBtrfsFacts() -> DoctorFacts {
  var facts = healthyFacts()
  var settings = doctorSettings
  settings.snapshots = .btrfs
  facts.settings = .parsed(settings)
  for label in ["laptop", "server"] {
    facts.files[settings.area(label).rsnapshotConf] = nil
    facts.rsnapshotConfs[label] = nil
    facts.configtests[label] = nil
  }
  facts.rsnapshotVersion = .notRun("not run")
  facts.btrfs = DoctorBtrfs(
    isBtrfs: true, fileSystem: "btrfs", mount: mount(mountLine),
    areas: [
      "laptop": DoctorBtrfsArea(
        incoming: .subvolume,
        snapshots: .success([entry("2026-11-29T120000Z"), entry("2026-11-30T120312Z")])),
      "server": DoctorBtrfsArea(incoming: .subvolume, snapshots: .success([])),
    ])
  facts.btrfs?.now = 1_796_047_200  // 2026-11-30T14:00:00Z
  return facts
}

private func changeLaptop(_ facts: inout DoctorFacts, _ change: (inout DoctorBtrfsArea) -> Void) {
  guard var area = facts.btrfs?.areas["laptop"] else { return }
  change(&area)
  facts.btrfs?.areas["laptop"] = area
}

private func row(
  _ name: String, _ level: DoctorLevel, _ check: String, _ found: String, fix: String = "",
  _ change: @escaping @Sendable (inout DoctorFacts) -> Void
) -> DoctorCase {
  DoctorCase(name: name, change: change, expected: DoctorResult(level, check, found, fix: fix))
}

private let snapshots = "/backup/keys/laptop/snapshots"
private let mounted = "/backup is in the btrfs mount at /backup (/dev/loop3)"

let doctorBtrfsCases: [DoctorCase] = [
  row(
    "ROOT on ext4", .fail, "btrfs",
    "/backup is on ext2/ext3/ext4, not btrfs -- with snapshots = btrfs no snapshot can be taken",
    fix:
      "mount a btrfs at /backup (mkfs.btrfs DEVICE && mount DEVICE /backup), or set 'snapshots = rsnapshot' in /backup/pushgate.conf"
  ) {
    $0.btrfs?.isBtrfs = false
    $0.btrfs?.fileSystem = "ext2/ext3/ext4"
  },
  row(
    "the mount lets users delete subvolumes", .fail, "mount",
    mounted
      + " with user_subvol_rm_allowed -- the backup account could delete its snapshots, and with them its history",
    fix:
      "remove user_subvol_rm_allowed from the mount's options (/etc/fstab) and mount it again (umount /backup && mount /backup)"
  ) { $0.btrfs?.mount = mount(mountLine + ",user_subvol_rm_allowed") },
  row(
    "the mount is read-only", .fail, "mount",
    mounted + " read-only -- every push and snapshot would fail",
    fix: "mount -o remount,rw /backup"
  ) { $0.btrfs?.mount = mount(mountLine.replacingOccurrences("/backup rw,", "/backup ro,")) },
  row(
    "the mount is not found", .warn, "mount",
    "cannot tell the mount options of /backup: no mount in /proc/self/mountinfo holds /backup",
    fix: "check that /proc/self/mountinfo lists /backup's mount"
  ) {
    $0.btrfs?.mount = .failure(
      DoctorReadError("no mount in /proc/self/mountinfo holds /backup"))
  },
  row(
    "incoming/ a plain directory", .fail, "subvolume",
    "laptop: /backup/keys/laptop/incoming is a plain directory, not a btrfs subvolume -- every snapshot of the area would fail",
    fix:
      "mv /backup/keys/laptop/incoming /backup/keys/laptop/incoming.old, then pushgate authorize --config /backup/pushgate.conf --account backup --key laptop --replace CLIENT-KEY.pub (it makes the subvolume), then move the data back into it"
  ) { changeLaptop(&$0) { $0.incoming = .plainDirectory } },
  row(
    "incoming/ cannot be opened", .warn, "subvolume",
    "laptop: cannot inspect /backup/keys/laptop/incoming: Permission denied",
    fix: "run doctor as root"
  ) { changeLaptop(&$0) { $0.incoming = .unknown("Permission denied") } },
  row(
    "incoming/ owned by root", .fail, "rights",
    "laptop: /backup/keys/laptop/incoming is owned by root, not backup -- btrfs lets only a subvolume's owner snapshot it, so every snapshot of the area would fail",
    fix: "chown -R backup /backup/keys/laptop/incoming"
  ) { $0.files["/backup/keys/laptop/incoming"] = DoctorFile(.directory, mode: 0o755) },
  row(
    "snapshots/ not writable by the account", .fail, "rights",
    "laptop: backup cannot write /backup/keys/laptop/snapshots (owner root, mode 0775) -- every snapshot of the area would fail",
    fix: "chown backup \(snapshots) && chmod 0750 \(snapshots)"
  ) { $0.files[snapshots] = DoctorFile(.directory, gid: 2000, mode: 0o775) },
  row(
    "a writable snapshot", .fail, "snapshots",
    "laptop: \(snapshots)/2026-11-30T120312Z is a writable snapshot -- the backup account can change the history it holds",
    fix: "btrfs property set -ts \(snapshots)/2026-11-30T120312Z ro true"
  ) {
    changeLaptop(&$0) {
      $0.snapshots = .success([entry("2026-11-29T120000Z"), entry("2026-11-30T120312Z", .writable)])
    }
  },
  row(
    "two writable snapshots", .fail, "snapshots",
    "laptop: \(snapshots) holds 2 writable snapshots (2026-11-29T120000Z, 2026-11-30T120312Z) -- the backup account can change the history it holds",
    fix:
      "btrfs property set -ts \(snapshots)/2026-11-29T120000Z ro true, and the same for each of the others"
  ) {
    changeLaptop(&$0) {
      $0.snapshots = .success([
        entry("2026-11-29T120000Z", .writable), entry("2026-11-30T120312Z", .writable),
      ])
    }
  },
  row(
    "odd entries: a file, a badly named subvolume, a control character", .warn, "snapshots",
    "laptop: \(snapshots) holds 2026-11-30T120312Z, 2026-13-01T000000Z, evil\\x1b[2J, which are not read-only snapshots named by their UTC time (YYYY-MM-DDTHHMMSSZ) -- pushgate made none of them",
    fix: "move them out of \(snapshots)"
  ) {
    changeLaptop(&$0) {
      $0.snapshots = .success([
        entry("2026-11-30T120312Z", .notSubvolume), entry("2026-13-01T000000Z", .writable),
        entry("evil\u{1b}[2J", .notSubvolume),
      ])
    }
  },
  row(
    "a snapshot dated in the future", .warn, "snapshots",
    "laptop: \(snapshots)/2026-11-30T150001Z is dated more than an hour in the future -- rotate never deletes it and status calls it the newest",
    fix:
      "check the clock (timedatectl); a snapshot pushgate did not make can go: btrfs subvolume delete \(snapshots)/2026-11-30T150001Z"
  ) {
    changeLaptop(&$0) {
      $0.snapshots = .success([
        entry("2026-11-30T120312Z"), entry("2026-11-30T150000Z"), entry("2026-11-30T150001Z"),
      ])
    }
  },
  row(
    "a snapshot that cannot be opened", .warn, "snapshots",
    "laptop: cannot inspect \(snapshots)/2026-11-30T120312Z: Permission denied",
    fix: "run doctor as root"
  ) {
    changeLaptop(&$0) {
      $0.snapshots = .success([entry("2026-11-30T120312Z", .unknown("Permission denied"))])
    }
  },
  row(
    "snapshots/ cannot be listed", .warn, "snapshots",
    "laptop: cannot list \(snapshots): Permission denied", fix: "run doctor as root"
  ) { changeLaptop(&$0) { $0.snapshots = .failure(DoctorReadError("Permission denied")) } },
]

@Suite struct DoctorBtrfsTests {
  @Test func aHealthyBtrfsRootIsAllOkAndRunsNoRsnapshotCheck() {
    let results = DoctorChecks.run(healthyBtrfsFacts())
    let lines = DoctorResult.render(results).filter {
      ["rsnapshot", "btrfs", "mount", "areas", "subvolume", "rights", "snapshots", "slots"]
        .contains($0.dropFirst(6).prefix { $0 != " " })
    }
    #expect(
      lines == [
        "ok    rsnapshot  not used: snapshots = btrfs",
        "ok    btrfs      /backup is on btrfs",
        "ok    mount      /backup is in the btrfs mount at /backup (/dev/loop3): read-write, without user_subvol_rm_allowed",
        "ok    areas      2 areas in /backup/keys (laptop, server): incoming/, snapshots/ and state/ in place, state/ of backup",
        "ok    subvolume  2 areas (laptop, server): incoming/ is a btrfs subvolume",
        "ok    rights     2 areas (laptop, server): backup owns incoming/ and can write snapshots/, as the snapshot ioctl needs",
        "ok    snapshots  2 areas (laptop, server): 2 read-only snapshots named by their UTC time",
        "ok    slots      2 areas, max_connections = 8: every key can push at once",
      ])
    #expect(DoctorResult.exitStatus(results) == 0)
  }

  @Test(arguments: doctorBtrfsCases)
  func reportsTheProblem(_ c: DoctorCase) {
    var facts = healthyBtrfsFacts()
    c.change(&facts)
    let results = DoctorChecks.run(facts)
    #expect(results.contains(c.expected), "\(DoctorResult.render(results).joined(separator: "\n"))")
    #expect(DoctorResult.exitStatus(results) == Int32(c.expected.level.rawValue))
  }

  @Test func theSameProblemInBothAreasIsOneLine() {
    var facts = healthyBtrfsFacts()
    for label in ["laptop", "server"] { facts.btrfs?.areas[label]?.incoming = .plainDirectory }
    let lines = DoctorResult.render(DoctorChecks.run(facts)).filter { $0.contains(" subvolume ") }
    #expect(
      lines == [
        "FAIL  subvolume  laptop, server: /backup/keys/LABEL/incoming is a plain directory, not a btrfs subvolume -- every snapshot of the area would fail; fix: mv /backup/keys/LABEL/incoming /backup/keys/LABEL/incoming.old, then pushgate authorize --config /backup/pushgate.conf --account backup --key LABEL --replace CLIENT-KEY.pub (it makes the subvolume), then move the data back into it"
      ])
  }

  @Test func aMissingIncomingIsMadeByAuthorizeNotMkdir() {
    var facts = healthyBtrfsFacts()
    facts.files["/backup/keys/laptop/incoming"] = .missing
    #expect(
      DoctorChecks.run(facts).contains(
        DoctorResult(
          .fail, "areas",
          "laptop: /backup/keys/laptop/incoming does not exist -- every push of the area would fail",
          fix:
            "pushgate authorize --config /backup/pushgate.conf --account backup --key laptop --replace CLIENT-KEY.pub"
        )))
  }

  @Test func theRsnapshotConfIsNotAmongThePathsToInspect() {
    #expect(
      !DoctorChecks.pathsToInspect(healthyBtrfsFacts()).contains {
        $0.hasSuffix(".conf") && $0.contains("keys")
      })
  }
}

struct MountCase: Sendable, CustomTestStringConvertible {
  let name: String
  let text: String
  let path: String
  let expected: MountEntry?
  var testDescription: String { name }
}

private func btrfsMount(
  _ point: String, _ options: [String] = ["rw", "relatime"], _ superOptions: [String] = ["rw"],
  source: String = "/dev/loop3"
) -> MountEntry {
  MountEntry(
    mountPoint: point, fileSystem: "btrfs", source: source, mountOptions: options,
    superOptions: superOptions)
}

private let rootLine = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro"

let mountCases: [MountCase] = [
  MountCase(
    name: "the root file system holds everything", text: rootLine, path: "/backup",
    expected: MountEntry(
      mountPoint: "/", fileSystem: "ext4", source: "/dev/sda1", mountOptions: ["rw", "relatime"],
      superOptions: ["rw", "errors=remount-ro"])),
  MountCase(
    name: "the longest mount point above the path",
    text: rootLine + "\n36 22 0:32 / /backup rw,relatime shared:2 - btrfs /dev/loop3 rw",
    path: "/backup/keys", expected: btrfsMount("/backup")),
  MountCase(
    name: "a mount point that only starts like the path does not hold it",
    text: rootLine + "\n36 22 0:32 / /back rw,relatime - btrfs /dev/loop3 rw", path: "/backup",
    expected: MountEntry(
      mountPoint: "/", fileSystem: "ext4", source: "/dev/sda1", mountOptions: ["rw", "relatime"],
      superOptions: ["rw", "errors=remount-ro"])),
  MountCase(
    name: "the later of two mounts at one point",
    text: rootLine + "\n36 22 0:32 / /backup rw - btrfs /dev/loop3 rw\n"
      + "37 36 0:33 / /backup ro - btrfs /dev/loop4 ro,user_subvol_rm_allowed",
    path: "/backup",
    expected: btrfsMount("/backup", ["ro"], ["ro", "user_subvol_rm_allowed"], source: "/dev/loop4")),
  MountCase(
    name: "no optional fields, and octal escapes in the mount point",
    text:
      #"40 22 0:35 /sub /srv/my\040backups rw - btrfs /dev/my\134disk rw,user_subvol_rm_allowed"#,
    path: "/srv/my backups/x",
    expected: btrfsMount(
      "/srv/my backups", ["rw"], ["rw", "user_subvol_rm_allowed"], source: #"/dev/my\disk"#)),
  MountCase(
    name: "several optional fields", text: "40 22 0:35 / /b rw shared:5 master:2 - btrfs s rw",
    path: "/b", expected: btrfsMount("/b", ["rw"], ["rw"], source: "s")),
  MountCase(
    name: "a damaged line is skipped", text: "40 22 0:35 / /b rw btrfs s rw", path: "/b",
    expected: nil),
  MountCase(name: "nothing", text: "", path: "/", expected: nil),
]

@Test(arguments: mountCases)
func findsTheMountHoldingAPath(_ c: MountCase) {
  #expect(MountInfo.containing(c.path, in: MountInfo.parse(c.text)) == c.expected)
}

@Test func readsTheMountOptionsThatMatter() {
  #expect(btrfsMount("/b", ["ro"]).isReadOnly)
  #expect(btrfsMount("/b", ["rw"], ["ro"]).isReadOnly)
  #expect(!btrfsMount("/b").isReadOnly)
  #expect(btrfsMount("/b", ["rw"], ["rw", "user_subvol_rm_allowed"]).allowsUserSubvolumeRemoval)
  #expect(!btrfsMount("/b", ["rw"], ["rw", "user_subvol_rm_allowed=0"]).allowsUserSubvolumeRemoval)
}

struct SnapshotNameCase: Sendable, CustomTestStringConvertible {
  let name: String
  let bytes: [UInt8]
  let expected: Int?
  var testDescription: String { name }
}

private func nameCase(_ name: String, _ text: String, _ expected: String?) -> SnapshotNameCase {
  SnapshotNameCase(
    name: name, bytes: Array(text.utf8), expected: expected.flatMap(Timestamp.parse))
}

let snapshotNameCases: [SnapshotNameCase] = [
  nameCase("a name the gate writes", "2026-11-30T120312Z", "2026-11-30T12:03:12Z"),
  nameCase("the epoch", "1970-01-01T000000Z", "1970-01-01T00:00:00Z"),
  nameCase("a leap day", "2028-02-29T235959Z", "2028-02-29T23:59:59Z"),
  nameCase("no leap day", "2026-02-29T000000Z", nil),
  nameCase("month 13", "2026-13-01T000000Z", nil),
  nameCase("hour 24", "2026-11-30T240000Z", nil),
  nameCase("minute 60", "2026-11-30T126000Z", nil),
  nameCase("a leap second", "2026-12-31T235960Z", nil),
  nameCase("with colons", "2026-11-30T12:03:12Z", nil),
  nameCase("lower-case t", "2026-11-30t120312Z", nil),
  nameCase("no Z", "2026-11-30T120312", nil),
  nameCase("a trailing newline", "2026-11-30T120312Z\n", nil),
  nameCase("a sign in the seconds", "2026-11-30T1203+2Z", nil),
  nameCase("full-width digit", "2026-11-30T12031\u{FF12}Z", nil),
  nameCase("empty", "", nil),
  SnapshotNameCase(
    name: "invalid UTF-8", bytes: Array("2026-11-30T12031".utf8) + [0xFF, 0x5A], expected: nil),
]

@Test(arguments: snapshotNameCases)
func parsesSnapshotNames(_ c: SnapshotNameCase) {
  #expect(SnapshotName.parse(c.bytes) == c.expected)
}
