// pushgate status --format prometheus: node_exporter's textfile collector format.
//
// Label values are the key's visible-ASCII rendering (VisibleBytes), then escaped as the
// exposition format asks (\\, \", \n), so the file is plain ASCII whatever the log holds.

extension StatusReport {
  /// The metrics, in the text exposition format, ending in a newline.
  public func prometheus() -> String {
    let keys = tally.sortedKeys
    var out = ""
    func family(_ name: String, _ type: String, _ help: String, _ value: (KeySummary) -> Int) {
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
      for key in keys {
        guard let summary = tally.keys[key] else { continue }
        out += "\(name){key=\"\(Self.labelValue(key))\"} \(value(summary))\n"
      }
    }
    family(
      "pushgate_last_success_timestamp_seconds", "gauge",
      "When the key's last successful snapshot ended (0: none in the log).") { $0.lastSuccess ?? 0 }
    family(
      "pushgate_last_failure_timestamp_seconds", "gauge",
      "When the key's last failure happened (0: none in the log).") { $0.lastFailure ?? 0 }
    family(
      "pushgate_failures_total", "counter",
      "Failed sessions and snapshots in the audit log and its rotations.") { $0.failures }
    family(
      "pushgate_refusals_total", "counter",
      "Refused sessions in the audit log and its rotations.") { $0.refusals }
    family(
      "pushgate_pushes_total", "counter",
      "Allowed sessions in the audit log and its rotations.") { $0.pushes }
    if case .read(let view) = locks {
      out += "# HELP pushgate_slots Connection slots (max_connections).\n"
      out += "# TYPE pushgate_slots gauge\npushgate_slots \(view.slots.count)\n"
      out += "# HELP pushgate_slots_in_use Connection slots held now.\n"
      out += "# TYPE pushgate_slots_in_use gauge\npushgate_slots_in_use \(view.slotsInUse)\n"
      out += "# HELP pushgate_snapshot_running Whether a snapshot runs or waits for the tree.\n"
      out += "# TYPE pushgate_snapshot_running gauge\n"
      out += "pushgate_snapshot_running \(view.isSnapshotRunning ? 1 : 0)\n"
    }
    return out
  }

  /// A label value: the visible rendering, then `\` `"` and newline escaped.
  static func labelValue(_ key: String) -> String {
    escapeLabel(visible(key, limit: 256))
  }

  /// Escapes a label value as the exposition format requires.
  static func escapeLabel(_ value: String) -> String {
    var out = ""
    for character in value {
      switch character {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.append(character)
      }
    }
    return out
  }
}
