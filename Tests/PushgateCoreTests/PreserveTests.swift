// pushgate.conf's `preserve` and `preserve_min` in btrbk's syntax, and snapshot names.
import PushgateCore
import Testing

struct PreserveCase: Sendable, CustomTestStringConvertible {
  let text: String
  let expected: Preserve?
  let canonical: String?
  var testDescription: String { "preserve \"\(text)\"" }
}

private let all = Preserve.unlimited

let preserveCases: [PreserveCase] = [
  PreserveCase(text: "24h 30d 12w 12m", expected: .defaults, canonical: "24h 30d 12w 12m"),
  PreserveCase(text: "1h", expected: Preserve(hourly: 1), canonical: "1h"),
  PreserveCase(text: "7d", expected: Preserve(daily: 7), canonical: "7d"),
  PreserveCase(text: "4w", expected: Preserve(weekly: 4), canonical: "4w"),
  PreserveCase(text: "6m", expected: Preserve(monthly: 6), canonical: "6m"),
  PreserveCase(text: "10y", expected: Preserve(yearly: 10), canonical: "10y"),
  PreserveCase(
    text: "48h 60d 10w 24m 5y",
    expected: Preserve(hourly: 48, daily: 60, weekly: 10, monthly: 24, yearly: 5),
    canonical: "48h 60d 10w 24m 5y"),
  PreserveCase(text: "60d *m", expected: Preserve(daily: 60, monthly: all), canonical: "60d *m"),
  PreserveCase(text: "*h", expected: Preserve(hourly: all), canonical: "*h"),
  PreserveCase(text: "0h 7d", expected: Preserve(hourly: 0, daily: 7), canonical: "0h 7d"),
  PreserveCase(text: "100000y", expected: Preserve(yearly: 100_000), canonical: "100000y"),
  PreserveCase(text: "007d", expected: Preserve(daily: 7), canonical: "7d"),
  // btrbk accepts any order and upper-case units.
  PreserveCase(text: "12m 24h", expected: Preserve(hourly: 24, monthly: 12), canonical: "24h 12m"),
  PreserveCase(text: "24H 30D", expected: Preserve(hourly: 24, daily: 30), canonical: "24h 30d"),
  PreserveCase(text: "24h  30d", expected: Preserve(hourly: 24, daily: 30), canonical: "24h 30d"),
  PreserveCase(text: "24h\t30d", expected: Preserve(hourly: 24, daily: 30), canonical: "24h 30d"),
  PreserveCase(text: "no", expected: Preserve(), canonical: "no"),
  PreserveCase(text: "", expected: nil, canonical: nil),
  PreserveCase(text: " ", expected: nil, canonical: nil),
  PreserveCase(text: "24", expected: nil, canonical: nil),
  PreserveCase(text: "h", expected: nil, canonical: nil),
  PreserveCase(text: "24x", expected: nil, canonical: nil),
  PreserveCase(text: "24s", expected: nil, canonical: nil),
  PreserveCase(text: "24h 12h", expected: nil, canonical: nil),
  PreserveCase(text: "24h 12H", expected: nil, canonical: nil),
  PreserveCase(text: "24h30d", expected: nil, canonical: nil),
  PreserveCase(text: "24h,30d", expected: nil, canonical: nil),
  PreserveCase(text: "+24h", expected: nil, canonical: nil),
  PreserveCase(text: "-1h", expected: nil, canonical: nil),
  PreserveCase(text: "1.5d", expected: nil, canonical: nil),
  PreserveCase(text: "100001y", expected: nil, canonical: nil),
  PreserveCase(text: "99999999999999999999999h", expected: nil, canonical: nil),
  PreserveCase(text: "**h", expected: nil, canonical: nil),
  PreserveCase(text: "*", expected: nil, canonical: nil),
  PreserveCase(text: "all", expected: nil, canonical: nil),
  PreserveCase(text: "no 24h", expected: nil, canonical: nil),
  PreserveCase(text: "NO", expected: nil, canonical: nil),
  PreserveCase(text: "\u{0662}4h", expected: nil, canonical: nil),
  PreserveCase(text: "24\u{0127}", expected: nil, canonical: nil),
  PreserveCase(text: "24h\n", expected: nil, canonical: nil),
]

@Test("preserve parses btrbk's retention policy", arguments: preserveCases)
func preserveParses(_ example: PreserveCase) {
  let parsed = Preserve.parse(example.text)
  #expect(parsed == example.expected)
  #expect(parsed?.text == example.canonical)
  if let parsed { #expect(Preserve.parse(parsed.text) == parsed) }
}

@Test("preserve defaults to 24h 30d 12w 12m and preserve_min to 1d")
func preserveDefaults() {
  #expect(Preserve.defaults.text == "24h 30d 12w 12m")
  #expect(Preserve.defaults.yearly == nil)
  #expect(PreserveMin.defaults == .period(count: 1, unit: .d))
  #expect(PreserveMin.defaults.text == "1d")
}

struct PreserveMinCase: Sendable, CustomTestStringConvertible {
  let text: String
  let expected: PreserveMin?
  var testDescription: String { "preserve_min \"\(text)\"" }
}

let preserveMinCases: [PreserveMinCase] = [
  PreserveMinCase(text: "all", expected: .all),
  PreserveMinCase(text: "latest", expected: .latest),
  PreserveMinCase(text: "no", expected: .no),
  PreserveMinCase(text: "1d", expected: .period(count: 1, unit: .d)),
  PreserveMinCase(text: "36h", expected: .period(count: 36, unit: .h)),
  PreserveMinCase(text: "2w", expected: .period(count: 2, unit: .w)),
  PreserveMinCase(text: "6m", expected: .period(count: 6, unit: .m)),
  PreserveMinCase(text: "1y", expected: .period(count: 1, unit: .y)),
  PreserveMinCase(text: "0d", expected: .period(count: 0, unit: .d)),
  PreserveMinCase(text: "100000h", expected: .period(count: 100_000, unit: .h)),
  PreserveMinCase(text: "", expected: nil),
  PreserveMinCase(text: "d", expected: nil),
  PreserveMinCase(text: "1", expected: nil),
  PreserveMinCase(text: "*d", expected: nil),
  PreserveMinCase(text: "1D", expected: nil),
  PreserveMinCase(text: "1s", expected: nil),
  PreserveMinCase(text: "1d 2h", expected: nil),
  PreserveMinCase(text: " 1d", expected: nil),
  PreserveMinCase(text: "+1d", expected: nil),
  PreserveMinCase(text: "100001h", expected: nil),
  PreserveMinCase(text: "ALL", expected: nil),
  PreserveMinCase(text: "latest ", expected: nil),
  PreserveMinCase(text: "\u{0661}d", expected: nil),
]

@Test("preserve_min parses all, latest, no and a duration", arguments: preserveMinCases)
func preserveMinParses(_ example: PreserveMinCase) {
  let parsed = PreserveMin.parse(example.text)
  #expect(parsed == example.expected)
  if let parsed { #expect(PreserveMin.parse(parsed.text) == parsed) }
}

@Test("preserve_min renders its canonical form")
func preserveMinText() {
  #expect(PreserveMin.parse("007d")?.text == "7d")
  #expect(PreserveMin.period(count: 12, unit: .h).text == "12h")
}

@Test("snapshot names round trip every day from 2027 to 2032, leap days included")
func snapshotNamesRoundTrip() {
  var leapDays: [String] = []
  // Days 20819 (2027-01-01) to 23010 (2032-12-31), each at a different second of the day.
  for day in 20819...23010 {
    let time = day * 86400 + day * 7919 % 86400
    let name = SnapshotName.render(time)
    #expect(name.utf8.count == SnapshotName.length)
    #expect(SnapshotName.parse(Array(name.utf8)) == time)
    if name.dropFirst(4).hasPrefix("-02-29") { leapDays.append(String(name.prefix(10))) }
  }
  #expect(leapDays == ["2028-02-29", "2032-02-29"])
}

@Test("snapshot names render as YYYY-MM-DDTHHMMSSZ in UTC")
func snapshotNamesRender() {
  #expect(SnapshotName.render(1_796_040_192) == "2026-11-30T120312Z")
  #expect(SnapshotName.render(0) == "1970-01-01T000000Z")
  #expect(SnapshotName.parse(Array("2028-02-29T235959Z".utf8)) == 1_835_481_599)
  #expect(SnapshotName.parse(Array("2000-02-29T000000Z".utf8)) == 951_782_400)
}

@Test(
  "snapshot names refuse anything render does not write",
  arguments: [
    "", "2026-11-30T120312", "2026-11-30T120312Z ", "2026-11-30T120312Zx", "2026-11-30T12031Z",
    "2026-11-30T12:03:12Z", "2026-11-30 120312Z", "2026-11-30t120312Z", "2026-11-30T120312z",
    "2026-02-30T000000Z", "2026-02-29T000000Z", "1900-02-29T000000Z", "2026-13-01T000000Z",
    "2026-00-01T000000Z", "2026-11-00T000000Z", "2026-11-31T000000Z", "2026-11-30T240000Z",
    "2026-11-30T126000Z", "2026-11-30T120360Z", "2026-11-30T120361Z", "+026-11-30T120312Z",
    "2026-11-3\u{0661}T120312Z", "2026\u{2010}11-30T120312Z", "../11-30T120312Z.x",
    "2026-11-30T120312Z\0", "\02026-11-30T120312Z", "２026-11-30T120312Z",
  ])
func snapshotNamesRefuse(_ name: String) {
  #expect(SnapshotName.parse(Array(name.utf8)) == nil)
}

@Test("snapshot names refuse invalid UTF-8 and stray bytes")
func snapshotNamesRefuseBytes() {
  var name = Array("2026-11-30T120312Z".utf8)
  #expect(SnapshotName.parse(name) != nil)
  for position in name.indices {
    for byte: UInt8 in [0x00, 0x2F, 0x3A, 0x80, 0xFF] {
      let original = name[position]
      name[position] = byte
      #expect(SnapshotName.parse(name) == nil)
      name[position] = original
    }
  }
}
