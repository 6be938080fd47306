// Opens files we trust or create: never through a symlink, owner and mode checked on the fd.
import Glibc

/// What our checks found wrong with an open file.
public enum FileProblem: Error, Equatable, Sendable {
  /// Not a regular file.
  case notRegular
  /// Owned by this uid, neither root nor us (nor the account root's tools write for).
  case owner(uid_t)
  /// Has forbidden permission bits; the whole mode.
  case mode(mode_t)

  /// The check's own words, such as `owned by uid 1000`.
  public var reason: String {
    switch self {
    case .notRegular: "not a regular file"
    case .owner(let uid): "owned by uid \(uid)"
    case .mode: "writable by others"
    }
  }
}

/// Files opened with `O_NOFOLLOW | O_CLOEXEC` and checked with fstat(2) on the open descriptor.
public enum TrustedFile {
  /// The one check of a file we trust, on its open descriptor (fstat(2)).
  ///
  /// A regular file, owned by root or by us, with none of the `forbidden` permission bits: its
  /// status, or what is wrong with it.
  ///
  /// With `owner` (root's tools writing a file of the backup account's): owned by exactly that
  /// account, so a hard link the account made to root's file is refused rather than written.
  public static func inspect(_ fd: Int32, forbidden: mode_t, owner: uid_t? = nil)
    throws(SystemError) -> Result<stat, FileProblem>
  {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .current("fstat") }
    if info.st_mode & S_IFMT != S_IFREG { return .failure(.notRegular) }
    let owners: [uid_t] = owner.map { [$0] } ?? [0, geteuid()]
    if !owners.contains(info.st_uid) { return .failure(.owner(info.st_uid)) }
    if info.st_mode & forbidden != 0 { return .failure(.mode(info.st_mode & 0o7777)) }
    return .success(info)
  }

  /// Reads a configuration file the gate relies on (rsyncd.conf): a regular file, not a
  /// symlink, owned by root or by us and not writable by others; at most `limit` bytes.
  public static func readConfig(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw .current("open") }
    defer { close(fd) }
    if case .failure(let problem) = try inspect(fd, forbidden: S_IWOTH) {
      throw .refused(problem.reason)
    }
    let bytes = try Descriptors.readAll(fd, limit: limit)
    guard bytes.count <= limit else { throw .refused("larger than \(limit) bytes") }
    return bytes
  }

  /// Reads a small file without following a symlink; `nil` if it cannot be read.
  public static func readSmall(_ path: String, limit: Int) -> [UInt8]? {
    (try? read(path, limit: limit)).map { Array($0.prefix(limit)) }
  }

  /// Reads `path` without following a symlink (open(2) with O_NOFOLLOW, ELOOP when it is one) or
  /// waiting on a FIFO (O_NONBLOCK); with `requiringRegular`, refuses anything but a regular file
  /// (fstat(2) on the descriptor).
  ///
  /// At most `limit` bytes and a little more, as Descriptors.readAll.
  public static func read(
    _ path: String, limit: Int, requiringRegular: Bool = true
  ) throws(SystemError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw .current("open '\(path)'") }
    defer { close(fd) }
    if requiringRegular {
      var info = stat()
      guard fstat(fd, &info) == 0 else { throw .current("fstat '\(path)'") }
      guard info.st_mode & S_IFMT == S_IFREG else { throw .refused("not a regular file") }
    }
    return try Descriptors.readAll(fd, limit: limit)
  }

  /// Opens (creating with `mode` if needed) a file of ours for appending or locking, and checks
  /// that it is a regular file owned by us or root and not writable by others.
  ///
  /// With `keepsMode`, a file of ours made with wider permissions before is brought back to `mode`
  /// (fchmod(2)). With `creates` false a missing file is an error (ENOENT), not created. With
  /// `owner` only that account's file is accepted (``inspect(_:forbidden:owner:)``).
  public static func openOwned(
    _ path: String, flags: Int32, mode: mode_t, keepsMode: Bool = false, creates: Bool = true,
    owner: uid_t? = nil
  ) throws(SystemError) -> Int32 {
    // O_NONBLOCK: a FIFO planted at the path must not hang the gate or root's tools; it is
    // refused below as not a regular file. (No effect on regular files.)
    let create = creates ? O_CREAT : 0
    let fd = open(path, flags | create | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode)
    guard fd >= 0 else { throw .current("open") }
    let info: stat
    do throws(SystemError) {
      switch try inspect(fd, forbidden: S_IWOTH, owner: owner) {
      case .success(let checked): info = checked
      case .failure(let problem): throw SystemError.refused(problem.reason)
      }
    } catch {
      close(fd)
      throw error
    }
    if keepsMode, info.st_uid == geteuid(), info.st_mode & 0o7777 & ~mode != 0 {
      _ = fchmod(fd, mode)
    }
    return fd
  }
}
