// A complete backup root per test, built by hand, and the real rsync client pointed at it.
import Foundation
import Glibc
import Testing
import TestSupport

/// Whether the programs the end-to-end tests drive are here (each missing one prints SKIPPING).
let realProgramsInstalled = installed("/usr/bin/rsync") && installed("/usr/bin/rsnapshot")

/// One backup root `R` in a fresh temporary directory: incoming/, snapshots/, rsyncd.conf,
/// rsnapshot.conf and pushgate.conf, plus a client source directory beside it.
struct BackupRoot {
  let temporary: TemporaryDirectory
  /// The root `R` (pushgate.conf's `root`).
  let path: String
  /// The client's source directory (outside the root).
  let source: String

  /// Builds the root; `extraSettings` are appended to pushgate.conf (e.g. `snapshot_mode = detach`).
  init(extraSettings: [String] = []) throws {
    temporary = try TemporaryDirectory()
    path = temporary.path + "/root"
    source = temporary.path + "/source"
    let files = FileManager.default
    try files.createDirectory(atPath: path + "/incoming", withIntermediateDirectories: true)
    try files.createDirectory(atPath: source, withIntermediateDirectories: true)
    try files.createDirectory(
      atPath: path + "/snapshots", withIntermediateDirectories: false,
      attributes: [.posixPermissions: 0o750])
    // As root, rsync's daemon side would switch to nobody without uid/gid (FIELD-NOTES §3).
    try write(
      """
      use chroot = no
      uid = root
      gid = root

      [push]
      path = \(path)/incoming
      read only = no
      write only = yes
      list = no

      [snapshots]
      path = \(path)/snapshots
      read only = yes

      """, to: path + "/rsyncd.conf")
    let rsnapshot: [[String]] = [
      ["config_version", "1.2"],
      ["snapshot_root", path + "/snapshots/"],
      ["no_create_root", "1"],
      ["cmd_cp", "/bin/cp"],
      ["cmd_rm", "/bin/rm"],
      ["cmd_rsync", "/usr/bin/rsync"],
      ["retain", "hourly", "5"],
      ["lockfile", path + "/rsnapshot.pid"],
      ["link_dest", "1"],
      ["rsync_long_args", "--delete --numeric-ids --delete-excluded"],
      ["backup", path + "/incoming/", "push/"],
    ]
    try write(
      rsnapshot.map { $0.joined(separator: "\t") + "\n" }.joined(), to: path + "/rsnapshot.conf")
    try write(
      (["root = \(path)"] + extraSettings).joined(separator: "\n") + "\n",
      to: path + "/pushgate.conf", mode: 0o644)
  }

  /// Removes everything.
  func remove() { temporary.remove() }

  var auditLog: String { path + "/pushgate.log" }
  var lockFile: String { path + "/pushgate.lock" }
  var incoming: String { path + "/incoming" }

  /// The audit log's records.
  var records: [[String: Any]] { auditRecords(auditLog) }

  /// The records of one event, in log order.
  func records(_ event: String) -> [[String: Any]] {
    records.filter { $0["event"] as? String == event }
  }

  /// Runs the real rsync client as a user would, through fake-ssh and the gate:
  /// `rsync <arguments>` with `-e fake-ssh --rsync-path='cd R && rsync'` first.
  @discardableResult
  func client(_ arguments: [String], daemonForm: Bool = true) throws -> Finished {
    let prefix = ["-e", Binaries.fakeSSH] + (daemonForm ? ["--rsync-path=cd \(path) && rsync"] : [])
    return try run(
      "/usr/bin/rsync", prefix + arguments,
      environment: [
        "PATH": "/usr/bin:/bin", "HOME": temporary.path,
        "PUSHGATE_FORCED_COMMAND": "\(Binaries.serve) --config \(path)/pushgate.conf --key laptop",
      ])
  }

  /// Pushes the source directory into the push module.
  @discardableResult
  func push(_ options: [String] = ["-a"]) throws -> Finished {
    try client(options + [source + "/", "localhost::push"])
  }

  /// Writes a file into the client's source directory.
  func writeSource(_ name: String, _ text: String) throws {
    try write(text, to: source + "/" + name)
  }

  /// The snapshot directories (`hourly.N`), sorted by N.
  var snapshots: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path + "/snapshots")) ?? []
    return names.filter { $0.hasPrefix("hourly.") }
      .sorted { Int($0.dropFirst(7)) ?? -1 < Int($1.dropFirst(7)) ?? -1 }
  }

  /// A file inside a snapshot: `R/snapshots/<snapshot>/push/<name>`.
  func snapshotFile(_ snapshot: String, _ name: String) -> String {
    path + "/snapshots/" + snapshot + "/push/" + name
  }

  /// The names directly inside `directory` (sorted; empty when missing).
  func names(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }
}

/// The inode number of a file (equal numbers on one file system: hard links).
func inode(_ path: String) throws -> UInt64 {
  let attributes = try FileManager.default.attributesOfItem(atPath: path)
  return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns its last value.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if condition() { return true }
    usleep(20_000)
  }
  return condition()
}

/// The lines of a text, for exact line matches.
func lines(_ text: String) -> [String] {
  text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

/// A classic (per-process) fcntl write lock on one byte of a root's lock file, held by the test
/// process. It conflicts with the gate's OFD locks (byte 0 gate, 1 tree, 16 + i slot i).
final class HeldLock {
  private var fd: Int32
  private let byte: Int

  /// Holds slot `i` (byte 16 + i).
  static func slot(_ index: Int, of root: BackupRoot) throws -> HeldLock {
    try HeldLock(lockFile: root.lockFile, byte: 16 + index)
  }

  /// Holds the gate (byte 0), as a snapshot waiting for the tree does.
  static func gate(of root: BackupRoot) throws -> HeldLock {
    try HeldLock(lockFile: root.lockFile, byte: 0)
  }

  /// Opens (or creates, 0640) the lock file and write-locks `byte` without waiting.
  init(lockFile: String, byte: Int) throws {
    self.byte = byte
    fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    guard setLock(Int16(F_WRLCK)) else {
      let code = POSIXErrorCode(rawValue: errno) ?? .EIO
      close(fd)
      throw POSIXError(code)
    }
  }

  private func setLock(_ type: Int16) -> Bool {
    var lock = flock()
    lock.l_type = type
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = off_t(byte)
    lock.l_len = 1
    return fcntl(fd, F_SETLK, &lock) == 0
  }

  /// Unlocks and closes; safe to call twice.
  func release() {
    guard fd >= 0 else { return }
    _ = setLock(Int16(F_UNLCK))
    close(fd)
    fd = -1
  }

  deinit { release() }
}
