// What an exit status means, in words, for the log and status reports.
import PushgateCore

/// Words for the exit statuses rsync (rsync(1), EXIT VALUES) and pushgate-serve end with.
public enum StatusMeaning {
  /// The meaning of `status`, or `nil` when it is not one we know.
  public static func text(_ status: Int) -> String? {
    switch status {
    case 0: "success"
    case 1: "syntax or usage error"
    case 2: "protocol incompatibility"
    case 3: "errors selecting input/output files"
    case 4: "requested action not supported"
    case 5: "error starting client-server protocol"
    case 6: "daemon unable to append to log file"
    case 10: "error in socket I/O"
    case 11: "error in file I/O"
    case 12: "error in rsync protocol data stream"
    case 13: "errors with program diagnostics"
    case 14: "error in IPC code"
    case 20: "received SIGUSR1 or SIGINT"
    case 21: "some error returned by waitpid()"
    case 22: "error allocating core memory buffers"
    case 23: "partial transfer due to error"
    case 24: "partial transfer due to vanished source files"
    case 25: "the --max-delete limit stopped deletions"
    case 30: "timeout in data send/receive"
    case 35: "timeout waiting for daemon connection"
    case 255: "unexplained error (e.g. a bare module listing)"
    case Int(ExitStatus.usage): "usage error in the forced command"
    case Int(ExitStatus.snapshotFailed): "snapshot failed"
    case Int(ExitStatus.software): "internal error"
    case Int(ExitStatus.osError): "operating-system error"
    case Int(ExitStatus.busy): "busy"
    case Int(ExitStatus.refused): "refused"
    case Int(ExitStatus.settings): "settings invalid"
    default: nil
    }
  }
}
