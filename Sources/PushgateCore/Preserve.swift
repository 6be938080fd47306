// The retention settings of `pushgate rotate`, in btrbk's syntax (btrbk.conf(5), RETENTION POLICY).

/// Which snapshots `pushgate rotate` keeps per period: btrbk's `preserve`, such as `24h 12m`.
///
/// A count N keeps the first snapshot of the current period and of the N periods before it;
/// `nil` or 0 keeps none of that period (as in btrbk) and ``unlimited`` (`*`) keeps every one.
public struct Preserve: Equatable, Sendable {
  /// Hours back the first snapshot of each hour is kept.
  public var hourly: Int?
  /// Days back the first snapshot of each day (from 00:00 UTC) is kept.
  public var daily: Int?
  /// Weeks back the first snapshot of each week (from Sunday 00:00 UTC) is kept.
  public var weekly: Int?
  /// Months back the first weekly snapshot of each month (from its first Sunday) is kept.
  public var monthly: Int?
  /// Years back the first monthly snapshot of each year (from January's first Sunday) is kept.
  public var yearly: Int?

  /// The count written `*`: every period, however old.
  public static let unlimited = Int.max
  /// The largest count written in digits.
  public static let maximumCount = 100_000
  /// `24h 30d 12w 12m`.
  public static let defaults = Preserve(hourly: 24, daily: 30, weekly: 12, monthly: 12)

  /// A policy keeping the given counts; `nil` keeps none of that period.
  public init(
    hourly: Int? = nil, daily: Int? = nil, weekly: Int? = nil, monthly: Int? = nil,
    yearly: Int? = nil
  ) {
    (self.hourly, self.daily, self.weekly, self.monthly) = (hourly, daily, weekly, monthly)
    self.yearly = yearly
  }

  /// The count of one period.
  public func count(_ unit: PreserveMin.Unit) -> Int? {
    [hourly, daily, weekly, monthly, yearly][unit.index]
  }

  /// Parses btrbk's `[<N>h] [<N>d] [<N>w] [<N>m] [<N>y]` or `no`; `nil` for anything else.
  ///
  /// As in btrbk, words may come in any order but each unit only once, the unit may be upper
  /// case, and N is `*` or decimal digits; ours also caps N at ``maximumCount``.
  public static func parse(_ text: String) -> Preserve? {
    if text == "no" { return Preserve() }
    var counts: [Int?] = Array(repeating: nil, count: 5)
    let words = text.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
    for word in words {
      guard let last = word.last, let unit = PreserveMin.Unit(byte: last | 0x20),
        counts[unit.index] == nil, let count = number(word.dropLast(), allowsAll: true)
      else { return nil }
      counts[unit.index] = count
    }
    guard !words.isEmpty else { return nil }
    return Preserve(
      hourly: counts[0], daily: counts[1], weekly: counts[2], monthly: counts[3],
      yearly: counts[4])
  }

  /// The canonical form, such as `24h 30d 12w 12m` or `no`.
  public var text: String {
    let words = PreserveMin.Unit.allCases.compactMap { unit in
      count(unit).map { ($0 == Preserve.unlimited ? "*" : String($0)) + unit.rawValue }
    }
    return words.isEmpty ? "no" : words.joined(separator: " ")
  }

  /// `*` (when allowed) or 1 or more decimal digits with a value up to ``maximumCount``.
  static func number(_ digits: Substring.UTF8View, allowsAll: Bool) -> Int? {
    if allowsAll, digits.elementsEqual("*".utf8) { return unlimited }
    var value = 0
    for digit in digits {
      guard (0x30...0x39).contains(digit) else { return nil }
      value = value * 10 + Int(digit - 0x30)
      guard value <= maximumCount else { return nil }
    }
    return digits.isEmpty ? nil : value
  }
}
