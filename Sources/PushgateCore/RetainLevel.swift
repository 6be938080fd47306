// rsnapshot retention levels, for pushgate.conf's `retain` and `pushgate init --retain`:
// parsing `LEVEL=COUNT` and the rules rsnapshot 1.4.5 enforces, so that a bad combination is a
// settings or usage error, not a configtest one.

/// One `retain` line of rsnapshot.conf: a level name and how many snapshots it keeps.
public struct RetainLevel: Equatable, Sendable {
  /// The level name, lower-case letters only.
  public let name: String
  /// How many snapshots of this level are kept, 1...999.
  public let count: Int

  /// Creates a level; see ``levels(interval:retain:)`` for the checks.
  public init(name: String, count: Int) {
    self.name = name
    self.count = count
  }

  /// The levels used when no `--retain` is given: a day of hourlies, a week of dailies and
  /// four weeklies.
  public static let defaults = [
    RetainLevel(name: "hourly", count: 24), RetainLevel(name: "daily", count: 7),
    RetainLevel(name: "weekly", count: 4),
  ]

  /// Levels as pushgate.conf's `retain` writes them: `hourly=24 daily=7 weekly=4`.
  public static func text(_ levels: [RetainLevel]) -> String {
    levels.map { "\($0.name)=\($0.count)" }.joined(separator: " ")
  }

  /// The largest count accepted.
  public static let maximumCount = 999

  /// rsnapshot's commands: rsnapshot 1.4.5 rejects them as level names ("reserved word conflict").
  ///
  /// Only those made of lower-case letters are listed; the rest cannot pass ``isLevelName(_:)``
  /// anyway.
  public static let reservedNames: Set<String> = [
    "archive", "configtest", "delete", "diff", "du", "help", "history", "list", "restore",
    "rollback", "sync", "version",
  ]

  /// Whether `name` can be a level: 1–32 lower-case letters a-z.
  public static func isLevelName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    return !bytes.isEmpty && bytes.count <= 32
      && bytes.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
  }

  /// Parses one `--retain` value, `LEVEL=COUNT`.
  public static func parse(_ text: String) throws(SetupError) -> RetainLevel {
    let parts = text.split(separator: "=", omittingEmptySubsequences: false)
    guard parts.count == 2 else {
      throw SetupError(
        "--retain expects LEVEL=COUNT, such as 'daily=7', not '\(SettingsParser.visible(text))'")
    }
    let name = String(parts[0])
    try checkName(name)
    let digits = parts[1].utf8
    guard !digits.isEmpty, digits.count <= 3,
      digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let count = Int(parts[1]), count >= 1
    else {
      throw SetupError(
        "--retain count for '\(name)' must be a whole number from 1 to \(maximumCount), "
          + "not '\(SettingsParser.visible(String(parts[1])))'")
    }
    return RetainLevel(name: name, count: count)
  }

  /// The validated levels, lowest first.
  ///
  /// Without `--retain` the defaults are used from `interval` upwards, so `--interval daily`
  /// alone keeps 7 dailies and 4 weeklies.
  public static func levels(interval: String, retain: [String]) throws(SetupError)
    -> [RetainLevel]
  {
    try checkName(interval)
    var levels: [RetainLevel] = []
    if retain.isEmpty {
      guard let start = defaults.firstIndex(where: { $0.name == interval }) else {
        throw SetupError(
          "no default retention for interval '\(interval)'; give --retain \(interval)=COUNT "
            + "first, then any higher levels")
      }
      levels = Array(defaults[start...])
    } else {
      for text in retain {
        let level = try parse(text)
        guard !levels.contains(where: { $0.name == level.name }) else {
          throw SetupError("level '\(level.name)' is given twice in --retain")
        }
        levels.append(level)
      }
    }
    guard levels[0].name == interval else {
      throw SetupError(
        "the interval '\(interval)' must be the first --retain level, not '\(levels[0].name)'")
    }
    // rsnapshot: "Can not have first backup level's retention count set to 1, and have a
    // second backup level". A higher level of 1 is accepted and works.
    if levels.count > 1, levels[0].count < 2 {
      throw SetupError(
        "--retain \(interval)=1 cannot feed '\(levels[1].name)': rsnapshot needs at least 2 "
          + "snapshots of the first level when a higher level follows")
    }
    return levels
  }

  private static func checkName(_ name: String) throws(SetupError) {
    guard isLevelName(name) else {
      throw SetupError(
        "level name '\(SettingsParser.visible(name))' must be 1 to 32 lower-case letters a-z")
    }
    guard !reservedNames.contains(name) else {
      throw SetupError("level name '\(name)' is an rsnapshot command; choose another name")
    }
  }
}
