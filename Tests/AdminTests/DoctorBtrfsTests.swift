// pushgate doctor on a real btrfs root (root only: a loop-mounted btrfs and an account added
// with useradd): a snapshot the account made writable fails, and passes once it is read-only.
import Foundation
import Glibc
import TestSupport
import Testing

/// Whether a btrfs can be loop-mounted here and an account added; says so when not.
private let canMountBtrfs: Bool = {
  guard canAddAccounts, installed("/usr/sbin/mkfs.btrfs"), installed("/usr/bin/btrfs") else {
    FileHandle.standardError.write(
      Data("SKIPPING: doctor's btrfs tests need root, useradd and btrfs-progs\n".utf8))
    return false
  }
  return true
}()

/// A 200 MB btrfs mounted at `path` (its own helper: a shared one comes from another change).
private struct BtrfsDisk {
  let directory: TemporaryDirectory
  let path: String

  init() throws {
    directory = try TemporaryDirectory()
    chmod(directory.path, 0o755)
    let image = directory.path + "/image"
    path = directory.path + "/backup"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let made = try run("/bin/sh", ["-c", "truncate -s 200M \(image) && mkfs.btrfs -q \(image)"])
    try #require(made.status == 0, "mkfs.btrfs: \(made.err)")
    let mounted = try run("/bin/mount", ["-o", "loop", image, path])
    try #require(mounted.status == 0, "mount: \(mounted.err)")
  }

  func remove() {
    _ = try? run("/bin/umount", ["-l", path])
    directory.remove()
  }
}

@Suite(.blocking, .enabled(if: canMountBtrfs)) struct DoctorBtrfsTests {
  @Test func aWritableSnapshotFailsUntilItIsReadOnly() throws {
    let disk = try BtrfsDisk()
    let account = try TestAccount()
    defer {
      disk.remove()
      account.remove()
    }
    // init makes ROOT itself; the mount point is an existing directory of another mode.
    let root = disk.path + "/root"
    try initRoot(root, options: ["--snapshots", "btrfs", "--account", account.name])
    let key = disk.directory.path + "/laptop"
    try #require(try makeSSHKey(key).status == 0)
    try authorizeKey(
      "laptop", publicKey: key + ".pub", config: root + "/pushgate.conf",
      authorizedKeys: disk.directory.path + "/authorized_keys", account: account.name)
    let area = root + "/keys/laptop"
    let snapshot = area + "/snapshots/2026-11-30T120312Z"
    // The account owns incoming/: it can make a writable snapshot, and flip it back.
    let made = try account.run(
      "/usr/bin/btrfs", ["-q", "subvolume", "snapshot", area + "/incoming", snapshot])
    try #require(made.status == 0, "\(made.err)")
    try write("not a snapshot\n", to: area + "/snapshots/notes.txt")
    let doctor = {
      let ran = try run(
        Binaries.pushgate,
        [
          "doctor", "--config", root + "/pushgate.conf", "--account", account.name,
          "--authorized-keys", disk.directory.path + "/authorized_keys",
        ], environment: adminEnvironment)
      return ran.out.split(separator: "\n").map(String.init).filter {
        ["rsnapshot", "btrfs", "mount", "subvolume", "rights", "snapshots"].contains(
          $0.dropFirst(6).prefix { $0 != " " })
      }
    }
    let point = disk.path
    let mountLine = { (device: String) in
      "ok    mount      \(root) is in the btrfs mount at \(point) (\(device)): read-write, without user_subvol_rm_allowed"
    }
    let device = try #require(
      try doctor().first { $0.hasPrefix("ok    mount") }?.split(separator: "(").last?
        .split(separator: ")").first.map(String.init))

    #expect(
      try doctor() == [
        "ok    rsnapshot  not used: snapshots = btrfs",
        "ok    btrfs      \(root) is on btrfs",
        mountLine(device),
        "ok    subvolume  1 area (laptop): incoming/ is a btrfs subvolume",
        "ok    rights     1 area (laptop): \(account.name) owns incoming/ and can write snapshots/, as the snapshot ioctl needs",
        "FAIL  snapshots  laptop: \(snapshot) is a writable snapshot -- the backup account can change the history it holds; fix: btrfs property set -ts \(snapshot) ro true",
        "warn  snapshots  laptop: \(area)/snapshots holds notes.txt, which is not a read-only snapshot named by its UTC time (YYYY-MM-DDTHHMMSSZ) -- pushgate made none of them; fix: move them out of \(area)/snapshots",
      ])

    let flipped = try account.run(
      "/usr/bin/btrfs", ["property", "set", "-ts", snapshot, "ro", "true"])
    try #require(flipped.status == 0, "\(flipped.err)")
    unlink(area + "/snapshots/notes.txt")
    #expect(
      try doctor() == [
        "ok    rsnapshot  not used: snapshots = btrfs",
        "ok    btrfs      \(root) is on btrfs",
        mountLine(device),
        "ok    subvolume  1 area (laptop): incoming/ is a btrfs subvolume",
        "ok    rights     1 area (laptop): \(account.name) owns incoming/ and can write snapshots/, as the snapshot ioctl needs",
        "ok    snapshots  1 area (laptop): 1 read-only snapshot named by its UTC time",
      ])

    let remounted = try run("/bin/mount", ["-o", "remount,user_subvol_rm_allowed", point])
    try #require(remounted.status == 0, "\(remounted.err)")
    #expect(
      try doctor().contains(
        "FAIL  mount      \(root) is in the btrfs mount at \(point) (\(device)) with user_subvol_rm_allowed -- the backup account could delete its snapshots, and with them its history; fix: remove user_subvol_rm_allowed from the mount's options (/etc/fstab) and mount it again (umount \(point) && mount \(point))"
      ))
  }
}
