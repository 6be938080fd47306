// Runs the programs `pushgate doctor` asks (rsync, rsnapshot, the login shell, sshd -T):
// no shell, a fixed environment, stdin /dev/null, stdout and stderr captured apart, and the
// whole process group killed when it overruns.
import Glibc
import PushgateCore
import PushgateSystem

/// One program run for a fact, bounded in time and output.
enum DoctorRunner {
  /// How long any one program may take.
  static let timeoutSeconds = 20
  /// Output kept per stream.
  static let outputLimit = 65536

  /// Runs `path` with `arguments` (argv[0] included) and `environment` in `directory`.
  static func run(
    _ path: String, _ arguments: [String],
    environment: [String] = ["PATH=/usr/bin:/bin", "LC_ALL=C"],
    directory: String = "/"
  ) -> DoctorRun {
    guard access(path, X_OK) == 0 else {
      return .notRun("\(path): \(String(cString: strerror(errno)))")
    }
    var out: [Int32] = [-1, -1]
    var err: [Int32] = [-1, -1]
    guard pipe(&out) == 0 else { return .notRun("pipe: \(String(cString: strerror(errno)))") }
    guard pipe(&err) == 0 else {
      close(out[0])
      close(out[1])
      return .notRun("pipe: \(String(cString: strerror(errno)))")
    }
    for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer { if null >= 0 { close(null) } }
    let pid: pid_t
    do {
      pid = try Spawn.start(
        ProgramRun(
          path: path, arguments: arguments, environment: environment, directory: directory),
        stdio: Spawn.Stdio(input: null, output: out[1], error: err[1]), grouping: .newGroup)
    } catch {
      for fd in out + err { close(fd) }
      return .notRun(error.text)
    }
    close(out[1])
    close(err[1])
    defer {
      close(out[0])
      close(err[0])
    }
    return collect(pid, out: out[0], err: err[0])
  }

  /// Reads both pipes until the child exits or the deadline passes.
  private static func collect(_ pid: pid_t, out: Int32, err: Int32) -> DoctorRun {
    let deadline = Clock.monotonicMilliseconds() + timeoutSeconds * 1000
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
          if captured[index].count < outputLimit { captured[index] += buffer[0..<count] }
        } else if count == 0 || errno != EINTR {
          open[index] = false
        }
      }
    }
    var status: Int32 = 0
    while Clock.monotonicMilliseconds() < deadline {
      if waitpid(pid, &status, WNOHANG) == pid {
        return .ran(
          status: Spawn.decode(status).passedOnStatus,
          stdout: String(decoding: captured[0], as: UTF8.self),
          stderr: String(decoding: captured[1], as: UTF8.self))
      }
      Clock.sleep(milliseconds: 20)
    }
    kill(-pid, SIGKILL)
    _ = Spawn.wait(pid)
    return .timedOut(seconds: timeoutSeconds)
  }
}
