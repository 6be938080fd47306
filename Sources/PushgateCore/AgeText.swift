// Durations in settings and on command lines (`90s`, `30m`, `2d`), and ages in reports.

/// Durations as people write them on a command line, and ages as reports print them.
public enum AgeText {
  /// Parses `90s`, `45m`, `26h`, `2d`, `1w` or plain seconds; `nil` for anything else,
  /// zero, or more than ten years.
  public static func parse(_ text: String) -> Int? {
    guard let seconds = seconds(text), seconds > 0, seconds <= 10 * 366 * 86400 else { return nil }
    return seconds
  }

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

  /// A duration as a setting is written: `0`, or the largest exact unit (`90s`, `30m`, `1h`,
  /// `2d`); ``seconds(_:)`` reads it back.
  public static func setting(_ seconds: Int) -> String {
    if seconds == 0 { return "0" }
    for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60)] where seconds % size == 0 {
      return "\(seconds / size)\(unit)"
    }
    return "\(seconds)s"
  }

  /// A short age: `45s`, `12m`, `5h` (below two days), `3d`; negative ages read `0s`.
  public static func render(_ seconds: Int) -> String {
    let seconds = max(0, seconds)
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m" }
    if seconds < 2 * 86400 { return "\(seconds / 3600)h" }
    return "\(seconds / 86400)d"
  }
}
