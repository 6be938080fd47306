// The exit statuses only the admin tool uses, besides the shared table (ExitStatus, in the
// core: usage 64, operating-system error 71, settings 78). sysexits.h values where one fits.

/// Exit statuses of `pushgate authorize`, `log`, `rotate` and `status` that pushgate-serve
/// never uses; each command's help and manual page list the ones it can end with.
enum AdminExitStatus {
  /// The command's own failure: authorize found the key or label already there (without
  /// --replace), log could not read the log or the settings, rotate failed for some area.
  static let failed: Int32 = 1
  /// EX_DATAERR: the input is not an acceptable public key (authorize).
  static let dataError: Int32 = 65
  /// EX_NOINPUT: the audit log cannot be read (status).
  static let noInput: Int32 = 66
  /// EX_CANTCREAT: the output file cannot be written (status --output).
  static let cannotCreate: Int32 = 73
}
