// What lstat(2) says about a path, and the names in a directory (opendir(3), readdir(3)),
// for the checks of the gate's areas and of root's tools (doctor, status, init).
import CPushgateAdmin
import Glibc
import PushgateAdminCore
import PushgateSystem

/// A path's kind, owner, permission bits and modification time, from lstat(2): a symbolic
/// link is reported as itself, never followed.
public struct FileStatus: Equatable, Sendable {
  /// What kind of file it is (`st_mode & S_IFMT`).
  public enum Kind: Equatable, Sendable {
    /// S_IFREG.
    case regular
    /// S_IFDIR.
    case directory
    /// S_IFLNK.
    case symlink
    /// Anything else: a FIFO, socket or device.
    case other
  }

  /// The kind.
  public var kind: Kind
  /// `st_uid`.
  public var uid: uid_t
  /// `st_gid`.
  public var gid: gid_t
  /// The permission bits, `st_mode & 0o7777`.
  public var mode: mode_t
  /// `st_mtim.tv_sec`.
  public var modified: Int

  /// lstat(2) of `path`.
  ///
  /// The error keeps errno (``SystemError/isNotFound`` and others).
  public static func of(_ path: String) throws(SystemError) -> FileStatus {
    var info = stat()
    guard lstat(path, &info) == 0 else { throw .current("lstat") }
    return FileStatus(info)
  }

  /// lstat(2) of `path`, `nil` when it does not exist (ENOENT); any other error is thrown.
  public static func ifExists(_ path: String) throws(SystemError) -> FileStatus? {
    do {
      return try of(path)
    } catch  where error.isNotFound {
      return nil
    }
  }

  /// stat(2) of `path`: what a symbolic link points at, for paths the caller chose to follow.
  public static func following(_ path: String) throws(SystemError) -> FileStatus {
    var info = stat()
    guard stat(path, &info) == 0 else { throw .current("stat") }
    return FileStatus(info)
  }

  /// `path` with every symbolic link, `.` and `..` resolved (realpath(3)).
  public static func resolvedPath(_ path: String) throws(SystemError) -> String {
    guard let resolved = realpath(path, nil) else { throw .current("realpath") }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  private init(_ info: stat) {
    let kind: Kind =
      switch info.st_mode & S_IFMT {
      case S_IFREG: .regular
      case S_IFDIR: .directory
      case S_IFLNK: .symlink
      default: .other
      }
    self.kind = kind
    uid = info.st_uid
    gid = info.st_gid
    mode = info.st_mode & 0o7777
    modified = info.st_mtim.tv_sec
  }
}

/// Listing directories.
public enum Directory {
  /// The names in `path` but `.` and `..`, sorted as bytes (opendir(3), readdir(3)).
  public static func names(_ path: String) throws(SystemError) -> [String] {
    guard let stream = opendir(path) else { throw .current("opendir") }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// The working directory (getcwd(3)), or `nil` when it cannot be read.
  public static func current() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

/// A path's access ACL (lgetxattr(2) of `system.posix_acl_access`, not following a symlink).
public enum AccessACL {
  /// The ACL of `path`; `nil` when it has none beyond its mode bits (or one that cannot be
  /// parsed).
  public static func of(_ path: String) throws(SystemError) -> PosixACL? {
    var value = [UInt8](repeating: 0, count: 4 + 8 * 64)
    let length = pg_lgetxattr(path, "system.posix_acl_access", &value, UInt(value.count))
    guard length >= 0 else {
      if errno == ENODATA || errno == ENOTSUP { return nil }
      throw .current("lgetxattr")
    }
    return PosixACL(attribute: Array(value.prefix(length)))
  }
}
