// Replacing a file whole: a crash leaves either the old file or the new one, never half of
// either, and nothing planted beside it is followed or reused.
//
// The one implementation behind the area's state files (the gate), init's files, the
// authorized_keys that `pushgate authorize` edits and `pushgate status --output`'s textfile:
// openat(2) a fresh temporary name in the same directory with O_CREAT | O_EXCL | O_NOFOLLOW
// (a name that exists, a symlink included, is never opened: another random name is tried),
// write(2), fchown(2) when an owner is given, fchmod(2) (after fchown, which may clear
// set-id bits; the mode never depends on the umask), fsync(2), close(2), renameat(2) over the
// name, fsync(2) of the directory. On any failure the temporary file is removed (unlinkat(2))
// and the old file is untouched.
import Glibc

/// Files replaced atomically by renaming a complete, synced temporary file over them.
public enum AtomicFile {
  /// Who a replaced file belongs to.
  public struct Owner: Equatable, Sendable {
    /// The owning uid.
    public var uid: uid_t
    /// The owning gid.
    public var gid: gid_t

    /// Creates an owner.
    public init(uid: uid_t, gid: gid_t) {
      self.uid = uid
      self.gid = gid
    }
  }

  /// The step of a replacement that failed, for the caller's message.
  public enum Step: Equatable, Sendable {
    /// open(2) of the directory, or openat(2) of the temporary file.
    case create
    /// write(2) of the contents.
    case write
    /// fchown(2).
    case owner
    /// fchmod(2).
    case mode
    /// fsync(2) of the temporary file.
    case sync
    /// close(2) of the temporary file.
    case close
    /// renameat(2) over the file.
    case rename
  }

  /// A failed replacement: the step, and the system error (naming the syscall and the file).
  public struct Failure: Error, Equatable, Sendable {
    /// What failed.
    public let step: Step
    /// errno and the operation, such as `write '/backup/.pushgate.conf.pushgate-1a2b'`.
    public let error: SystemError
  }

  /// How many random temporary names are tried before giving up (each failed with EEXIST).
  static let attempts = 8

  /// Replaces `path` with `bytes`, mode `mode` and, when given, `owner`.
  ///
  /// The directory is opened as named (open(2) with O_DIRECTORY | O_CLOEXEC); everything after
  /// works relative to it, as ``replace(_:in:bytes:mode:owner:)``.
  public static func replace(path: String, bytes: [UInt8], mode: mode_t, owner: Owner? = nil)
    throws(Failure)
  {
    let (directory, name) = split(path)
    let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryFD >= 0 else {
      throw Failure(step: .create, error: .current("open '\(directory)'"))
    }
    defer { Glibc.close(directoryFD) }
    try replace(name, in: directoryFD, bytes: bytes, mode: mode, owner: owner)
  }

  /// Replaces `name` in the open directory `directoryFD` (a caller that has checked and locked the
  /// directory keeps every step inside it).
  ///
  /// The directory's own fsync(2) comes after the rename has happened, so its failure is not
  /// reported: the file is replaced.
  public static func replace(
    _ name: String, in directoryFD: Int32, bytes: [UInt8], mode: mode_t, owner: Owner? = nil
  ) throws(Failure) {
    var random = SystemRandomNumberGenerator()
    try replace(
      name, in: directoryFD, bytes: bytes, mode: mode, owner: owner,
      suffixes: (0..<attempts).map { _ in random.next() as UInt32 })
  }

  /// ``replace(_:in:bytes:mode:owner:)`` with the temporary names' random parts given (tests).
  static func replace(
    _ name: String, in directoryFD: Int32, bytes: [UInt8], mode: mode_t, owner: Owner?,
    suffixes: [UInt32]
  ) throws(Failure) {
    var temporary = ""
    var fd: Int32 = -1
    for suffix in suffixes {
      temporary = temporaryName(name, suffix)
      fd = openat(
        directoryFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw Failure(step: .create, error: .current("open '\(temporary)'")) }
    var failure: Failure?
    if !Descriptors.writeAll(fd, bytes) {
      failure = Failure(step: .write, error: .current("write '\(temporary)'"))
    } else if let owner, fchown(fd, owner.uid, owner.gid) != 0 {
      failure = Failure(step: .owner, error: .current("fchown '\(temporary)'"))
    } else if fchmod(fd, mode) != 0 {
      failure = Failure(step: .mode, error: .current("fchmod '\(temporary)'"))
    } else if fsync(fd) != 0 {
      failure = Failure(step: .sync, error: .current("fsync '\(temporary)'"))
    }
    if Glibc.close(fd) != 0, failure == nil {
      failure = Failure(step: .close, error: .current("close '\(temporary)'"))
    }
    if failure == nil, renameat(directoryFD, temporary, directoryFD, name) != 0 {
      failure = Failure(step: .rename, error: .current("rename '\(temporary)'"))
    }
    if let failure {
      unlinkat(directoryFD, temporary, 0)
      throw failure
    }
    _ = fsync(directoryFD)
  }

  /// `.NAME.pushgate-HEX`: hidden, and never ending in what a reader of the directory looks
  /// for (node_exporter's textfile collector reads only `*.prom`).
  static func temporaryName(_ name: String, _ suffix: UInt32) -> String {
    ".\(name).pushgate-\(String(suffix, radix: 16))"
  }

  /// The directory (`.` for a bare name, `/` at the top) and the last component of `path`.
  static func split(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
  }
}
