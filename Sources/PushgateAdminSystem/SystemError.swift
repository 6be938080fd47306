// The errno values the admin tool tells apart.
import Glibc
import PushgateSystem

extension SystemError {
  /// ENOENT: the file (or a directory on its way) does not exist.
  public var isNotFound: Bool { number == ENOENT }

  /// ENOTDIR: a component on the way is not a directory.
  public var isNotDirectory: Bool { number == ENOTDIR }

  /// ELOOP: opened with O_NOFOLLOW, the last component is a symbolic link.
  public var isSymlink: Bool { number == ELOOP }

  /// EACCES: permission denied.
  public var isPermissionDenied: Bool { number == EACCES }
}
