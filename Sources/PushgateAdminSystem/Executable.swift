// Whether a program can be run, asked before running or naming it (access(2) with X_OK).
import Glibc
import PushgateSystem

/// Checks on programs we are about to run or to name in a configuration.
public enum Executable {
  /// `nil` when `path` exists and we may execute it (access(2) with X_OK, which uses the real
  /// uid and gid: the admin tool runs with real and effective ids the same); otherwise the
  /// error, naming the path: `/usr/bin/rsync: No such file or directory`.
  public static func problem(_ path: String) -> SystemError? {
    access(path, X_OK) == 0 ? nil : .current(path)
  }
}
