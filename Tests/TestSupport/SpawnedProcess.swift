// A child started as sshd starts a forced command: the one process helper of the binary and
// end-to-end tests.
import CPushgate
import Foundation
import Glibc

/// A child started with posix_spawn (no fork of the big test process): no signal blocked, every
/// signal at its default (as sshd starts a forced command; Foundation's Process passes the test
/// runner's blocked signals on), stdout and stderr in `<output>.out` and `<output>.err`.
///
/// stdin is /dev/null — at EOF, so a refused daemon-form session does not wait for a client — or,
/// with `holdingInput`, a pipe the test holds (`write`, `closeInput`), as the ssh channel. No pipe
/// for the output: a pipe's write end could leak into a child a parallel test starts and hold a
/// stream open. Killed and reaped when released.
public final class SpawnedProcess {
  /// The child's pid.
  public let pid: pid_t
  /// The prefix of its `.out` and `.err` files.
  public let output: String
  /// The write end of its stdin pipe (with `holdingInput`), or -1.
  public private(set) var input: Int32 = -1
  private var status: Int32?

  /// Starts `argv` (absolute path first) with exactly `environment`.
  public init(
    _ argv: [String], environment: [String: String], output: String, holdingInput: Bool = false
  ) throws {
    self.output = output
    guard holdingInput else {
      pid = try spawnAsSSHDWould(argv, environment: environment, output: output)
      return
    }
    var fds: [Int32] = [-1, -1]
    guard pg_pipe_cloexec(&fds) == 0 else { throw POSIXError(.EMFILE) }
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

  /// What it wrote to stdout.
  public var out: String { read(output + ".out") }
  /// What it wrote to stderr.
  public var err: String { read(output + ".err") }

  /// Whether it still runs (reaps it if it ended).
  public var isRunning: Bool {
    if status != nil { return false }
    var raw: Int32 = 0
    if waitpid(pid, &raw, WNOHANG) == pid { status = decodeWaitStatus(raw) }
    return status == nil
  }

  /// Waits for the end: the exit status, or 128 + the signal.
  public func wait() -> Int32 {
    if let status { return status }
    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) == -1 {
      if errno != EINTR { return -1 }
    }
    status = decodeWaitStatus(raw)
    return status ?? -1
  }

  /// Sends `number` while it runs.
  public func signal(_ number: Int32) { if isRunning { Glibc.kill(pid, number) } }

  /// Writes `text` to its stdin pipe.
  public func write(_ text: String) {
    _ = Array(text.utf8).withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
  }

  /// Closes its stdin pipe (EOF for the child); idempotent.
  public func closeInput() {
    if input >= 0 { Glibc.close(input) }
    input = -1
  }
}

/// Starts `argv` as sshd starts a forced command: no signal blocked, every signal at its default,
/// exactly `environment`, stdin from `input` (a descriptor to dup) or /dev/null, stdout and stderr
/// into `<output>.out` and `<output>.err`, optionally in its own process group.
///
/// Returns the pid.
public func spawnAsSSHDWould(
  _ argv: [String], environment: [String: String], output: String, input: Int32? = nil,
  ownProcessGroup: Bool = false
) throws -> pid_t {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  if let input {
    posix_spawn_file_actions_adddup2(&actions, input, 0)
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  }
  posix_spawn_file_actions_addopen(
    &actions, 1, output + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  posix_spawn_file_actions_addopen(
    &actions, 2, output + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  var attributes = posix_spawnattr_t()
  posix_spawnattr_init(&attributes)
  defer { posix_spawnattr_destroy(&attributes) }
  var none = sigset_t()
  var all = sigset_t()
  sigemptyset(&none)
  sigfillset(&all)
  posix_spawnattr_setsigmask(&attributes, &none)
  posix_spawnattr_setsigdefault(&attributes, &all)
  var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
  if ownProcessGroup {
    posix_spawnattr_setpgroup(&attributes, 0)
    flags |= POSIX_SPAWN_SETPGROUP
  }
  posix_spawnattr_setflags(&attributes, Int16(flags))
  let strings = { (words: [String]) in words.map { strdup($0) } + [nil] }
  let arguments = strings(argv)
  let variables = strings(environment.map { "\($0.key)=\($0.value)" })
  defer { (arguments + variables).forEach { free($0) } }
  var child: pid_t = 0
  let result = posix_spawn(&child, argv[0], &actions, &attributes, arguments, variables)
  guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
  return child
}

/// A waitpid status as a shell reports it: the exit status, or 128 + the signal.
public func decodeWaitStatus(_ raw: Int32) -> Int32 {
  raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
}
