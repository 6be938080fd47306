// What the sync-first fault matrix needs beyond a BackupRoot: trees of many small files that
// the client pushes in distinct states, checksummed manifests of those states and of each
// snapshot, a throttled sync to land a kill in, the processes of a snapshot (everything holding
// the area's lock file), and a probe of the area lock with F_OFD_SETLK.
import Foundation
import Glibc
import TestSupport
import Testing

/// A checksummed manifest of a tree: relative path → FNV-1a 64 of the content.
typealias Manifest = [String: UInt64]

/// FNV-1a, 64 bits: enough to tell the states of a test's files apart.
func fnv1a(_ data: Data) -> UInt64 {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  for byte in data {
    hash ^= UInt64(byte)
    hash = hash &* 0x100_0000_01b3
  }
  return hash
}

/// The manifest of the regular files below `directory` (`nil` when it does not exist).
func manifest(_ directory: String) -> Manifest? {
  guard let walker = FileManager.default.enumerator(atPath: directory) else { return nil }
  var found: Manifest = [:]
  while let name = walker.nextObject() as? String {
    let path = directory + "/" + name
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
    found[name] = fnv1a((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
  }
  return found
}

/// How many regular files below `directory` have a single link: written by this sync, not
/// hard-linked to the previous snapshot.
func newFiles(in directory: String) -> Int {
  guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
  var count = 0
  while let name = walker.nextObject() as? String {
    var info = stat()
    if lstat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
      info.st_nlink == 1
    {
      count += 1
    }
  }
  return count
}

/// Writes `count` small files in directories of 100 into `directory`, each naming `state`.
func writeTree(_ directory: String, state: String, count: Int) throws {
  for index in 0..<count {
    let folder = directory + String(format: "/d%03d", index / 100)
    if index % 100 == 0 {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    try write(
      "file \(index) of state \(state)\n", to: folder + String(format: "/f%03d", index % 100))
  }
}

/// The pids of live processes with a descriptor on `path` (readlink of /proc/PID/fd/*).
func processesHolding(_ path: String) -> [pid_t] {
  allPids().filter { pid in
    guard !isGone(pid) else { return false }
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    return fds.contains {
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == path
    }
  }
}

/// Whether another open file description could take byte 0 of the lock file at `path`
/// (fcntl F_OFD_SETLK, 37, a write lock, released at once by closing).
func areaLockIsFree(_ path: String) -> Bool {
  let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  var lock = flock()
  lock.l_type = Int16(F_WRLCK)
  lock.l_whence = Int16(SEEK_SET)
  lock.l_start = 0
  lock.l_len = 1
  return fcntl(fd, 37, &lock) == 0
}

/// Watches the area lock until no process holds the lock file any more (at most `seconds`): records
/// every probe that found the lock free while a process of the snapshot was alive before and after
/// it.
///
/// Returns those violations' holders and whether everything ended.
func watchAreaLock(_ lockFile: String, within seconds: Double = 60) -> (
  violations: [[pid_t]], ended: Bool
) {
  var violations: [[pid_t]] = []
  let ended = eventually(within: seconds) {
    let before = processesHolding(lockFile)
    if before.isEmpty { return true }
    if areaLockIsFree(lockFile) {
      let after = processesHolding(lockFile)
      if !after.isEmpty { violations.append(after) }
    }
    usleep(80_000)
    return false
  }
  return (violations, ended)
}

extension BackupRoot {
  /// Starts pushing the key's source directory in the background, as `push` would.
  func startPush(name: String) throws -> Background {
    let argv =
      ["/usr/bin/rsync"] + clientPrefix() + ["-a", "--delete", source + "/", "localhost::push"]
    return try Background(
      argv, environment: clientEnvironment(), output: temporary.path + "/" + name)
  }

  /// The area's rsnapshot.conf with `extra` appended to its rsync_long_args (test-only
  /// throttling, which no client can ask for), or as authorize wrote it.
  func throttleSync(_ extra: String?) throws {
    let conf = area(keys[0]) + "/rsnapshot.conf"
    var lines = read(conf).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for index in lines.indices where lines[index].hasPrefix("rsync_long_args\t") {
      lines[index] =
        "rsync_long_args\t--delete --numeric-ids --delete-excluded --modify-window=-1"
        + (extra.map { " " + $0 } ?? "")
    }
    try write(lines.joined(separator: "\n"), to: conf)
  }

  /// The area's lock file.
  var areaLock: String { state(keys[0]) + "/lock" }

  /// The area's snapshots/.sync.
  var syncDirectory: String { snapshotsDirectory(keys[0]) + "/.sync" }
}
