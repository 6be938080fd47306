// Processes and locks for the binary tests: starting the gate as sshd does, polling, and
// holding bytes of the lock file from the test process.
import Foundation
import Glibc
import TestSupport

/// Writes an executable through a close-on-exec descriptor.
///
/// TestSupport's `write` goes through `Data.write`, whose descriptor is not close-on-exec: a
/// process another test starts at that moment keeps the file open for writing, and executing
/// it (a script too) then fails with ETXTBSY. Settings and scenario files are never executed,
/// so they use `write`.
func writeExecutable(_ bytes: [UInt8], to path: String) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
  guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
  defer { Glibc.close(fd) }
  var offset = 0
  while offset < bytes.count {
    let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    offset += count
  }
  guard fchmod(fd, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// A copy of pushgate-serve at `path` (for install-path tests).
func copyServe(to path: String) throws {
  let bytes = try Data(contentsOf: URL(fileURLWithPath: Binaries.serve))
  try writeExecutable(Array(bytes), to: path)
}

/// Runs a freshly written executable, retrying while a process another test started in the
/// same instant still holds it open (ETXTBSY, reported by Foundation as a Cocoa error).
func runFresh(_ attempt: () throws -> Finished) throws -> Finished {
  let deadline = Date().addingTimeInterval(10)
  while true {
    do { return try attempt() } catch where Date() < deadline { usleep(50_000) }
  }
}

/// The running account, as pushgate-serve reads it from the password database.
func account() -> (user: String, home: String) {
  guard let entry = getpwuid(geteuid()) else { return ("", "") }
  return (String(cString: entry.pointee.pw_name), String(cString: entry.pointee.pw_dir))
}

/// The path pushgate-serve reports for itself (/proc/self/exe, symlinks resolved).
var servePath: String { URL(fileURLWithPath: Binaries.serve).resolvingSymlinksInPath().path }

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if condition() { return true }
    usleep(20_000)
  }
  return condition()
}

/// Whether a process has ended (no /proc entry, or a zombie nobody reaped yet).
func isGone(_ pid: Int32) -> Bool {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")"), stat.distance(from: close, to: stat.endIndex) > 2
  else { return true }
  let state = stat[stat.index(close, offsetBy: 2)]
  return state == "Z" || state == "X"
}

/// Whether process `pid` has `path` open.
func hasOpen(_ pid: Int32, _ path: String) -> Bool {
  let directory = "/proc/\(pid)/fd"
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
  return names.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0)) == path }
}

/// A classic (process-associated) fcntl lock on one byte of a lock file, held by the test
/// process: a write lock, or a read lock (`shared`, as a running push holds the tree).
/// Classic and open-file-description locks conflict on Linux.
struct ByteLock: Sendable {
  let fd: Int32

  /// Locks `byte` of `path`. One ByteLock per file: classic fcntl locks belong to the
  /// process, so closing one descriptor of a file drops every lock the process holds on it.
  init(_ path: String, byte: Int, shared: Bool = false) throws {
    try self.init(path, bytes: [byte], shared: shared)
  }

  /// Locks each of `bytes` of `path`.
  init(_ path: String, bytes: [Int], shared: Bool = false) throws {
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    for byte in bytes {
      var lock = flock()
      lock.l_type = Int16(shared ? F_RDLCK : F_WRLCK)
      lock.l_whence = Int16(SEEK_SET)
      lock.l_start = off_t(byte)
      lock.l_len = 1
      guard fcntl(fd, F_SETLK, &lock) == 0 else {
        let error = POSIXError(.init(rawValue: errno) ?? .EIO)
        Glibc.close(fd)
        throw error
      }
    }
  }

  /// Drops the lock (idempotent); the descriptor stays open until `close()`.
  func release() {
    var lock = flock()
    lock.l_type = Int16(F_UNLCK)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = 0
    lock.l_len = 0
    _ = fcntl(fd, F_SETLK, &lock)
  }

  func close() { Glibc.close(fd) }

  /// Whether another process holds a write lock on `byte` (fcntl F_GETLK).
  func isWriteLockedElsewhere(byte: Int) -> Bool {
    var lock = flock()
    lock.l_type = Int16(F_WRLCK)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = off_t(byte)
    lock.l_len = 1
    return fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type == Int16(F_WRLCK)
  }
}

/// The refusal bytes a daemon-mode rsync client reads on stdout.
func daemonRefusal(_ message: String) -> String { "@RSYNCD: 31.0\n@ERROR: \(message)\n" }

/// pushgate-serve started the way sshd starts it: with no signal blocked and every signal at
/// its default (Foundation's `Process` passes on the test runner's blocked signals). stdin is a
/// pipe the test holds; stdout and stderr go to `<output>.out` and `<output>.err`. Other
/// descriptors of the test process are close-on-exec (and pushgate-serve closes the rest).
final class ServeProcess {
  let pid: pid_t
  private(set) var input: Int32
  private var status: Int32?

  init(_ argv: [String], environment: [String: String], output: String) throws {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    defer { Glibc.close(fds[0]) }
    do {
      pid = try spawnAsSSHDWould(argv, environment: environment, output: output, input: fds[0])
    } catch {
      Glibc.close(fds[1])
      throw error
    }
    input = fds[1]
  }

  deinit {
    if isRunning { Glibc.kill(pid, SIGKILL) }
    _ = wait()
    closeInput()
  }

  var isRunning: Bool {
    if status != nil { return false }
    var raw: Int32 = 0
    if waitpid(pid, &raw, WNOHANG) == pid { status = decodeWaitStatus(raw) }
    return status == nil
  }

  /// Waits for the end: the exit status, or 128 + the signal.
  func wait() -> Int32 {
    if let status { return status }
    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) == -1 {
      if errno != EINTR { return -1 }
    }
    status = decodeWaitStatus(raw)
    return status ?? -1
  }

  func signal(_ number: Int32) { if isRunning { Glibc.kill(pid, number) } }

  func write(_ text: String) {
    _ = Array(text.utf8).withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
  }

  func closeInput() {
    if input >= 0 { Glibc.close(input) }
    input = -1
  }
}

/// Kills the fake rsyncs (and their sleeps) a killed or stuck gate left behind. Only processes
/// still working in this root are killed, never a process that reused one of their pids.
func killLeftovers(_ root: Root) {
  let pids = root.rsyncRuns().flatMap { [$0.pid, $0.sleepPid].compactMap { $0 } }
    + root.snapshotRuns().map(\.pid) + root.snapshotChildren()
  for pid in pids where !isGone(pid) {
    if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) == root.path {
      kill(pid, SIGKILL)
    }
  }
}
