// The files pushgate status reads and writes: the audit log, the lock file, a textfile output.
import Foundation
import Glibc
import PushgateCore
import PushgateSystem

enum StatusFiles {
  /// Adds every record of `log` and its rotations to `tally`; returns why the log (or one of
  /// its rotations) cannot be read, or `nil`.
  static func read(_ log: String, into tally: inout StatusTally) -> String? {
    let files = LogFiles.files(for: log)
    guard !files.isEmpty else { return String(cString: strerror(ENOENT)) }
    for file in files {
      errno = 0
      let opened = LogFiles.forEachLine(in: file) { line in
        if let entry = AuditEntry(line) { tally.add(entry) }
      }
      if !opened {
        let name = URL(fileURLWithPath: file).lastPathComponent
        return "\(name): " + (errno == 0 ? "cannot open" : String(cString: strerror(errno)))
      }
    }
    return nil
  }

  /// The slots and the snapshot, read from the settings' lock file. A lock file that does not
  /// exist yet means nobody holds anything.
  static func locks(_ settings: Settings) -> LockReport {
    let probe: LockProbe
    do {
      probe = try LockProbe.open(settings.lockFile)
    } catch {
      if error.number == ENOENT {
        let free = (0..<settings.maxConnections).map { SlotState(slot: $0, holder: nil) }
        return .read(LockView(slots: free, snapshot: .idle))
      }
      return .unreadable("'\(settings.lockFile)': " + error.text)
    }
    defer { probe.close() }
    do {
      return .read(try probe.view(slots: settings.maxConnections))
    } catch {
      return .unreadable("'\(settings.lockFile)': " + error.text)
    }
  }

  /// Writes `text` to `path` as node_exporter's textfile collector requires: a temporary file
  /// beside it (open with O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode 0644), fsync, then rename(2).
  /// Returns the problem, or `nil`.
  static func replace(_ path: String, with text: String) -> String? {
    let temporary = "\(path).\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return String(cString: strerror(errno)) }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      written += count
    }
    let problem = written == bytes.count && fchmod(fd, 0o644) == 0 && fsync(fd) == 0 ? nil : String(cString: strerror(errno))
    close(fd)
    if problem == nil, rename(temporary, path) == 0 { return nil }
    let failure = problem ?? String(cString: strerror(errno))
    unlink(temporary)
    return failure
  }
}
