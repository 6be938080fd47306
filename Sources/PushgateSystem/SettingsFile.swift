// Loads pushgate.conf: trusted-file checks on the open descriptor, then the strict parser.
import PushgateCore

/// The settings file on disk.
public enum SettingsFile {
  /// The default location.
  public static let defaultPath = "/backup/pushgate.conf"

  /// Reads, checks and parses the settings file. On failure also says where a refusal can
  /// still be logged.
  public static func load(_ path: String) -> Result<Settings, SettingsLoadError> {
    let bytes: [UInt8]
    do {
      bytes = try TrustedFile.readOwned(path, limit: SettingsParser.maximumSize)
    } catch {
      // An untrusted file's contents are nobody's word: log next to it, never where it says.
      return .failure(
        SettingsLoadError(
          failure: .settings(detail: error.message(path: path)),
          auditLog: SettingsParser.bestEffortAuditLog([], file: path)))
    }
    do {
      return .success(try SettingsParser.parse(bytes, file: path))
    } catch {
      return .failure(
        SettingsLoadError(
          failure: .settings(detail: error.description),
          auditLog: SettingsParser.bestEffortAuditLog(bytes, file: path)))
    }
  }
}

/// Why the settings could not be used, and the best guess at the audit log's location.
public struct SettingsLoadError: Error, Sendable {
  /// The failure to report.
  public let failure: Failure
  /// Where to log the refusal.
  public let auditLog: String
}
