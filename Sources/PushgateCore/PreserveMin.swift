// The `preserve_min` setting of `pushgate rotate`, in btrbk's syntax (btrbk.conf(5)).

/// How long `pushgate rotate` keeps every snapshot: btrbk's `preserve_min`, such as `1d`.
public enum PreserveMin: Equatable, Sendable {
  /// Keep every snapshot forever (`all`).
  case all
  /// Keep only the newest snapshot (`latest`); the newest is kept whatever the setting.
  case latest
  /// Keep nothing for its age (`no`); only `preserve` and the newest snapshot stay.
  case no
  /// Keep everything from the current and the `count` previous periods, and everything younger
  /// than `count` of `unit` (`<N>h`, `<N>d`, `<N>w`, `<N>m` or `<N>y`).
  case period(count: Int, unit: Unit)

  /// The period of a count, as written after it.
  public enum Unit: String, CaseIterable, Sendable {
    /// Hours.
    case h
    /// Days, from 00:00 UTC.
    case d
    /// Weeks, from Sunday 00:00 UTC (btrbk's default `preserve_day_of_week`).
    case w
    /// Months.
    case m
    /// Years.
    case y

    /// The unit written as `byte`, if any.
    init?(byte: UInt8) {
      guard let unit = Unit.allCases.first(where: { $0.rawValue.utf8.first == byte }) else {
        return nil
      }
      self = unit
    }

    /// The position of the unit from the shortest (0, hours) to the longest (4, years).
    var index: Int { Unit.allCases.firstIndex(of: self) ?? 0 }
  }

  /// `1d`: every snapshot of today and yesterday, and anything younger than 24 hours.
  public static let defaults = PreserveMin.period(count: 1, unit: .d)

  /// Parses `all`, `latest`, `no` or `<N>{h,d,w,m,y}` (N decimal digits, at most
  /// ``Preserve/maximumCount``); `nil` for anything else.
  public static func parse(_ text: String) -> PreserveMin? {
    switch text {
    case "all": return .all
    case "latest": return .latest
    case "no": return .no
    default:
      let bytes = Substring(text).utf8
      guard let last = bytes.last, let unit = Unit(byte: last),
        let count = Preserve.number(bytes.dropLast(), allowsAll: false)
      else { return nil }
      return .period(count: count, unit: unit)
    }
  }

  /// The canonical form, such as `1d` or `latest`.
  public var text: String {
    switch self {
    case .all: "all"
    case .latest: "latest"
    case .no: "no"
    case .period(let count, let unit): "\(count)\(unit.rawValue)"
    }
  }
}
