// The names of the signals the gate reports, written out (Linux numbers; no Glibc here).

/// A signal's name for the audit log.
public enum SignalName {
  /// `SIGTERM`, `SIGHUP`, `SIGINT`...
  ///
  /// or `SIG<number>` for one not in the table.
  public static func of(_ number: Int32) -> String {
    switch number {
    case 1: "SIGHUP"
    case 2: "SIGINT"
    case 3: "SIGQUIT"
    case 9: "SIGKILL"
    case 13: "SIGPIPE"
    case 15: "SIGTERM"
    default: "SIG\(number)"
    }
  }
}
