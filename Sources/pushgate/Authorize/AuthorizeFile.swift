// The effects of `pushgate authorize`: the account from the password database, reading the
// key, and replacing authorized_keys atomically with the modes sshd's StrictModes wants.
import Glibc
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// The account whose authorized_keys is edited.
struct KeyAccount {
  let name: String
  let uid: uid_t
  let gid: gid_t
  let home: String
}

/// Reads the key and rewrites authorized_keys.
enum AuthorizeFile {
  /// The largest authorized_keys file read.
  static let maximumFile = 16 << 20

  /// `name`, or the effective user, from the password database (Accounts.lookUp).
  static func account(_ name: String?) throws(AuthorizeFailure) -> KeyAccount {
    let found = name.map { Accounts.lookUp(name: $0) } ?? Accounts.lookUp(uid: geteuid())
    guard let user = found else {
      throw .usage(
        name.map { "unknown account '\($0)'" }
          ?? "cannot find uid \(geteuid()) in the password database")
    }
    return KeyAccount(name: user.name, uid: user.uid, gid: user.gid, home: user.home)
  }

  /// The public key input: the file, or stdin for `nil` or `-`.
  static func readInput(_ path: String?) throws(AuthorizeFailure) -> [UInt8] {
    let name = path == nil || path == "-" ? "standard input" : "'\(path ?? "")'"
    let fd = path == nil || path == "-" ? STDIN_FILENO : open(path ?? "", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw osError("cannot open \(name)") }
    defer { if fd != STDIN_FILENO { close(fd) } }
    guard let bytes = try? Descriptors.readAll(fd, limit: PublicKeyCheck.maximumInput) else {
      throw osError("cannot read \(name)")
    }
    guard bytes.count <= PublicKeyCheck.maximumInput else {
      throw AuthorizeFailure(
        "\(name) is larger than a public key can be", status: ExitStatus.dataError)
    }
    return bytes
  }

  /// Reads `path` (empty when missing), applies `change`, and puts the result in place: the parent
  /// directory is created (0700) when missing, the new contents go to a temporary file in the same
  /// directory (mode 0600, or the old mode without group and other write), are fsync'd and renamed
  /// over the file.
  ///
  /// As root, a new file or directory is given to the account. Every step after opening the
  /// directory (O_NOFOLLOW) works relative to its descriptor (openat, renameat), so the account
  /// cannot redirect a root run through a symlink; a lock on it (flock(2)) keeps two runs from
  /// losing an edit.
  static func edit(
    _ path: String, owner: KeyAccount,
    _ change: (AuthorizedKeysFile) throws(AuthorizeFailure) -> AuthorizedKeysFile
  ) throws(AuthorizeFailure) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let directoryFD = try openDirectory(directory, owner: owner)
    defer { close(directoryFD) }
    guard flock(directoryFD, LOCK_EX) == 0 else { throw osError("cannot lock '\(directory)'") }

    var mode: mode_t = 0o600
    var fileOwner = (owner.uid, owner.gid)
    var old: [UInt8] = []
    let fd = openat(directoryFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    if fd >= 0 {
      defer { close(fd) }
      var info = stat()
      guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
        throw AuthorizeFailure("'\(path)' is not a regular file", status: ExitStatus.osError)
      }
      mode = info.st_mode & 0o7755
      fileOwner = (info.st_uid, info.st_gid)
      guard let bytes = try? Descriptors.readAll(fd, limit: maximumFile), bytes.count <= maximumFile
      else {
        throw osError("cannot read '\(path)'")
      }
      old = bytes
    } else if errno == ELOOP {
      throw AuthorizeFailure(
        "'\(path)' is a symlink; refusing to write through it", status: ExitStatus.osError)
    } else if errno != ENOENT {
      throw osError("cannot open '\(path)'")
    }
    let edited = try change(AuthorizedKeysFile(old))
    try replace(name, in: directoryFD, path: path, with: edited.bytes, mode: mode, owner: fileOwner)
  }

  /// Opens `directory` without following a symlink, creating it (0700, the account's as root)
  /// when missing; warns when sshd's StrictModes would ignore files in it.
  private static func openDirectory(_ directory: String, owner: KeyAccount) throws(AuthorizeFailure)
    -> Int32
  {
    let created = mkdir(directory, 0o700) == 0
    guard created || errno == EEXIST else { throw osError("cannot create '\(directory)'") }
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw osError("cannot open '\(directory)'") }
    if created && geteuid() == 0 && fchown(fd, owner.uid, owner.gid) != 0 {
      let failure = osError("cannot give '\(directory)' to '\(owner.name)'")
      close(fd)
      throw failure
    }
    var info = stat()
    if fstat(fd, &info) == 0, info.st_mode & 0o022 != 0 {
      AuthorizeFailure.warn(
        "'\(directory)' is writable by group or others; sshd's StrictModes will ignore the keys")
    }
    return fd
  }

  /// Puts `bytes` in place as `name` in `directoryFD` (AtomicFile.replace, relative to the
  /// directory's descriptor); the owner is set only as root.
  private static func replace(
    _ name: String, in directoryFD: Int32, path: String, with bytes: [UInt8], mode: mode_t,
    owner: (uid_t, gid_t)
  ) throws(AuthorizeFailure) {
    do {
      try AtomicFile.replace(
        name, in: directoryFD, bytes: bytes, mode: mode,
        owner: geteuid() == 0 ? AtomicFile.Owner(uid: owner.0, gid: owner.1) : nil)
    } catch {
      let message =
        switch error.step {
        case .create: "cannot create a temporary file beside '\(path)'"
        case .write, .close: "cannot write beside '\(path)'"
        case .owner, .mode: "cannot set the mode and owner of a file beside '\(path)'"
        case .sync: "cannot fsync a file beside '\(path)'"
        case .rename: "cannot rename a temporary file to '\(path)'"
        }
      throw osError(message, error.error.number)
    }
  }

  /// A failure with strerror(3) of the current errno.
  static func osError(_ message: String, _ number: Int32 = errno) -> AuthorizeFailure {
    AuthorizeFailure("\(message): \(String(cString: strerror(number)))", status: ExitStatus.osError)
  }
}
