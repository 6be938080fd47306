// Who holds a slot or runs a snapshot: a small record in the lock file, for pushgate status.

/// A fixed-size JSON record written into the lock file by the holder of a slot (or of the tree, for
/// a snapshot), so `pushgate status` can name it without root.
///
/// The record is only meaningful while the matching lock is held; a stale one stays behind after a
/// crash.
public enum HolderRecord {
  /// Bytes per record: a JSON object padded with spaces, ending in a newline.
  public static let size = 256
  /// Where the snapshot holder's record starts.
  public static let snapshotOffset = 2048
  /// Where slot `slot`'s record starts.
  public static func slotOffset(_ slot: Int) -> Int { 4096 + slot * size }

  /// The padded record for `context` since `time` (seconds since the epoch).
  public static func render(_ context: SessionContext, pid: Int, since time: Int) -> [UInt8] {
    var line = JSONLine()
    line.add("pid", pid)
    line.add("session", context.session)
    line.add("key", context.key, limit: 64)
    if let peer = context.peer {
      line.add("peer", peer.address)
      line.add("port", peer.port)
    }
    line.add("since", Timestamp.iso8601(time))
    var bytes = Array(line.line.dropLast().prefix(size - 1))
    bytes += Array(repeating: UInt8(ascii: " "), count: size - 1 - bytes.count)
    return bytes + [UInt8(ascii: "\n")]
  }
}
