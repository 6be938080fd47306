// Durations in settings (`90s`, `30m`, `2d`); the admin tool adds ages for reports.

/// Durations as people write them.
public enum AgeText {
  /// Parses a count of seconds, minutes, hours, days or weeks (`s m h d w`, or no unit for
  /// seconds), without limits; `nil` for anything else or on overflow.
  public static func seconds(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    guard let last = bytes.last else { return nil }
    let units: [UInt8: Int] = [
      UInt8(ascii: "s"): 1, UInt8(ascii: "m"): 60, UInt8(ascii: "h"): 3600,
      UInt8(ascii: "d"): 86400, UInt8(ascii: "w"): 604_800,
    ]
    let unit = units[last]
    let digits = unit == nil ? bytes[...] : bytes.dropLast()
    guard !digits.isEmpty, digits.count <= 9,
      digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let number = Int(String(decoding: digits, as: UTF8.self))
    else { return nil }
    let (seconds, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
    return overflow ? nil : seconds
  }
}
