// Reading a btrfs snapshot's name back into its time, for doctor and status: the exact shape
// SnapshotName.render writes, and nothing else.
import PushgateCore

extension SnapshotName {
  /// The time (seconds since the epoch, UTC) a name of the shape `YYYY-MM-DDTHHMMSSZ` (18
  /// bytes, a valid date and time) stands for; `nil` for any other bytes.
  public static func parse(_ bytes: [UInt8]) -> Int? {
    guard bytes.count == 18, bytes[10] == UInt8(ascii: "T"), bytes[17] == UInt8(ascii: "Z"),
      bytes[11..<17].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    // Timestamp.parse checks the digits, the dashes and the calendar; it has the colons.
    let colons =
      Array(bytes[0..<13]) + [UInt8(ascii: ":")] + Array(bytes[13..<15]) + [UInt8(ascii: ":")]
      + Array(bytes[15..<18])
    guard let time = Timestamp.parse(String(decoding: colons, as: UTF8.self)),
      render(time).utf8.elementsEqual(bytes)
    else { return nil }
    return time
  }
}
