// Which btrfs snapshots `pushgate rotate` deletes: btrbk's retention policy (btrbk.conf(5),
// RETENTION POLICY; sub schedule in btrbk), in UTC, with days from 00:00 and weeks from Sunday.
import PushgateCore

/// What `pushgate rotate` does with one snapshot, and why.
public struct RetentionVerdict: Equatable, Sendable {
  /// The snapshot's creation time, in seconds since the epoch.
  public let time: Int
  /// Whether the snapshot stays.
  public let isKept: Bool
  /// The reason as `pushgate rotate --dry-run` prints it, such as `kept: first of day 2026-11-29
  /// (30d)`, `kept: within preserve_min 1d` or `deleted: not the first of its hour`.
  public let reason: String
}

/// Decides which snapshots to keep, as btrbk's `preserve` and `preserve_min` do.
///
/// Periods are calendar periods in UTC, counted back from the one holding `now` (the current
/// one is 0): hours; days from 00:00 (btrbk's default `preserve_hour_of_day`); weeks from
/// Sunday (btrbk's default `preserve_day_of_week`); months from their first Sunday and years
/// from January's first Sunday, so each week lies in one month (a snapshot on Wednesday
/// 1 December belongs to November, while `now` always counts in its plain calendar month). The
/// first (oldest) snapshot of a period is that period's snapshot; monthly ones are chosen among
/// weekly ones and yearly ones among monthly ones, which here means the first of each month or
/// year. `preserve_min <N><unit>` keeps every snapshot of the current and N previous periods, as
/// in btrbk, and unlike btrbk also every snapshot younger than N units exactly (N × 3600 s,
/// N days, N weeks, or the same date and time N months or years back, on the month's last day if
/// that date does not exist), so nothing younger than `preserve_min` is ever deleted. Unlike
/// btrbk, the newest snapshot at or before `now` is always kept, and so is every snapshot after
/// `now` (a clock that went back).
public enum Retention {
  /// The verdicts on snapshots taken at `snapshots` (seconds since the epoch), oldest first.
  ///
  /// Equal times each get a verdict; only the first of them can be the first of a period.
  public static func plan(snapshots: [Int], now: Int, preserve: Preserve, minimum: PreserveMin)
    -> [RetentionVerdict]
  {
    let order = snapshots.indices.sorted { (snapshots[$0], $0) < (snapshots[$1], $1) }
    let newest = order.last { snapshots[$0] <= now }
    let current = Period(now, isReference: true)
    let units = PreserveMin.Unit.allCases
    // The counts that keep something: btrbk keeps nothing for 0.
    let counts = units.map { preserve.count($0).flatMap { $0 > 0 ? $0 : nil } }
    let threshold = minimum.youngerThan(now: now)
    let minimumReason =
      if case .period = minimum { "kept: within preserve_min \(minimum.text)" } else {
        "kept: preserve_min \(minimum.text)"
      }
    var verdicts: [RetentionVerdict] = []
    verdicts.reserveCapacity(order.count)
    var previous: Period?
    for index in order {
      let time = snapshots[index]
      guard time <= now else {
        verdicts.append(RetentionVerdict(time: time, isKept: true, reason: "kept: in the future"))
        continue
      }
      let period = Period(time, isReference: false)
      defer { previous = period }
      // The longest period that keeps the snapshot (it names the reason, as in btrbk), and the
      // shortest whose window holds it.
      var keeping: PreserveMin.Unit?
      var window: PreserveMin.Unit?
      for unit in units {
        guard let count = counts[unit.position], current[unit] - period[unit] <= count else {
          continue
        }
        window = window ?? unit
        if previous.map({ $0[unit] != period[unit] }) ?? true { keeping = unit }
      }
      let isMinimum: Bool
      switch minimum {
      case .all: isMinimum = true
      case .latest: isMinimum = index == newest
      case .no: isMinimum = false
      case .period(let count, let unit):
        isMinimum = current[unit] - period[unit] <= count || time > (threshold ?? time)
      }
      let reason: String
      if let unit = keeping, let count = counts[unit.position] {
        let written = count == Preserve.unlimited ? "*" : String(count)
        reason = "kept: first of \(period.name(unit)) (\(written)\(unit.rawValue))"
      } else if isMinimum {
        reason = minimumReason
      } else if index == newest {
        reason = "kept: newest"
      } else if let unit = window {
        reason = "deleted: not the first of its \(unit.word)"
      } else {
        reason = "deleted: older than every preserve period"
      }
      verdicts.append(
        RetentionVerdict(time: time, isKept: reason.hasPrefix("kept"), reason: reason))
    }
    return verdicts
  }
}

extension PreserveMin {
  /// The earliest time younger than the setting at `now`; `nil` for `all`, `latest` and `no`.
  fileprivate func youngerThan(now: Int) -> Int? {
    guard case .period(let count, let unit) = self else { return nil }
    switch unit {
    case .h: return now - count * 3600
    case .d: return now - count * 86400
    case .w: return now - count * 7 * 86400
    case .m, .y:
      let today = Period.floorDivide(now, 86400)
      let date = CivilDate(day: today)
      let months = date.year * 12 + date.month - 1 - count * (unit == .m ? 1 : 12)
      let year = Period.floorDivide(months, 12)
      let month = months - year * 12 + 1
      let day = min(date.day, CivilDate.monthLength(year: year, month: month))
      let earlier = CivilDate(year: year, month: month, day: day)
      return earlier.dayNumber * 86400 + (now - today * 86400)
    }
  }
}

extension PreserveMin.Unit {
  /// The position of the unit from the shortest (0, hours) to the longest (4, years).
  fileprivate var position: Int {
    switch self {
    case .h: 0
    case .d: 1
    case .w: 2
    case .m: 3
    case .y: 4
    }
  }

  /// The period in words.
  fileprivate var word: String {
    switch self {
    case .h: "hour"
    case .d: "day"
    case .w: "week"
    case .m: "month"
    case .y: "year"
    }
  }
}

/// The calendar periods holding one time, as numbers that grow by one per period.
private struct Period {
  let hour: Int
  let day: Int
  let week: Int
  /// The first day of the week.
  let weekStart: Int
  /// The (Sunday-aligned) month and year.
  let month: (year: Int, month: Int)

  /// The periods of `time`; a reference time (`now`) counts months and years by the calendar.
  init(_ time: Int, isReference: Bool) {
    day = Period.floorDivide(time, 86400)
    hour = Period.floorDivide(time, 3600)
    // Day 3 of the epoch (1970-01-04) was a Sunday.
    week = Period.floorDivide(day - 3, 7)
    weekStart = week * 7 + 3
    var date = CivilDate(day: day)
    if !isReference && date.day <= day - weekStart {
      // The week began in the previous month, so the snapshot counts there (btrbk's months
      // start on their first Sunday).
      date =
        date.month == 1
        ? CivilDate(year: date.year - 1, month: 12, day: 1)
        : CivilDate(year: date.year, month: date.month - 1, day: 1)
    }
    month = (date.year, date.month)
  }

  /// The number of the period of `unit`.
  subscript(unit: PreserveMin.Unit) -> Int {
    switch unit {
    case .h: hour
    case .d: day
    case .w: week
    case .m: month.year * 12 + month.month - 1
    case .y: month.year
    }
  }

  /// The period of `unit` in words, such as `day 2026-11-29`.
  func name(_ unit: PreserveMin.Unit) -> String {
    let iso = Timestamp.iso8601
    switch unit {
    case .h:
      return "hour \(iso(hour * 3600).prefix(10)) \(iso(hour * 3600).dropFirst(11).prefix(2)):00"
    case .d: return "day \(iso(day * 86400).prefix(10))"
    case .w: return "week from Sunday \(iso(weekStart * 86400).prefix(10))"
    case .m:
      let first = CivilDate(year: month.year, month: month.month, day: 1).dayNumber
      return "month \(iso(first * 86400).prefix(7))"
    case .y: return "year \(month.year)"
    }
  }

  /// `value / divisor` rounded down, for times before the epoch too.
  static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
    value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
  }
}

/// A proleptic Gregorian date (after Howard Hinnant's public-domain algorithms).
private struct CivilDate {
  let year: Int
  let month: Int
  let day: Int

  init(year: Int, month: Int, day: Int) {
    (self.year, self.month, self.day) = (year, month, day)
  }

  /// The date of day `number` since 1970-01-01.
  init(day number: Int) {
    let z = number + 719468
    let era = Period.floorDivide(z, 146097)
    let dayOfEra = z - era * 146097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  /// The number of the day since 1970-01-01.
  var dayNumber: Int {
    let y = month <= 2 ? year - 1 : year
    let era = Period.floorDivide(y, 400)
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    return era * 146097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719468
  }

  /// The number of days in `month` of `year`.
  static func monthLength(year: Int, month: Int) -> Int {
    let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    return [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  }
}
