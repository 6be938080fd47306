// pushgate.conf's `retain` and `pushgate init --retain`: the levels rsnapshot accepts.
import PushgateCore
import Testing

struct RetainCase: Sendable, CustomTestStringConvertible {
  let name: String
  let interval: String
  let retain: [String]
  let expected: Result<[RetainLevel], SetupError>
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private func levels(
  _ name: String, _ interval: String, _ retain: [String], _ expected: [(String, Int)],
  sourceLocation: SourceLocation = #_sourceLocation
) -> RetainCase {
  RetainCase(
    name: name, interval: interval, retain: retain,
    expected: .success(expected.map { RetainLevel(name: $0.0, count: $0.1) }),
    sourceLocation: sourceLocation)
}

private func refused(
  _ name: String, _ interval: String, _ retain: [String], _ message: String,
  sourceLocation: SourceLocation = #_sourceLocation
) -> RetainCase {
  RetainCase(
    name: name, interval: interval, retain: retain, expected: .failure(SetupError(message)),
    sourceLocation: sourceLocation)
}

let retainCases: [RetainCase] = [
  levels("defaults", "hourly", [], [("hourly", 24), ("daily", 7), ("weekly", 4)]),
  levels("defaults from the interval up", "daily", [], [("daily", 7), ("weekly", 4)]),
  levels("only the highest default", "weekly", [], [("weekly", 4)]),
  levels("one level of one", "hourly", ["hourly=1"], [("hourly", 1)]),
  levels(
    "a higher level of one is fine for rsnapshot", "hourly", ["hourly=6", "daily=1", "weekly=2"],
    [("hourly", 6), ("daily", 1), ("weekly", 2)]),
  levels("largest count", "push", ["push=999"], [("push", 999)]),
  levels("leading zero", "hourly", ["hourly=024"], [("hourly", 24)]),
  refused(
    "first level of one feeding another", "hourly", ["hourly=1", "daily=7"],
    "--retain hourly=1 cannot feed 'daily': rsnapshot needs at least 2 snapshots of the first "
      + "level when a higher level follows"),
  refused(
    "interval not first", "hourly", ["daily=7", "hourly=24"],
    "the interval 'hourly' must be the first --retain level, not 'daily'"),
  refused(
    "interval missing", "hourly", ["daily=7"],
    "the interval 'hourly' must be the first --retain level, not 'daily'"),
  refused(
    "no default for an unusual interval", "push", [],
    "no default retention for interval 'push'; give --retain push=COUNT first, then any higher "
      + "levels"),
  refused(
    "count zero", "hourly", ["hourly=0"],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not '0'"),
  refused(
    "count too large", "hourly", ["hourly=1000"],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not '1000'"),
  refused(
    "negative count", "hourly", ["hourly=-3"],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not '-3'"),
  refused(
    "empty count", "hourly", ["hourly="],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not ''"),
  refused(
    "no equals sign", "hourly", ["hourly24"],
    "--retain expects LEVEL=COUNT, such as 'daily=7', not 'hourly24'"),
  refused(
    "two equals signs", "hourly", ["hourly=2=4"],
    "--retain expects LEVEL=COUNT, such as 'daily=7', not 'hourly=2=4'"),
  refused(
    "upper case name", "hourly", ["hourly=24", "Daily=7"],
    "level name 'Daily' must be 1 to 32 lower-case letters a-z"),
  refused(
    "digit in name", "hourly", ["hourly=24", "day2=7"],
    "level name 'day2' must be 1 to 32 lower-case letters a-z"),
  refused("empty name", "hourly", ["=7"], "level name '' must be 1 to 32 lower-case letters a-z"),
  refused(
    "tab in interval", "hourly\t", [],
    "level name 'hourly\\t' must be 1 to 32 lower-case letters a-z"),
  refused(
    "rsnapshot command as level", "hourly", ["hourly=24", "sync=7"],
    "level name 'sync' is an rsnapshot command; choose another name"),
  refused(
    "rsnapshot command as interval", "du", [],
    "level name 'du' is an rsnapshot command; choose another name"),
  refused(
    "level twice", "hourly", ["hourly=24", "daily=7", "daily=3"],
    "level 'daily' is given twice in --retain"),
]

@Test(arguments: retainCases)
func checksRetainLevels(_ c: RetainCase) {
  let result = Result { () throws(SetupError) in
    try RetainLevel.levels(interval: c.interval, retain: c.retain)
  }
  #expect(result == c.expected, sourceLocation: c.sourceLocation)
}

@Test func setupErrorsAreUsageErrors() {
  #expect(SetupError("x").exitStatus == 64)
}
