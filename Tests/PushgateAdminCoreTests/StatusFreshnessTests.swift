// Durations on the command line, ages in reports, and the monitoring state of one key.
import PushgateAdminCore
import PushgateCore
import Testing

struct DurationCase: Sendable, CustomTestStringConvertible {
  let text: String
  let seconds: Int?
  var testDescription: String { "'\(text)'" }
}

let durationCases: [DurationCase] = [
  DurationCase(text: "26h", seconds: 93600), DurationCase(text: "2d", seconds: 172_800),
  DurationCase(text: "90m", seconds: 5400), DurationCase(text: "45s", seconds: 45),
  DurationCase(text: "1w", seconds: 604_800), DurationCase(text: "3600", seconds: 3600),
  DurationCase(text: "", seconds: nil), DurationCase(text: "h", seconds: nil),
  DurationCase(text: "0h", seconds: nil), DurationCase(text: "-1h", seconds: nil),
  DurationCase(text: "1.5h", seconds: nil), DurationCase(text: "2 d", seconds: nil),
  DurationCase(text: "2D", seconds: nil), DurationCase(text: "1y", seconds: nil),
  DurationCase(text: "99999999999d", seconds: nil), DurationCase(text: "4000d", seconds: nil),
  DurationCase(text: "\u{0662}d", seconds: nil),  // an Arabic-Indic digit
]

@Test(arguments: durationCases)
func parsesDurations(_ c: DurationCase) {
  #expect(AgeText.parse(c.text) == c.seconds)
}

@Test(arguments: [
  (0, "0s"), (-5, "0s"), (59, "59s"), (60, "1m"), (3599, "59m"), (3600, "1h"),
  (172_799, "47h"), (172_800, "2d"), (2_592_000, "30d"),
])
func rendersAges(_ seconds: Int, _ text: String) {
  #expect(AgeText.render(seconds) == text)
}

struct FreshnessCase: Sendable, CustomTestStringConvertible {
  let name: String
  let age: Int?
  let thresholds: AgeThresholds
  let expected: Freshness
  var testDescription: String { name }
}

let dayLimit = AgeThresholds(critical: 93600)
let dayLimitWithWarning = AgeThresholds(critical: 93600, warning: 86400)

let freshnessCases: [FreshnessCase] = [
  FreshnessCase(name: "never", age: nil, thresholds: dayLimit, expected: .critical),
  FreshnessCase(name: "just now", age: 0, thresholds: dayLimit, expected: .ok),
  FreshnessCase(
    name: "exactly max-age is still ok", age: 93600, thresholds: dayLimit, expected: .ok),
  FreshnessCase(
    name: "one second past max-age", age: 93601, thresholds: dayLimit, expected: .critical),
  FreshnessCase(
    name: "no warn-age: never warning", age: 93000, thresholds: dayLimit, expected: .ok),
  FreshnessCase(
    name: "exactly warn-age", age: 86400, thresholds: dayLimitWithWarning, expected: .ok),
  FreshnessCase(
    name: "past warn-age", age: 86401, thresholds: dayLimitWithWarning, expected: .warning),
  FreshnessCase(
    name: "past both", age: 93601, thresholds: dayLimitWithWarning, expected: .critical),
  FreshnessCase(
    name: "a snapshot in the future", age: -60, thresholds: dayLimitWithWarning, expected: .ok),
]

@Test(arguments: freshnessCases)
func judgesFreshness(_ c: FreshnessCase) {
  let now = 1_795_000_000
  #expect(
    Freshness.of(lastSuccess: c.age.map { now - $0 }, now: now, thresholds: c.thresholds)
      == c.expected)
}

@Test func usesThePluginExitStatuses() {
  #expect([Freshness.ok, .warning, .critical, .unknown].map(\.rawValue) == [0, 1, 2, 3])
  #expect(
    [Freshness.ok, .warning, .critical, .unknown].map(\.word) == [
      "OK", "WARNING", "CRITICAL", "UNKNOWN",
    ])
}
