// pushgate status --format nagios: one line of plugin output and the plugin's exit status.

extension StatusReport {
  /// The plugin line (`PUSHGATE STATE - text | perfdata`) and the state to exit with.
  ///
  /// CRITICAL when a key's last snapshot is older than `--max-age` or it never had one;
  /// WARNING when older than `--warn-age`; UNKNOWN without thresholds or without records.
  public func nagios() -> (line: String, state: Freshness) {
    guard let thresholds else {
      return Self.nagiosUnknown("--max-age is required with --format nagios")
    }
    let now = tally.now
    let keys = tally.sortedKeys
    guard !keys.isEmpty else { return Self.nagiosUnknown("no records in the audit log") }
    var states: [(key: String, age: Int?, state: Freshness)] = []
    for key in keys {
      let last = tally.keys[key]?.lastSuccess
      states.append((key, last.map { now - $0 }, Freshness.of(lastSuccess: last, now: now, thresholds: thresholds)))
    }
    let worst = states.map(\.state).max() ?? .ok
    let critical = states.count { $0.state == .critical }
    let warning = states.count { $0.state == .warning }
    let ages = states.compactMap(\.age)
    var text: String
    if worst == .ok {
      text = "\(keys.count) \(keys.count == 1 ? "key" : "keys")"
      if let newest = ages.min(), let oldest = ages.max() {
        text += ", newest snapshot \(AgeText.render(newest)) ago, oldest \(AgeText.render(oldest)) ago"
      }
    } else {
      let limit = worst == .critical ? thresholds.critical : thresholds.warning ?? thresholds.critical
      // The stalest first: never, then by age.
      let stale = states.filter { $0.state == worst }.sorted { ($0.age ?? .max) > ($1.age ?? .max) }
      let named = stale.prefix(5).map { Self.nagiosText($0.key) + " (" + ($0.age.map(AgeText.render) ?? "never") + ")" }
      text = "\(stale.count) of \(keys.count) keys with no snapshot for \(AgeText.render(limit)): "
        + named.joined(separator: ", ") + (stale.count > 5 ? ", and \(stale.count - 5) more" : "")
    }
    var perfdata = "keys=\(keys.count) critical=\(critical) warning=\(warning)"
    perfdata += " oldest_age=" + (ages.max().map { "\($0)s" } ?? "U")
      + ";\(thresholds.warning.map(String.init) ?? "");\(thresholds.critical);0;"
    if case .read(let view) = locks {
      perfdata += " slots_in_use=\(view.slotsInUse);;;0;\(view.slots.count)"
      perfdata += " snapshot_running=\(view.isSnapshotRunning ? 1 : 0);;;0;1"
    }
    return ("PUSHGATE \(worst.word) - \(text) | \(perfdata)", worst)
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
