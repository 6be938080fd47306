// The audit log: a record is appended whole or not at all, into the file at the path now.
//
// Every record opens the path again (O_APPEND | O_NOFOLLOW, owner and mode checked on the
// descriptor), so rotation never leaves a writer behind in a renamed or compressed file. While
// a record is written the writer holds byte `LockFile.auditLogByte` of the root's lock file
// (mode 0600, the account's: a monitoring user who may read the 0640 log cannot open it, so
// cannot hold the writers up). Under the lock it reserves the record's space (fallocate with
// FALLOC_FL_KEEP_SIZE: no space means no write at all), writes once, and on a short write cuts
// the file back to where the record began, which is exact because no other writer can append
// meanwhile. The file therefore always ends at a record boundary.
import CPushgate
import Glibc

/// The audit log at a path, written one record at a time.
///
/// Holds no descriptor between records.
public struct AuditLogFile: Sendable {
  /// The log's path.
  public let path: String
  /// The root's lock file whose byte `LockFile.auditLogByte` serialises writers; `nil` when
  /// it is unknown (settings that failed to load), then records are written unlocked.
  public let lockPath: String?
  /// The backup account, when root's tools write its log (see ``open(_:lock:owner:)``).
  public var owner: uid_t? = nil

  /// How long a writer waits for another writer's record before writing without the lock.
  public static let lockWaitMilliseconds = 2000

  /// Checks that the log can be opened or created (mode 0640), refusing symlinks and files not
  /// owned by us or root, and returns the log.
  ///
  /// Nothing is kept open.
  ///
  /// With `owner` (root's tools), a log owned by that account is accepted too, and a missing log
  /// is an error, never created: one made by root would shut the account's gate out of it.
  public static func open(_ path: String, lock lockPath: String? = nil, owner: uid_t? = nil)
    throws(SystemError) -> AuditLogFile
  {
    close(try openForAppend(path, owner: owner))
    return AuditLogFile(path: path, lockPath: lockPath, owner: owner)
  }

  /// How long a writer that finds no log waits for another process to create it.
  public static let creationWaitMilliseconds = 100

  /// Opens the log for appending (O_APPEND, owner and mode checked, never through a link).
  ///
  /// A missing log is created (mode 0640) only after it stayed missing for
  /// ``creationWaitMilliseconds``: logrotate renames the log first and creates the new one after,
  /// and a file made by us in between would be renamed by its `create` to `NAME-DATE.backup`, where
  /// no reader of the log looks.
  static func openForAppend(_ path: String, owner: uid_t? = nil) throws(SystemError) -> Int32 {
    let deadline = Clock.monotonicMilliseconds() + creationWaitMilliseconds
    while true {
      do {
        return try TrustedFile.openOwned(
          path, flags: O_WRONLY | O_APPEND, mode: 0o640, creates: false, owner: owner)
      } catch {
        guard error.number == ENOENT, owner == nil else { throw error }
        if Clock.monotonicMilliseconds() >= deadline { break }
        Clock.sleep(milliseconds: 5)
      }
    }
    return try TrustedFile.openOwned(path, flags: O_WRONLY | O_APPEND, mode: 0o640)
  }

  /// Appends one record: whole, or not at all with the error (ENOSPC when it did not fit).
  ///
  /// If the path was rotated between the open and the write, the record is written again to
  /// the new file: at least once in the current file, possibly also once in the rotated one.
  public func append(_ record: [UInt8]) throws(SystemError) {
    let lock = lockPath.flatMap { Self.openLock($0, owner: owner) }.map(OFDLocks.init(fd:))
    defer { if let lock { close(lock.fd) } }
    // The lock wait is bounded: a writer stopped while holding it must not stop every session.
    // Any error taking it counts as "not yet" and, at the deadline, as "write unlocked".
    var locked = false
    if let lock {
      let deadline = Clock.monotonicMilliseconds() + Self.lockWaitMilliseconds
      while true {
        if (try? lock.tryLock(.exclusive, at: LockFile.auditLogByte)) == true {
          locked = true
          break
        }
        if Clock.monotonicMilliseconds() >= deadline { break }
        Clock.sleep(milliseconds: 1)
      }
    }
    defer { if let lock, locked { lock.unlock(at: LockFile.auditLogByte) } }
    for _ in 0..<3 {
      if try appendOnce(record, mayCutBack: locked) { return }
    }
  }

  /// Opens the root's lock file if it exists; `nil` when it does not (the record is then
  /// written unlocked).
  ///
  /// Never creates it: a refused session leaves no file behind. With `owner` (root's tools),
  /// only that account's file is opened.
  private static func openLock(_ path: String, owner: uid_t?) -> Int32? {
    let fd = Glibc.open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
      info.st_uid == owner ?? info.st_uid
    else {
      close(fd)
      return nil
    }
    return fd
  }

  /// One open, reserve, write, close.
  ///
  /// `true` when the record is in the file still at the path.
  private func appendOnce(_ record: [UInt8], mayCutBack: Bool) throws(SystemError) -> Bool {
    let fd = try Self.openForAppend(path, owner: owner)
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .current("fstat") }
    if pg_reserve(fd, info.st_size, off_t(record.count)) != 0 {
      // A file system without fallocate (EOPNOTSUPP) still gets the cut-back below.
      if errno == ENOSPC || errno == EDQUOT { throw .current("fallocate") }
    }
    while true {
      let written = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if written == record.count { break }
      if written < 0 && errno == EINTR { continue }
      let error =
        written < 0
        ? SystemError.current("write") : SystemError(number: ENOSPC, operation: "short write")
      if written > 0 && mayCutBack {
        // With O_APPEND the offset after the write is the end of our bytes.
        let end = lseek(fd, 0, SEEK_CUR)
        if end >= written { _ = ftruncate(fd, end - off_t(written)) }
      }
      throw error
    }
    var now = stat()
    guard lstat(path, &now) == 0 else { return false }
    return now.st_dev == info.st_dev && now.st_ino == info.st_ino
  }
}
