// pushgate status --format nagios: one line of plugin output and the plugin's exit status.
import PushgateCore

extension StatusReport {
  /// The plugin line (`PUSHGATE STATE - text | perfdata`) and the state to exit with.
  ///
  /// Judges every key with an area (or, without the areas, every key of the log) by its last
  /// backup: CRITICAL when older than `--max-age`, or never (WARNING while the area is younger
  /// than `--max-age`); WARNING when older than `--warn-age`. UNKNOWN without thresholds or
  /// without any key.
  public func nagios() -> (line: String, state: Freshness) {
    guard let thresholds else {
      return Self.nagiosUnknown("--max-age is required with --format nagios")
    }
    let now = tally.now
    let keys = judgedKeys
    guard !keys.isEmpty else {
      if case .listed = areas {
        return Self.nagiosUnknown("no key areas (pushgate authorize makes them)")
      }
      return Self.nagiosUnknown("no records in the audit log")
    }
    let states = keys.map { key in
      (key: key, age: key.lastBackup.map { now - $0 }, state: freshness(key, thresholds))
    }
    let worst = states.map(\.state).max() ?? .ok
    let ages = states.compactMap(\.age)
    var text: String
    if worst == .ok {
      text = "\(keys.count) \(keys.count == 1 ? "key" : "keys")"
      if let newest = ages.min(), let oldest = ages.max() {
        text +=
          ", newest backup \(AgeText.render(newest)) ago, oldest \(AgeText.render(oldest)) ago"
      }
    } else {
      let limit =
        worst == .critical ? thresholds.critical : thresholds.warning ?? thresholds.critical
      // The stalest first: never, then by age.
      let stale = states.filter { $0.state == worst }.sorted { ($0.age ?? .max) > ($1.age ?? .max) }
      let named = stale.prefix(5).map {
        Self.nagiosText($0.key.label) + " (" + Self.age($0.key, $0.age, now: now) + ")"
      }
      text =
        "\(stale.count) of \(keys.count) keys with no backup for \(AgeText.render(limit)): "
        + named.joined(separator: ", ") + (stale.count > 5 ? ", and \(stale.count - 5) more" : "")
    }
    // Said, but not judged: the state is the keys' freshness, which the other records show.
    text += Self.damagedNote(tally.damagedLines)
    var perfdata = "keys=\(keys.count) critical=\(states.count { $0.state == .critical })"
    perfdata += " warning=\(states.count { $0.state == .warning }) never=\(keys.count - ages.count)"
    perfdata +=
      " oldest_age=" + (ages.max().map { "\($0)s" } ?? "U")
      + ";\(thresholds.warning.map(String.init) ?? "");\(thresholds.critical);0;"
    if tally.damagedLines > 0 { perfdata += " damaged_lines=\(tally.damagedLines)" }
    if case .read(let view) = locks {
      perfdata += " slots_in_use=\(view.slotsInUse);;;0;\(view.slots.count)"
    }
    if case .listed = areas {
      let running = keys.count { $0.area?.activity == .snapshot }
      perfdata += " snapshots_running=\(running);;;0;\(keys.count)"
      // btrfs: the snapshots kept, over the areas that could be counted.
      let counts = keys.compactMap { key -> Int? in
        guard case .counted(let count, _)? = key.area?.snapshots else { return nil }
        return count
      }
      if !counts.isEmpty { perfdata += " snapshots=\(counts.reduce(0, +));;;0;" }
    }
    return ("PUSHGATE \(worst.word) - \(text) | \(perfdata)", worst)
  }

  /// `2h`, `never`, or `never, area 3h old` for a key just authorized.
  private static func age(_ key: KeyStatus, _ age: Int?, now: Int) -> String {
    if let age { return AgeText.render(age) }
    guard let since = key.area?.since, since <= now else { return "never" }
    return "never, area \(AgeText.render(now - since)) old"
  }

  /// The UNKNOWN line for `reason`.
  public static func nagiosUnknown(_ reason: String) -> (line: String, state: Freshness) {
    ("PUSHGATE UNKNOWN - " + nagiosText(reason), .unknown)
  }

  /// Visible ASCII without `|`, which would start the perfdata (keys never reach perfdata).
  static func nagiosText(_ text: String) -> String {
    var out = ""
    for character in visible(text, limit: 256) {
      if character == "|" { out += "\\x7c" } else { out.append(character) }
    }
    return out
  }
}
