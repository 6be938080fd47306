// Streams the audit log and its rotated siblings, oldest first, one line at a time.
import CZlib
import Foundation
import Glibc
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore

/// The audit log and its rotations (`pushgate.log.N` and `pushgate.log.N.gz`), read as a stream
/// with bounded memory.
///
/// zlib's gzread reads plain files unchanged, so one path serves both.
enum LogFiles {
  /// The longest line kept; longer ones are skipped (no audit record comes close).
  static let maximumLine = 1 << 20

  /// The files to read, oldest first: the highest rotation number first, the live log last.
  ///
  /// A reader that may pass through the log's directory but not list it (a monitoring account
  /// given only `x` on ROOT, mode 1770) finds the rotations by name instead: `.1`, `.1.gz`,
  /// `.2`, `.2.gz`, … up to the first number with neither, as logrotate numbers them.
  static func files(for log: String) -> [String] {
    let url = URL(fileURLWithPath: log)
    let directory = url.deletingLastPathComponent().path
    let base = url.lastPathComponent
    let names =
      (try? FileManager.default.contentsOfDirectory(atPath: directory))
      ?? probedRotations(of: base, in: directory)
    let rotated = names.compactMap { name -> (Int, String)? in
      guard name.hasPrefix(base + ".") else { return nil }
      var rest = name.dropFirst(base.count + 1)
      if rest.hasSuffix(".gz") { rest = rest.dropLast(3) }
      guard !rest.isEmpty,
        rest.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
        rest.utf8.count <= 9, let number = Int(rest)
      else { return nil }
      return (number, directory + "/" + name)
    }
    let existing = FileManager.default.fileExists(atPath: log) ? [log] : []
    // Highest number first; for the same number, the compressed copy (older) first.
    return rotated.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 > $1.1 }.map(\.1) + existing
  }

  /// The names `base.N` and `base.N.gz` that exist in `directory`, for N from 1 to the first
  /// number with neither (at most 10,000).
  private static func probedRotations(of base: String, in directory: String) -> [String] {
    var names: [String] = []
    for number in 1...10_000 {
      let found = ["\(base).\(number)", "\(base).\(number).gz"].filter { name in
        (try? FileStatus.ifExists(directory + "/" + name)) != nil
      }
      if found.isEmpty { break }
      names += found
    }
    return names
  }

  /// Calls `body` with each complete line (without its newline) of `path`; a last line with no
  /// newline (a record being written, or a crash) is skipped.
  ///
  /// Returns `false` if the file cannot be opened or read to its end (a directory, a corrupt or
  /// truncated `.gz`).
  @discardableResult
  static func forEachLine(in path: String, _ body: (ArraySlice<UInt8>) -> Void) -> Bool {
    guard let file = open(path) else { return false }
    defer { gzclose(file) }
    gzbuffer(file, 1 << 17)
    var buffer = [UInt8](repeating: 0, count: 1 << 17)
    var pending: [UInt8] = []
    var skipping = false
    while true {
      let count = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
      if count < 0 { return false }
      if count == 0 {
        // zlib reports a .gz that ends mid-stream as end of file with Z_BUF_ERROR.
        var code: Int32 = 0
        _ = gzerror(file, &code)
        if code == Z_BUF_ERROR { return false }
        break
      }
      var start = 0
      let chunk = buffer[0..<Int(count)]
      while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
        if skipping {
          skipping = false
        } else if pending.isEmpty {
          body(chunk[start..<newline])
        } else {
          pending += chunk[start..<newline]
          body(pending[...])
          pending.removeAll(keepingCapacity: true)
        }
        start = newline + 1
      }
      if !skipping {
        pending += chunk[start...]
        if pending.count > maximumLine {
          pending.removeAll(keepingCapacity: true)
          skipping = true
        }
      }
    }
    return true
  }

  /// Opens `path` for zlib without following a symlink and only if it is a regular file
  /// (open(2) with O_NOFOLLOW | O_NONBLOCK, fstat(2), gzdopen(3)): the backup account owns the
  /// log's directory, and a symlink to a root-only file or a FIFO must neither be printed nor
  /// hang root's `log`, `status` or `keys`.
  private static func open(_ path: String) -> gzFile? {
    let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      close(fd)
      errno = info.st_mode & S_IFMT == S_IFDIR ? EISDIR : EINVAL
      return nil
    }
    guard let file = gzdopen(fd, "rb") else {
      close(fd)
      return nil
    }
    return file
  }

  /// Every record of the log and its rotations, oldest first; unreadable lines are skipped.
  static func forEachEntry(of log: String, _ body: (AuditEntry) -> Void) {
    for file in files(for: log) {
      forEachLine(in: file) { line in
        if let entry = AuditEntry(line) { body(entry) }
      }
    }
  }
}
