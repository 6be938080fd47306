// The names of btrfs snapshots: their UTC creation time, sortable, such as 2026-11-30T120312Z.

/// Renders and reads the time a btrfs snapshot is named by.
public enum SnapshotName {
  /// `YYYY-MM-DDTHHMMSSZ` for `time`, seconds since the epoch (UTC).
  public static func render(_ time: Int) -> String {
    Timestamp.iso8601(time).filter { $0 != ":" }
  }
}
