// Every exit status of pushgate-serve and of the admin tool: one table, in the manuals too.

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

  // The admin tool's alone (pushgate-serve never ends with these). Besides them, doctor ends
  // with its worst level (0 ok, 1 warn, 2 fail: DoctorLevel) and `status --format nagios`
  // with the Nagios plugin state (0 ok, 1 warning, 2 critical, 3 unknown: Freshness).

  /// The command's own failure: authorize found the key or label already there (without
  /// --replace), log could not read the log or the settings, rotate failed for some area.
  public static let failed: Int32 = 1
  /// EX_DATAERR: the input is not an acceptable public key (authorize).
  public static let dataError: Int32 = 65
  /// EX_NOINPUT: the audit log cannot be read (status).
  public static let noInput: Int32 = 66
  /// EX_CANTCREAT: the output file cannot be written (status --output).
  public static let cannotCreate: Int32 = 73
}
