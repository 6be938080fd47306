// Runs a program for what it prints, the way root's tools run what they check: optionally as
// another user, always in a session of its own (no controlling terminal, so nothing it starts
// can type into ours), stdin /dev/null, the environment it is given and nothing else, stdout
// and stderr kept apart, and its whole process group killed when it overruns.
// Spawn.runCapturing (the gate's runner for rsnapshot) says why the two are not one.
import CPushgate
import Glibc
import PushgateCore
import PushgateSystem

extension Spawn {
  /// What a captured run printed and how it ended.
  public struct Captured: Equatable, Sendable {
    /// How it ended; `nil` when it overran and its process group was killed.
    public var end: ProcessEnd?
    /// The first `outputLimit` bytes of its stdout.
    public var output: [UInt8]
    /// The first `outputLimit` bytes of its stderr.
    public var error: [UInt8]
  }

  /// Runs `run` (in `run.directory`, entered by the child) as `credentials` (`nil`: as we
  /// are), in a new session with stdin at /dev/null, and collects stdout and stderr apart
  /// (`outputLimit` bytes each) until both close; after `timeoutSeconds` the child's process
  /// group is killed with SIGKILL and `end` is `nil`.
  public static func capture(
    _ run: ProgramRun, as credentials: Credentials?, timeoutSeconds: Int,
    outputLimit: Int = 65536
  ) throws(SystemError) -> Captured {
    let null = try Descriptors.openNull(O_RDONLY)
    defer { close(null) }
    var out: [Int32] = [-1, -1]
    var err: [Int32] = [-1, -1]
    guard pg_pipe_cloexec(&out) == 0 else { throw .current("pipe2") }
    guard pg_pipe_cloexec(&err) == 0 else {
      let failure = SystemError.current("pipe2")
      close(out[0])
      close(out[1])
      throw failure
    }
    let pid: pid_t
    do {
      pid = try start(
        run, stdio: Stdio(input: null, output: out[1], error: err[1]), grouping: .newSession,
        credentials: credentials)
    } catch {
      for fd in out + err { close(fd) }
      throw error
    }
    close(out[1])
    close(err[1])
    defer {
      close(out[0])
      close(err[0])
    }
    let deadline = Clock.monotonicMilliseconds() + timeoutSeconds * 1000
    var captured = collect(out[0], err[0], until: deadline, limit: outputLimit)
    var status: Int32 = 0
    while Clock.monotonicMilliseconds() < deadline {
      if waitpid(pid, &status, WNOHANG) == pid {
        captured.end = decode(status)
        return captured
      }
      Clock.sleep(milliseconds: 20)
    }
    kill(-pid, SIGKILL)
    _ = wait(pid)
    return captured
  }

  /// Reads both pipes (poll(2), read(2)) until they close or the deadline passes.
  private static func collect(_ out: Int32, _ err: Int32, until deadline: Int, limit: Int)
    -> Captured
  {
    var captured: [[UInt8]] = [[], []]
    var open = [true, true]
    var buffer = [UInt8](repeating: 0, count: 4096)
    while open[0] || open[1] {
      var fds = [
        pollfd(fd: open[0] ? out : -1, events: Int16(POLLIN), revents: 0),
        pollfd(fd: open[1] ? err : -1, events: Int16(POLLIN), revents: 0),
      ]
      let remaining = deadline - Clock.monotonicMilliseconds()
      if remaining <= 0 { break }
      guard poll(&fds, 2, Int32(min(remaining, 1000))) >= 0 || errno == EINTR else { break }
      for index in 0..<2 where open[index] && fds[index].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
        if count > 0 {
          let room = max(0, limit - captured[index].count)
          captured[index] += buffer[0..<min(count, room)]
        } else if count == 0 || errno != EINTR {
          open[index] = false
        }
      }
    }
    return Captured(end: nil, output: captured[0], error: captured[1])
  }
}
