// Durations on the admin tool's command lines and ages as its reports print them.
import PushgateCore

extension AgeText {
  /// Parses `90s`, `45m`, `26h`, `2d`, `1w` or plain seconds; `nil` for anything else,
  /// zero, or more than ten years.
  public static func parse(_ text: String) -> Int? {
    guard let seconds = seconds(text), seconds > 0, seconds <= 10 * 366 * 86400 else { return nil }
    return seconds
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
