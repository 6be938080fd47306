// The names of btrfs snapshots: their UTC creation time, `YYYY-MM-DDTHHMMSSZ`.

/// Converts between a snapshot's creation time and its directory name.
///
/// Names are read back from a directory the backup account can write to, so ``parse(_:)``
/// takes raw bytes and accepts only exactly what ``render(_:)`` writes.
public enum SnapshotName {
  /// The length of every snapshot name, in bytes.
  public static let length = 18

  /// The name of a snapshot taken at `time` (seconds since the epoch): `2026-11-30T120312Z`.
  public static func render(_ time: Int) -> String {
    String(Timestamp.iso8601(time).filter { $0 != ":" })
  }

  /// The creation time a name stands for; `nil` unless ``render(_:)`` writes exactly `name`.
  public static func parse(_ name: [UInt8]) -> Int? {
    let shape = Array("dddd-dd-ddTddddddZ".utf8)
    guard name.count == length else { return nil }
    for (byte, expected) in zip(name, shape) {
      let matches =
        expected == UInt8(ascii: "d")
        ? (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) : byte == expected
      guard matches else { return nil }
    }
    let text =
      String(decoding: name[0..<13], as: UTF8.self) + ":"
      + String(decoding: name[13..<15], as: UTF8.self) + ":"
      + String(decoding: name[15..<18], as: UTF8.self)
    // Timestamp.parse checks month lengths; the round trip also refuses second 60.
    guard let time = Timestamp.parse(text), Array(render(time).utf8) == name else { return nil }
    return time
  }
}
