// How a child process ended.

/// How a child process ended, from `waitpid`.
public enum ProcessEnd: Equatable, Sendable {
  /// Exited with a status.
  case exited(Int32)
  /// Killed by a signal.
  case signaled(Int32)

  /// The status pushgate-serve passes on: the exit status, or 128 + signal as a shell does.
  public var passedOnStatus: Int32 {
    switch self {
    case .exited(let status): status
    case .signaled(let signal): ExitStatus.signalBase + signal
    }
  }

  /// Adds `status` or `signal` to an audit record.
  public func record(into line: inout JSONLine) {
    switch self {
    case .exited(let status): line.add("status", Int(status))
    case .signaled(let signal): line.add("signal", Int(signal))
    }
  }
}
