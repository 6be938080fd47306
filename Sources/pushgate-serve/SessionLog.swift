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
      stop(
        Failure.auditLog(path: file.path, detail: error.text).clientMessage,
        status: ExitStatus.osError)
    }
  }

  /// Logs a failure and stops with its status.
  func fail(_ context: SessionContext, _ failure: Failure) -> Never {
    record(AuditRecord.failed(context, failure, time: Clock.now()))
    stop(failure.clientMessage, status: failure.exitStatus)
  }
}

/// The settings, or, when they cannot be used, a `failed` record where the log they name
/// still opens, one line on stderr and the failure's exit status: fail closed, never serve.
func loadSettings(_ config: String, _ context: SessionContext) -> Settings {
  switch SettingsFile.load(config) {
  case .success(let loaded): return loaded
  case .failure(let error):
    let fallback = try? AuditLogFile.open(error.auditLog)
    try? fallback?.append(AuditRecord.failed(context, error.failure, time: Clock.now()))
    stop(error.failure.clientMessage, status: error.failure.exitStatus)
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

/// Logs a usage error where the settings of the arguments' `--config` (or the default file)
/// can be read and their audit log opened, prints the usage line and exits 64.
func stopWithUsage(_ words: [String]) -> Never {
  let config = ServeArguments.value(of: "--config", in: words) ?? SettingsFile.defaultPath
  let key = ServeArguments.value(of: "--key", in: words).flatMap { Gate.isKeyLabel($0) ? $0 : nil }
  if case .success(let settings) = SettingsFile.load(config),
    let log = try? AuditLogFile.open(settings.auditLog, lock: settings.lockFile)
  {
    let detail =
      "pushgate-serve does not take the arguments '\(words.joined(separator: " "))'; "
      + ServeArguments.usage
    try? log.append(
      AuditRecord.failed(
        SessionContext.current(key: key ?? ""), .usage(detail: detail), time: Clock.now()))
  }
  stop(ServeArguments.usage, status: ExitStatus.usage)
}

/// Prints one line on stderr and exits.
func stop(_ message: String, status: Int32) -> Never {
  Descriptors.report(message)
  exit(status)
}
