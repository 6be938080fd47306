// Runs a planned program: fork and execve (pg_spawn) with a built environment, no shell, no
// PATH search.
import CPushgate
import Glibc
import PushgateCore

/// Starting and waiting for child processes (pg_spawn: fork(2), execve(2); waitpid(2),
/// poll(2), kill(2)).
public enum Spawn {
  /// Where a child's descriptors 0–2 come from; `nil` keeps ours.
  public struct Stdio: Sendable {
    /// fd for the child's stdin.
    public var input: Int32?
    /// fd for the child's stdout.
    public var output: Int32?
    /// fd for the child's stderr.
    public var error: Int32?
    /// fd handed to the child as its descriptor 3 (the area lock of a snapshot); `nil`: none.
    public var inherited: Int32?

    /// The default: the child shares our 0–2 (the ssh channel, for rsync).
    public init(
      input: Int32? = nil, output: Int32? = nil, error: Int32? = nil, inherited: Int32? = nil
    ) {
      self.input = input
      self.output = output
      self.error = error
      self.inherited = inherited
    }
  }

  /// How the child is grouped.
  public enum Grouping: Int32, Sendable {
    /// Same session and process group as us.
    case inherit = 0
    /// A new session (setsid): detached from the client.
    case newSession = 1
    /// A new process group, so a timeout can kill everything it started.
    case newGroup = 2
  }

  /// Who a child runs as (setgroups(2), setgid(2), setuid(2) in the child, checked there).
  public struct Credentials: Equatable, Sendable {
    /// The uid.
    public var uid: uid_t
    /// The primary gid.
    public var gid: gid_t
    /// Every group, the primary one included (getgrouplist(3)).
    public var groups: [gid_t]

    /// Creates credentials.
    public init(uid: uid_t, gid: gid_t, groups: [gid_t]) {
      self.uid = uid
      self.gid = gid
      self.groups = groups
    }
  }

  /// Starts `run`; the child changes into `run.directory` itself (our working directory is never
  /// touched).
  ///
  /// Every other descriptor is closed in the child and every signal is at its default disposition.
  /// With `credentials` the child first becomes that user. With `diesWithUs` the child gets SIGTERM
  /// when we die, so it never outlives the slot we hold. Returns the pid.
  public static func start(
    _ run: ProgramRun, stdio: Stdio = Stdio(), grouping: Grouping = .inherit,
    diesWithUs: Bool = true,
    credentials: Credentials? = nil
  ) throws(SystemError) -> pid_t {
    var step: Int32 = 0
    let pid = withCStrings(run.arguments) { argv in
      withCStrings(run.environment) { envp in
        withCredentials(credentials) { who in
          // pg_spawn's -1: "keep ours" (0-2), "none" (3).
          pg_spawn(
            run.path, argv, envp, run.directory, stdio.input ?? -1, stdio.output ?? -1,
            stdio.error ?? -1, stdio.inherited ?? -1, grouping.rawValue, diesWithUs ? SIGTERM : 0,
            who, &step)
        }
      }
    }
    guard pid > 0 else { throw SystemError(number: -pid, operation: operation(step, run)) }
    return pid
  }

  /// What a failed step of `pg_spawn` was doing, for the error's text.
  private static func operation(_ step: Int32, _ run: ProgramRun) -> String {
    switch UInt32(bitPattern: step) {
    case PG_STEP_FORK.rawValue: "fork"
    case PG_STEP_CREDENTIALS.rawValue: "change to the child's user"
    case PG_STEP_SESSION.rawValue: "start the child's session"
    case PG_STEP_CHDIR.rawValue: "chdir '\(run.directory)'"
    default: "execve '\(run.path)'"
    }
  }

  private static func withCredentials<R>(
    _ credentials: Credentials?, _ body: (UnsafePointer<pg_credentials>?) -> R
  ) -> R {
    guard let credentials else { return body(nil) }
    return credentials.groups.withUnsafeBufferPointer { groups in
      let who = pg_credentials(
        uid: credentials.uid, gid: credentials.gid, groups: groups.baseAddress,
        group_count: Int32(groups.count))
      return withUnsafePointer(to: who) { body($0) }
    }
  }

  /// Waits for `pid` (retrying on EINTR).
  public static func wait(_ pid: pid_t) -> ProcessEnd {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
      if errno != EINTR { return .exited(ExitStatus.software) }
    }
    return decode(status)
  }

  /// Decodes a waitpid status (the WIFEXITED family, which Swift does not import).
  public static func decode(_ status: Int32) -> ProcessEnd {
    let signal = status & 0x7f
    return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
  }

  /// Runs `run` in a new process group with stdin at /dev/null and stdout+stderr captured; kills
  /// the group (SIGTERM, then SIGKILL 5 s later) after `timeoutSeconds`.
  ///
  /// `inherited` (when given) becomes the child's descriptor 3, not close-on-exec, so everything it
  /// starts holds that open file description too (the area lock of a snapshot). A /dev/null that
  /// cannot be opened is an error: the child never gets our stdin (the ssh channel) instead.
  /// Returns how it ended (`nil` on timeout) and the last `tailLimit` bytes of its output.
  ///
  /// ``capture(_:as:timeoutSeconds:outputLimit:)`` is the admin tool's runner; the two stay
  /// apart because they keep different things (the merged tail, for the audit record, against
  /// the head of each stream apart, for doctor's checks) and end differently (SIGTERM then
  /// SIGKILL with signals forwarded, so rsnapshot can clean up, against SIGKILL of a new
  /// session with no signals forwarded). Both start the child with
  /// ``start(_:stdio:grouping:diesWithUs:credentials:)`` and decode its end with ``decode(_:)``.
  public static func runCapturing(
    _ run: ProgramRun, timeoutSeconds: Int, tailLimit: Int = 2048, inherited: Int32? = nil
  ) throws(SystemError) -> (end: ProcessEnd?, tail: [UInt8]) {
    let null = try Descriptors.openNull(O_RDONLY)
    defer { close(null) }
    var pipeFds: [Int32] = [-1, -1]
    guard pg_pipe_cloexec(&pipeFds) == 0 else { throw .current("pipe2") }
    let pid: pid_t
    do {
      pid = try start(
        run, stdio: Stdio(input: null, output: pipeFds[1], error: pipeFds[1], inherited: inherited),
        grouping: .newGroup)
    } catch {
      close(pipeFds[0])
      close(pipeFds[1])
      throw error
    }
    close(pipeFds[1])
    defer { close(pipeFds[0]) }
    pg_forward_signals_to(-pid)
    defer { pg_forward_signals_to(0) }
    let deadline = Clock.monotonicMilliseconds() + timeoutSeconds * 1000
    var tail: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    var killedAt: Int?
    var end: ProcessEnd?
    var status: Int32 = 0
    var open = true
    while true {
      if open {
        var poller = pollfd(fd: pipeFds[0], events: Int16(POLLIN), revents: 0)
        if poll(&poller, 1, 100) > 0 {
          let count = buffer.withUnsafeMutableBytes { read(pipeFds[0], $0.baseAddress, $0.count) }
          if count > 0 {
            tail += buffer[0..<count]
            if tail.count > tailLimit { tail.removeFirst(tail.count - tailLimit) }
          } else if count == 0 {
            open = false
          }
        }
      } else {
        Clock.sleep(milliseconds: 50)
      }
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid {
        end = decode(status)
        // What it wrote just before exiting may still be in the pipe: keep reading what is
        // there without waiting (a child of its own may still hold the pipe open).
        while open {
          var poller = pollfd(fd: pipeFds[0], events: Int16(POLLIN), revents: 0)
          guard poll(&poller, 1, 0) > 0 else { break }
          let count = buffer.withUnsafeMutableBytes { read(pipeFds[0], $0.baseAddress, $0.count) }
          guard count > 0 else { break }
          tail += buffer[0..<count]
          if tail.count > tailLimit { tail.removeFirst(tail.count - tailLimit) }
        }
        break
      }
      let now = Clock.monotonicMilliseconds()
      if killedAt == nil && now >= deadline {
        kill(-pid, SIGTERM)
        killedAt = now
      } else if let killedAt, now >= killedAt + 5000 {
        kill(-pid, SIGKILL)
      }
    }
    return (killedAt == nil ? end : nil, tail)
  }

  private static func withCStrings<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
  ) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    // The array holds at least the terminating nil, so its buffer always has an address.
    // swift-format-ignore: NeverForceUnwrap
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}
