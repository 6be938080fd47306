// The audit log as the gate uses it: every record written or the session stops (fail closed).
import Glibc
import PushgateCore
import PushgateSystem

/// The session's audit log; a record that cannot be written stops the session.
struct SessionLog {
  let file: AuditLogFile

  /// Appends a record, or stops with the audit-log failure.
  func record(_ bytes: [UInt8]) {
    do { try file.append(bytes) } catch {
      stop(Failure.auditLog(path: file.path, detail: error.text).clientMessage, status: ExitStatus.osError)
    }
  }

  /// Logs a failure and stops with its status.
  func fail(_ context: SessionContext, _ failure: Failure) -> Never {
    record(AuditRecord.failed(context, failure, time: Clock.now()))
    stop(failure.clientMessage, status: failure.exitStatus)
  }
}

/// Checks the audit log can be written or refuses to serve; records are serialised on the
/// root's lock file.
func openLog(_ settings: Settings) -> SessionLog {
  let path = settings.auditLog
  do { return SessionLog(file: try AuditLogFile.open(path, lock: settings.lockFile)) } catch {
    stop(Failure.auditLog(path: path, detail: error.text).clientMessage, status: ExitStatus.osError)
  }
}

/// Prints one line on stderr and exits.
func stop(_ message: String, status: Int32) -> Never {
  Descriptors.report(message)
  exit(status)
}
