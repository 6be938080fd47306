// Forwarding termination signals to a child, and catching them while the gate waits
// (sigaction(2) with a signal-safe C handler that only stores the number and calls kill(2)).
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

  /// Catches SIGTERM, SIGHUP and SIGINT instead of dying of them, so a waiting gate can log
  /// how it ended (see ``received``); `false` puts their default action back.
  public static func catchTermination(_ isOn: Bool) {
    pg_catch_signals(isOn ? 1 : 0)
  }

  /// The first SIGTERM, SIGHUP or SIGINT caught (or forwarded) so far; wait loops stop on it.
  public static var received: Int32? {
    let number = pg_received_signal()
    return number == 0 ? nil : number
  }
}
