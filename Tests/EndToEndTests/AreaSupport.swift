// Helpers around a key's area: the exact state of a tree (to prove nothing changed), locks the
// test holds on the root or an area, a slow rsnapshot, and a non-root backup account.
import Foundation
import Glibc
import TestSupport
import Testing

/// Everything a write could change in a directory tree, entry by entry (lstat(2), never following a
/// symlink): type, mode, owner, link count, size, modification time, and a file's bytes or a
/// symlink's target.
///
/// Equal states: nothing was written, created, removed or linked.
struct TreeState: Equatable {
  struct Entry: Equatable {
    var type: Character
    var mode: UInt32
    var owner: String
    var links: UInt
    var size: Int
    var modified: String
    var contents: Data?
    var target: String?
  }

  var entries: [String: Entry]

  /// Reads the tree below `root` (the root itself is the entry ".").
  static func of(_ root: String) -> TreeState {
    var entries: [String: Entry] = [:]
    func visit(_ relative: String) {
      let full = relative == "." ? root : root + "/" + relative
      var info = stat()
      guard lstat(full, &info) == 0 else { return }
      let kind = info.st_mode & S_IFMT
      var entry = Entry(
        type: kind == S_IFDIR ? "d" : kind == S_IFREG ? "f" : kind == S_IFLNK ? "l" : "?",
        mode: UInt32(info.st_mode & 0o7777), owner: "\(info.st_uid):\(info.st_gid)",
        links: UInt(info.st_nlink), size: Int(info.st_size),
        modified: "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)")
      if kind == S_IFREG { entry.contents = FileManager.default.contents(atPath: full) }
      if kind == S_IFLNK {
        entry.target = try? FileManager.default.destinationOfSymbolicLink(atPath: full)
      }
      entries[relative] = entry
      guard kind == S_IFDIR else { return }
      for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] {
        visit(relative == "." ? name : relative + "/" + name)
      }
    }
    visit(".")
    return TreeState(entries: entries)
  }

  /// One line per entry that differs, for a failure message.
  func differences(from before: TreeState) -> [String] {
    Set(entries.keys).union(before.entries.keys).sorted().compactMap { name in
      switch (before.entries[name], entries[name]) {
      case (nil, _?): "created \(name)"
      case (_?, nil): "removed \(name)"
      case (let old?, let new?) where old != new: "changed \(name): \(old) -> \(new)"
      default: nil
      }
    }
  }

  /// Whether any file's bytes contain `marker`, and where.
  func filesContaining(_ marker: String) -> [String] {
    let bytes = Data(marker.utf8)
    return entries.filter { $0.value.contents?.range(of: bytes) != nil }.keys.sorted()
  }
}

/// A classic (per-process) fcntl write lock on bytes of a lock file, held by the test process.
///
/// It conflicts with the gate's OFD locks: the root's lock file has slot i at byte 16 + i; an
/// area's `state/lock` has the area at byte 0 and the snapshot mark at byte 1. One HeldLock per
/// file: closing any descriptor of a file drops every classic lock of the process on it.
final class HeldLock {
  private var fd: Int32
  private let byte: Int
  private let length: Int

  /// Holds slot `i` of the root (byte 16 + i).
  static func slot(_ index: Int, of root: BackupRoot) throws -> HeldLock {
    try HeldLock(lockFile: root.lockFile, byte: 16 + index)
  }

  /// Holds a key's area as a running session of that key does (byte 0).
  static func session(of key: String, in root: BackupRoot) throws -> HeldLock {
    try HeldLock(lockFile: root.state(key) + "/lock", byte: 0)
  }

  /// Holds a key's area and its snapshot mark, as a running snapshot or rotate does (bytes 0-1).
  static func snapshot(of key: String, in root: BackupRoot) throws -> HeldLock {
    try HeldLock(lockFile: root.state(key) + "/lock", byte: 0, length: 2)
  }

  /// Opens (or creates, 0600) the lock file and write-locks the bytes without waiting.
  init(lockFile: String, byte: Int, length: Int = 1) throws {
    self.byte = byte
    self.length = length
    fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
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
    lock.l_len = off_t(length)
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

/// A root-owned rsnapshot wrapper in the test's own directory, for the `rsnapshot` setting.
///
/// A level run of a blocked area (every area, or the keys named) records its pid in
/// `DIR/started-KEY`, waits (at most 60 s) for `DIR/release`, then execs the real rsnapshot with
/// the same arguments (`-c AREA/rsnapshot.conf LEVEL`). `configtest` (authorize runs it) and other
/// areas go straight through. The release file is the handshake: no sleeping test.
struct SlowRsnapshot {
  let directory: String
  var path: String { directory + "/slow-rsnapshot" }
  /// The line for pushgate.conf.
  var setting: String { "rsnapshot = \(path)" }

  init(directory: String, blocking keys: [String]? = nil) throws {
    self.directory = directory
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let blocked =
      keys.map {
        "case \" \($0.joined(separator: " ")) \" in *\" $key \"*) ;; *) exec /usr/bin/rsnapshot \"$@\" ;; esac"
      } ?? ""
    try write(
      """
      #!/bin/sh
      conf=$2
      key=${conf%/rsnapshot.conf}
      key=${key##*/}
      [ "$3" = configtest ] && exec /usr/bin/rsnapshot "$@"
      \(blocked)
      echo $$ > \(directory)/started-$key.new && mv \(directory)/started-$key.new \(directory)/started-$key
      i=0
      while [ ! -e \(directory)/release ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
      exec /usr/bin/rsnapshot "$@"

      """, to: path, mode: 0o755)
  }

  /// The pid of the blocked run of `key`, once it started (it stays rsnapshot's pid: exec).
  func startedPid(_ key: String, within seconds: Double = 30) -> pid_t? {
    Self.started(in: directory, key: key, within: seconds)
  }

  /// The pid of the blocked run of `key` of the wrapper in `directory`, once it started.
  static func started(in directory: String, key: String, within seconds: Double = 30) -> pid_t? {
    var pid: pid_t?
    _ = eventually(within: seconds) {
      pid = pid_t(
        read(directory + "/started-" + key).trimmingCharacters(in: .whitespacesAndNewlines))
      return pid != nil
    }
    return pid
  }

  /// Forgets a started run, so the next one of `key` can be seen.
  func forget(_ key: String) { Self.forget(in: directory, key: key) }

  /// Forgets a started run of the wrapper in `directory`.
  static func forget(in directory: String, key: String) {
    try? FileManager.default.removeItem(atPath: directory + "/started-" + key)
  }

  /// Lets every blocked run (and every later one) go on.
  func release() throws { try write("", to: directory + "/release") }
}
