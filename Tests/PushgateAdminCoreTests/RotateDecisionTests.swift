// pushgate rotate: which areas the lowest level snapshots, and that higher levels always run.
import PushgateAdminCore
import PushgateCore
import Testing

private let now = 1_796_000_000
private let complete = AreaState(pending: .complete)
private let incomplete = AreaState(pending: .incomplete)

struct RotateCase: Sendable, CustomTestStringConvertible {
  let name: String
  let level: String
  let area: AreaState
  let expected: RotateDecision
  var testDescription: String { name }
}

let rotateCases: [RotateCase] = [
  RotateCase(name: "a higher level always runs", level: "daily", area: AreaState(), expected: .run),
  RotateCase(
    name: "the lowest level with nothing pending", level: "hourly", area: AreaState(),
    expected: .skip(reason: "unchanged")),
  RotateCase(
    name: "the lowest level with a whole tree pending", level: "hourly", area: complete,
    expected: .run),
  RotateCase(
    name: "the lowest level never snapshots a push cut short", level: "hourly", area: incomplete,
    expected: .skip(reason: "incomplete")),
  RotateCase(
    name: "the lowest level within the interval", level: "hourly",
    area: AreaState(pending: .complete, lastSnapshot: now - 600),
    expected: .skip(reason: "min-interval")),
  RotateCase(
    name: "the lowest level past the interval", level: "hourly",
    area: AreaState(pending: .complete, lastSnapshot: now - 3600), expected: .run),
]

@Test(arguments: rotateCases)
func decidesRotate(_ c: RotateCase) {
  var settings = Settings(root: "/backup")
  settings.snapshotMinInterval = 3600
  #expect(
    RotateDecision.decide(level: c.level, area: c.area, now: now, settings: settings) == c.expected)
}
