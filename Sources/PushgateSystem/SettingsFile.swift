// Loads pushgate.conf: trusted-file checks on the open descriptor, then the strict parser.
import Glibc
import PushgateCore

/// The settings file on disk.
public enum SettingsFile {
  /// The default location.
  public static let defaultPath = "/backup/pushgate.conf"

  /// Reads, checks and parses the settings file.
  ///
  /// A failure also says where it can still be logged (``SettingsError/auditLog``): beside an
  /// untrusted file, never where it says.
  public static func load(_ path: String) -> Result<Settings, SettingsError> {
    var bytes: [UInt8] = []
    do {
      bytes = try read(path)
      return .success(try SettingsParser.parse(bytes, file: path))
    } catch {
      var error = error
      error.auditLog = SettingsParser.bestEffortAuditLog(
        error.isAboutTheFile ? [] : bytes, file: path)
      return .failure(error)
    }
  }

  /// Reads a file that must be a regular file owned by root or by us and not writable by
  /// group or others (open(2) with O_NOFOLLOW, TrustedFile.inspect on the descriptor).
  static func read(_ path: String) throws(SettingsError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      if errno == ELOOP {
        throw .untrusted(
          path, "settings '\(path)' is a symbolic link; point --config at the real file")
      }
      throw .untrusted(path, "cannot read settings '\(path)': \(SystemError.current("open").text)")
    }
    defer { close(fd) }
    let checked: Result<stat, FileProblem>
    do { checked = try TrustedFile.inspect(fd, forbidden: S_IWGRP | S_IWOTH) } catch {
      throw .untrusted(path, "cannot read settings '\(path)': \(error.text)")
    }
    switch checked {
    case .success: break
    case .failure(.notRegular): throw .untrusted(path, "settings '\(path)' is not a regular file")
    case .failure(.owner(let uid)):
      throw .untrusted(
        path,
        "settings '\(path)' is owned by uid \(uid); it must be owned by root or by the backup account"
      )
    case .failure(.mode(let mode)):
      throw .untrusted(
        path, "settings '\(path)' has mode \(String(mode, radix: 8)); run 'chmod go-w \(path)'")
    }
    let bytes: [UInt8]
    do { bytes = try Descriptors.readAll(fd, limit: SettingsParser.maximumSize) } catch {
      throw .untrusted(path, "cannot read settings '\(path)': \(error.text)")
    }
    guard bytes.count <= SettingsParser.maximumSize else {
      throw .untrusted(
        path, "settings '\(path)' is larger than \(SettingsParser.maximumSize) bytes")
    }
    return bytes
  }
}
