// The exit statuses of pushgate-serve and pushgate check: one table, in the manual too.

/// Exit statuses of our own, in the `sysexits.h` range so that rsync's own statuses (0–35)
/// pass through unchanged.
public enum ExitStatus {
  /// Transfer (and snapshot, when one was due) succeeded.
  public static let success: Int32 = 0
  /// Usage error in the forced command's arguments.
  public static let usage: Int32 = 64
  /// The transfer succeeded but the snapshot failed or timed out.
  public static let snapshotFailed: Int32 = 69
  /// Internal error (a bug).
  public static let software: Int32 = 70
  /// Operating-system error: lock file, audit log, spawning.
  public static let osError: Int32 = 71
  /// Busy: no free slot, or a snapshot holds the tree.
  public static let busy: Int32 = 75
  /// Refused: not the allowed command.
  public static let refused: Int32 = 77
  /// Settings file missing, unsafe or invalid.
  public static let settings: Int32 = 78
  /// Added to the signal number when rsync was killed by a signal, as a shell does.
  public static let signalBase: Int32 = 128
}
