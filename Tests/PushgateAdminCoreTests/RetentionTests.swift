// pushgate rotate: which btrfs snapshots btrbk's retention policy keeps, in UTC.
import PushgateAdminCore
import PushgateCore
import Testing

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`; -1 for a typo, which then fails the test.
private func at(_ text: String) -> Int { Timestamp.parse(text) ?? -1 }

struct RetentionCase: Sendable, CustomTestStringConvertible {
  let name: String
  let now: String
  let preserve: String
  let minimum: PreserveMin
  /// Each snapshot's time and the reason printed for it, oldest first.
  let expected: [(String, String)]
  var testDescription: String { name }
}

let retentionCases: [RetentionCase] = [
  RetentionCase(
    name: "hours: the first of each of the current and N previous hours",
    now: "2026-11-29T12:30:00Z",
    preserve: "2h", minimum: .no,
    expected: [
      ("2026-11-29T09:59:59Z", "deleted: older than every preserve period"),
      ("2026-11-29T10:00:00Z", "kept: first of hour 2026-11-29 10:00 (2h)"),
      ("2026-11-29T10:30:00Z", "deleted: not the first of its hour"),
      ("2026-11-29T12:10:00Z", "kept: first of hour 2026-11-29 12:00 (2h)"),
      ("2026-11-29T12:20:00Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "days start at 00:00 UTC", now: "2026-11-29T00:00:00Z", preserve: "1d", minimum: .no,
    expected: [
      ("2026-11-27T23:59:59Z", "deleted: older than every preserve period"),
      ("2026-11-28T00:00:00Z", "kept: first of day 2026-11-28 (1d)"),
      ("2026-11-28T00:00:01Z", "deleted: not the first of its day"),
      ("2026-11-28T23:59:59Z", "deleted: not the first of its day"),
      ("2026-11-29T00:00:00Z", "kept: first of day 2026-11-29 (1d)"),
    ]),
  RetentionCase(
    name: "weeks start on Sunday", now: "2026-11-29T12:00:00Z", preserve: "1w", minimum: .no,
    expected: [
      ("2026-11-21T23:59:59Z", "deleted: older than every preserve period"),
      ("2026-11-22T00:00:00Z", "kept: first of week from Sunday 2026-11-22 (1w)"),
      ("2026-11-23T00:00:00Z", "deleted: not the first of its week"),
      ("2026-11-28T23:59:59Z", "deleted: not the first of its week"),
      ("2026-11-29T00:00:00Z", "kept: first of week from Sunday 2026-11-29 (1w)"),
      ("2026-11-29T06:00:00Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "a week without a Sunday snapshot keeps its first", now: "2026-11-29T12:00:00Z",
    preserve: "1w", minimum: .no,
    expected: [
      ("2026-11-24T08:00:00Z", "kept: first of week from Sunday 2026-11-22 (1w)"),
      ("2026-11-25T08:00:00Z", "deleted: not the first of its week"),
      ("2026-11-29T06:00:00Z", "kept: first of week from Sunday 2026-11-29 (1w)"),
    ]),
  RetentionCase(
    name: "months start on their first Sunday", now: "2026-12-15T00:00:00Z", preserve: "1m",
    minimum: .no,
    expected: [
      ("2026-10-31T00:00:00Z", "deleted: older than every preserve period"),
      ("2026-11-01T00:00:00Z", "kept: first of month 2026-11 (1m)"),
      ("2026-11-02T00:00:00Z", "deleted: not the first of its month"),
      ("2026-12-01T00:00:00Z", "deleted: not the first of its month"),
      ("2026-12-05T23:59:59Z", "deleted: not the first of its month"),
      ("2026-12-06T00:00:00Z", "kept: first of month 2026-12 (1m)"),
      ("2026-12-14T00:00:00Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "now counts in its calendar month, a snapshot in its Sunday-aligned month",
    now: "2026-12-01T12:00:00Z", preserve: "1m", minimum: .no,
    expected: [
      ("2026-10-03T00:00:00Z", "deleted: older than every preserve period"),
      ("2026-10-04T00:00:00Z", "deleted: older than every preserve period"),
      ("2026-11-01T00:00:00Z", "kept: first of month 2026-11 (1m)"),
      ("2026-12-01T06:00:00Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "years start on January's first Sunday", now: "2027-01-05T00:00:00Z", preserve: "1y",
    minimum: .no,
    expected: [
      ("2025-12-31T00:00:00Z", "deleted: older than every preserve period"),
      ("2026-01-01T00:00:00Z", "deleted: older than every preserve period"),
      ("2026-01-04T00:00:00Z", "kept: first of year 2026 (1y)"),
      ("2026-06-01T00:00:00Z", "deleted: not the first of its year"),
      ("2027-01-01T00:00:00Z", "deleted: not the first of its year"),
      ("2027-01-03T00:00:00Z", "kept: first of year 2027 (1y)"),
      ("2027-01-04T00:00:00Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "the longest period names the reason", now: "2026-11-29T12:00:00Z",
    preserve: "24h 30d 12w 12m 1y", minimum: .no,
    expected: [
      ("2026-11-29T00:00:00Z", "kept: first of year 2026 (1y)"),
      ("2026-11-29T01:00:00Z", "kept: first of hour 2026-11-29 01:00 (24h)"),
    ]),
  RetentionCase(
    name: "* keeps every period", now: "2026-11-29T12:00:00Z", preserve: "*m", minimum: .no,
    expected: [
      ("1990-01-07T00:00:00Z", "kept: first of month 1990-01 (*m)"),
      ("1990-01-08T00:00:00Z", "deleted: not the first of its month"),
      ("2026-11-29T06:00:00Z", "kept: first of month 2026-11 (*m)"),
    ]),
  RetentionCase(
    name: "0 keeps nothing of that period, as in btrbk", now: "2026-11-29T12:00:00Z",
    preserve: "0h 0d", minimum: .no,
    expected: [
      ("2026-11-29T11:00:00Z", "deleted: older than every preserve period"),
      ("2026-11-29T12:00:00Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "preserve_min 1d keeps yesterday and today", now: "2026-11-29T00:30:00Z",
    preserve: "no", minimum: .period(count: 1, unit: .d),
    expected: [
      ("2026-11-27T23:59:59Z", "deleted: older than every preserve period"),
      ("2026-11-28T00:00:00Z", "kept: within preserve_min 1d"),
      ("2026-11-28T00:30:01Z", "kept: within preserve_min 1d"),
      ("2026-11-29T00:10:00Z", "kept: within preserve_min 1d"),
    ]),
  RetentionCase(
    name: "preserve_min 36h counts calendar hours", now: "2026-11-29T12:30:00Z", preserve: "no",
    minimum: .period(count: 36, unit: .h),
    expected: [
      ("2026-11-27T23:59:59Z", "deleted: older than every preserve period"),
      ("2026-11-28T00:00:00Z", "kept: within preserve_min 36h"),
      ("2026-11-29T12:00:00Z", "kept: within preserve_min 36h"),
    ]),
  RetentionCase(
    name: "preserve_min 1w counts from Sunday", now: "2026-11-29T00:00:00Z", preserve: "no",
    minimum: .period(count: 1, unit: .w),
    expected: [
      ("2026-11-21T23:59:59Z", "deleted: older than every preserve period"),
      ("2026-11-22T00:00:00Z", "kept: within preserve_min 1w"),
      ("2026-11-28T00:00:00Z", "kept: within preserve_min 1w"),
    ]),
  RetentionCase(
    name: "preserve_min 1m also keeps what a Sunday-aligned month would not",
    now: "2026-11-03T12:00:00Z", preserve: "no", minimum: .period(count: 1, unit: .m),
    expected: [
      ("2026-10-03T11:59:59Z", "deleted: older than every preserve period"),
      ("2026-10-03T12:00:00Z", "deleted: older than every preserve period"),
      ("2026-10-03T12:00:01Z", "kept: within preserve_min 1m"),
      ("2026-10-04T00:00:00Z", "kept: within preserve_min 1m"),
      ("2026-11-03T11:00:00Z", "kept: within preserve_min 1m"),
    ]),
  RetentionCase(
    name: "preserve_min 1m from 31 March reaches back into February of a leap year",
    now: "2028-03-31T12:00:00Z", preserve: "no", minimum: .period(count: 1, unit: .m),
    expected: [
      ("2028-01-31T23:00:00Z", "deleted: older than every preserve period"),
      ("2028-02-01T00:00:00Z", "deleted: older than every preserve period"),
      ("2028-02-06T00:00:00Z", "kept: within preserve_min 1m"),
      ("2028-02-29T12:00:00Z", "kept: within preserve_min 1m"),
      ("2028-03-31T11:00:00Z", "kept: within preserve_min 1m"),
    ]),
  RetentionCase(
    name: "preserve_min 1y also keeps the days before January's first Sunday",
    now: "2027-01-02T12:00:00Z", preserve: "no", minimum: .period(count: 1, unit: .y),
    expected: [
      ("2026-01-02T12:00:00Z", "deleted: older than every preserve period"),
      ("2026-01-02T12:00:01Z", "kept: within preserve_min 1y"),
      ("2026-01-04T00:00:00Z", "kept: within preserve_min 1y"),
      ("2027-01-02T11:00:00Z", "kept: within preserve_min 1y"),
    ]),
  RetentionCase(
    name: "preserve_min 1y from a leap day", now: "2028-02-29T12:00:00Z", preserve: "no",
    minimum: .period(count: 1, unit: .y),
    expected: [
      ("2027-01-01T00:00:00Z", "deleted: older than every preserve period"),
      ("2027-01-03T00:00:00Z", "kept: within preserve_min 1y"),
      ("2028-02-29T11:00:00Z", "kept: within preserve_min 1y"),
    ]),
  RetentionCase(
    name: "preserve_min all keeps everything", now: "2026-11-29T12:30:00Z", preserve: "1h",
    minimum: .all,
    expected: [
      ("2001-01-01T00:00:00Z", "kept: preserve_min all"),
      ("2026-11-29T12:00:00Z", "kept: first of hour 2026-11-29 12:00 (1h)"),
      ("2026-11-29T12:00:01Z", "kept: preserve_min all"),
    ]),
  RetentionCase(
    name: "preserve_min latest keeps the newest", now: "2026-11-29T12:00:00Z", preserve: "no",
    minimum: .latest,
    expected: [
      ("2026-11-29T10:00:00Z", "deleted: older than every preserve period"),
      ("2026-11-29T11:00:00Z", "kept: preserve_min latest"),
    ]),
  RetentionCase(
    name: "preserve_min no keeps only preserve and the newest", now: "2026-11-29T12:00:00Z",
    preserve: "no", minimum: .no,
    expected: [
      ("2026-11-29T11:59:58Z", "deleted: older than every preserve period"),
      ("2026-11-29T11:59:59Z", "kept: newest"),
    ]),
  RetentionCase(
    name: "snapshots in the future are kept, and so is the newest before now",
    now: "2026-11-29T12:00:00Z", preserve: "no", minimum: .latest,
    expected: [
      ("2026-01-01T00:00:00Z", "deleted: older than every preserve period"),
      ("2026-11-29T12:00:00Z", "kept: preserve_min latest"),
      ("2026-11-29T12:00:01Z", "kept: in the future"),
      ("2031-01-01T00:00:00Z", "kept: in the future"),
    ]),
  RetentionCase(
    name: "equal times: only the first is the first of its hour, only the last the newest",
    now: "2026-11-29T12:30:00Z",
    preserve: "1h", minimum: .no,
    expected: [
      ("2026-11-29T11:00:00Z", "kept: first of hour 2026-11-29 11:00 (1h)"),
      ("2026-11-29T11:00:00Z", "deleted: not the first of its hour"),
      ("2026-11-29T11:30:00Z", "deleted: not the first of its hour"),
      ("2026-11-29T11:30:00Z", "kept: newest"),
    ]),
]

@Test("retention follows btrbk's calendar periods", arguments: retentionCases)
func retentionPlans(_ example: RetentionCase) throws {
  let preserve = try #require(Preserve.parse(example.preserve))
  let times = example.expected.map { at($0.0) }
  // Given newest first, the plan still lists them oldest first.
  let verdicts = Retention.plan(
    snapshots: times.reversed(), now: at(example.now), preserve: preserve,
    minimum: example.minimum)
  #expect(verdicts.map(\.time) == times)
  #expect(verdicts.map(\.reason) == example.expected.map(\.1))
  #expect(verdicts.map(\.isKept) == example.expected.map { $0.1.hasPrefix("kept: ") })
}

@Test("no snapshots, no verdicts")
func retentionEmpty() {
  #expect(Retention.plan(snapshots: [], now: 0, preserve: .defaults, minimum: .latest).isEmpty)
}

/// The civil fields of `time`, read from Timestamp's rendering.
private func fields(_ time: Int) -> (year: Int, month: Int, day: Int) {
  let text = Array(Timestamp.iso8601(time).utf8)
  func number(_ range: Range<Int>) -> Int {
    Int(String(decoding: text[range], as: UTF8.self)) ?? -1
  }
  return (number(0..<4), number(5..<7), number(8..<10))
}

@Test("three years of hourly snapshots under the defaults keep what the calendar says, fast")
func retentionThreeYears() {
  let now = at("2026-12-02T10:30:00Z")  // a Wednesday whose week began in November
  let first = now / 3600 * 3600 - 3 * 365 * 86400
  let snapshots = Array(stride(from: first, through: now, by: 3600))
  let clock = ContinuousClock()
  var verdicts: [RetentionVerdict] = []
  let elapsed = clock.measure {
    verdicts = Retention.plan(
      snapshots: snapshots, now: now, preserve: .defaults, minimum: .defaults)
  }
  #expect(elapsed < .seconds(1))

  // Every snapshot is on the hour, so the first of a period is the one at its start.
  let today = now / 86400
  let thisSunday = today - (today + 4) % 7
  let thisMonth = fields(now).year * 12 + fields(now).month
  var expected: [Int] = []
  var counts = (hours: 0, days: 0, weeks: 0, months: 0)
  for time in snapshots {
    let day = time / 86400
    let isMidnight = time % 86400 == 0
    let isSunday = (day + 4) % 7 == 0
    let date = fields(time)
    let hourly = now / 3600 - time / 3600 <= 24
    let daily = isMidnight && today - day <= 30
    let weekly = isMidnight && isSunday && (thisSunday - day) / 7 <= 12
    let monthly =
      isMidnight && isSunday && date.day <= 7 && thisMonth - (date.year * 12 + date.month) <= 12
    let minimum = today - day <= 1 || time > now - 86400
    if hourly { counts.hours += 1 }
    if daily { counts.days += 1 }
    if weekly { counts.weeks += 1 }
    if monthly { counts.months += 1 }
    if hourly || daily || weekly || monthly || minimum || time == snapshots.last {
      expected.append(time)
    }
  }
  #expect(counts.hours == 25)
  #expect(counts.days == 31)
  #expect(counts.weeks == 13)
  #expect(counts.months == 12)
  #expect(snapshots.count == 26281)
  #expect(verdicts.filter(\.isKept).map(\.time) == expected)
  // 35 hours of yesterday and today; 29 older days; 9 older Sundays (6 September to
  // 1 November); 9 older first Sundays of a month (7 December 2025 to 2 August 2026).
  #expect(expected.count == 35 + 29 + 9 + 9)
}

/// A small seeded generator (SplitMix64), so a failure repeats.
private struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The time `count` months before `now` at the same day and time, or the month's last day.
private func monthsBefore(_ now: Int, _ count: Int) -> Int {
  let date = fields(now)
  let months = date.year * 12 + date.month - 1 - count
  let clock = Timestamp.iso8601(now).dropFirst(10)
  for day in stride(from: date.day, through: 28, by: -1) {
    let text = format4(months / 12) + "-" + format2(months % 12 + 1) + "-" + format2(day)
    if let time = Timestamp.parse(text + clock) { return time }
  }
  return Int.max
}

private func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
private func format4(_ value: Int) -> String {
  String(repeating: "0", count: max(0, 4 - String(value).count)) + String(value)
}

@Test("random policies never delete the newest or anything younger than preserve_min")
func retentionProperties() {
  var random = SplitMix64(state: 20_261_130)
  let units = PreserveMin.Unit.allCases
  var deleted = 0
  for _ in 0..<300 {
    let now = Int.random(
      in: at("2001-01-01T00:00:00Z")...at("2030-12-31T23:59:59Z"), using: &random)
    let span = Int.random(in: 1...(3 * 366 * 86400), using: &random)
    var snapshots = (0..<Int.random(in: 0...200, using: &random)).map { _ in
      now - Int.random(in: -7200...span, using: &random)
    }
    if let repeated = snapshots.randomElement(using: &random) { snapshots.append(repeated) }
    func count() -> Int? {
      [nil, 0, Int.random(in: 1...40, using: &random), Preserve.unlimited].randomElement(
        using: &random) ?? nil
    }
    let preserve = Preserve(
      hourly: count(), daily: count(), weekly: count(), monthly: count(), yearly: count())
    let minimum: PreserveMin =
      [
        .all, .latest, .no,
        .period(
          count: Int.random(in: 0...30, using: &random),
          unit: units.randomElement(using: &random) ?? .d),
      ].randomElement(using: &random) ?? .no
    let verdicts = Retention.plan(
      snapshots: snapshots, now: now, preserve: preserve, minimum: minimum)

    #expect(verdicts.map(\.time) == snapshots.sorted())
    let newest = snapshots.filter { $0 <= now }.max()
    var youngerThan = Int.max
    if case .period(let count, let unit) = minimum {
      switch unit {
      case .h: youngerThan = now - count * 3600
      case .d: youngerThan = now - count * 86400
      case .w: youngerThan = now - count * 604800
      case .m: youngerThan = monthsBefore(now, count)
      case .y: youngerThan = monthsBefore(now, 12 * count)
      }
    }
    for verdict in verdicts where !verdict.isKept {
      deleted += 1
      #expect(verdict.time <= now)
      #expect(verdict.time <= youngerThan, "\(minimum.text) at \(Timestamp.iso8601(now))")
      #expect(minimum != .all)
      #expect(verdict.reason.hasPrefix("deleted: "))
    }
    for verdict in verdicts where verdict.isKept { #expect(verdict.reason.hasPrefix("kept: ")) }
    if let newest { #expect(verdicts.contains { $0.time == newest && $0.isKept }) }
  }
  #expect(deleted > 1000)
}
