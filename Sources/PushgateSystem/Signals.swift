// Forwarding termination signals to a child (sigaction(2) with a signal-safe C handler).
import CPushgate
import Glibc

/// Signal forwarding for the gate.
public enum Signals {
  /// Unblocks every signal inherited as blocked, so forwarding and default actions work.
  public static func unblockAll() {
    pg_unblock_signals()
  }

  /// Forwards SIGTERM, SIGHUP and SIGINT to `pid` (negative: a process group; 0: stop).
  public static func forward(to pid: pid_t) {
    pg_forward_signals_to(pid)
  }
}
