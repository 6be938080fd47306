// `pushgate init --system-files`: the checks before init writes the root's cron.d and
// logrotate.d files, which it then writes with the same steps as the root's own files (atomic,
// never through a symlink, a differing file kept without --force).
import Glibc
import PushgateAdminCore
import PushgateCore

/// The checks and writes of --system-files and --etc.
enum SystemFilesSetup {
  /// The directory to write into (`/etc`, or `--etc DIR`), or `nil` without --system-files.
  ///
  /// Fails before anything is made: --etc without --system-files, --system-files without root,
  /// or a DIR that is not a safe absolute path.
  static func etcDirectory(_ etc: String?, systemFiles: Bool, runsAsRoot: Bool)
    throws(InitFailure) -> String?
  {
    guard systemFiles else {
      guard etc == nil else {
        throw InitFailure(message: "--etc needs --system-files", status: ExitStatus.usage)
      }
      return nil
    }
    guard runsAsRoot else {
      throw InitFailure(
        message: "--system-files writes into /etc/cron.d and /etc/logrotate.d, which needs root"
          + "\nhint: run 'pushgate init' as root, or copy the printed lines yourself",
        status: ExitStatus.usage)
    }
    let directory = etc ?? "/etc"
    guard PathRules.isSafeAbsolute(directory) else {
      throw InitFailure(
        message: "--etc must be an absolute path of letters, digits and / . _ - + , @ :, "
          + "not '\(SettingsParser.visible(directory))'", status: ExitStatus.usage)
    }
    return directory
  }

  /// Fails unless both directories of `files` are real directories, before init makes anything.
  static func requireDirectories(_ files: SystemFiles) throws(InitFailure) {
    for directory in files.directories { try requireDirectory(directory) }
  }

  /// `directory` must exist as a directory itself, not a symlink to one: the files' temporary
  /// copies are made in it, and cron and logrotate read it.
  private static func requireDirectory(_ directory: String) throws(InitFailure) {
    var info = stat()
    guard lstat(directory, &info) == 0 else {
      throw InitFailure(
        message: "cannot use '\(directory)': \(String(cString: strerror(errno)))"
          + "\nhint: is cron (or logrotate) installed?", status: ExitStatus.osError)
    }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw InitFailure(
        message: "refusing '\(directory)': it is not a directory (a symbolic link is not "
          + "followed)", status: ExitStatus.osError)
    }
  }
}
