// pushgate status: per key, the last backup, snapshot and failure, recent pushes, what holds
// its area and what it has pending, a 30-day timeline, and the slots held right now; also as
// a Nagios plugin or a node_exporter textfile.
import ArgumentParser
import Foundation
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Show each key's last backup, failures, its area now, a 30-day timeline, and the slots in use.",
    discussion: """
      Reads the audit log (and its rotations) once, and with the settings every key's area. \
      Lists every area, also of keys that never pushed, and the keys of the log. With \
      --format nagios, prints one plugin line and exits 0 OK, 1 WARNING, 2 CRITICAL or \
      3 UNKNOWN; --max-age is required. See pushgate-status(8).
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, nagios, prometheus
  }

  @Option(
    help:
      "The settings file: gives the root's areas, audit_log, lock_file, max_connections and retain. (default: \(SettingsFile.defaultPath))"
  )
  var config: String?

  @Option(
    help: ArgumentHelp(
      "Read this audit log; areas and slots are then shown only if --config is also given.",
      valueName: "log"))
  var file: String?

  @Option(help: "text, nagios or prometheus.")
  var format = Format.text

  @Option(
    help: ArgumentHelp(
      "CRITICAL when a key's last backup is older, or it never had one, e.g. 26h or 2d.",
      valueName: "duration"))
  var maxAge: String?

  @Option(
    help: ArgumentHelp(
      "WARNING when a key's last backup is older (below --max-age).", valueName: "duration"))
  var warnAge: String?

  @Option(
    help: ArgumentHelp(
      "With --format prometheus: write FILE atomically instead of stdout.", valueName: "file"))
  var output: String?

  @Option(
    help: ArgumentHelp(
      "Report as of TIME (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD), for tests.", valueName: "time"))
  var now: String?

  func run() throws {
    let thresholds: AgeThresholds?
    let moment: Int
    do {
      thresholds = try Self.thresholds(maxAge: maxAge, warnAge: warnAge)
      moment =
        try now.map { text in
          guard let time = Timestamp.parse(text) else {
            throw ValidationError("'--now' must look like 2026-11-27T12:00:00Z")
          }
          return time
        } ?? Clock.now()
      if output != nil, format != .prometheus {
        throw ValidationError("'--output' needs '--format prometheus'")
      }
    } catch let error as ValidationError {
      if format == .nagios { try finish(nagios: StatusReport.nagiosUnknown(error.message)) }
      throw error
    }

    var settings: Settings?
    if config != nil || file == nil {
      let path = config ?? SettingsFile.defaultPath
      switch SettingsFile.load(path) {
      case .success(let loaded): settings = loaded
      case .failure(let error):
        try fail("cannot use the settings: \(error.failure.detail)", status: ExitStatus.settings)
      }
    }
    let log = file ?? settings?.auditLog ?? ""
    var tally =
      settings.map {
        StatusTally(now: moment, lowestLevel: $0.interval, snapshotTimeout: $0.snapshotTimeout)
      } ?? StatusTally(now: moment)
    if let problem = StatusFiles.read(log, into: &tally) {
      try fail("cannot read the audit log '\(log)': \(problem)", status: ExitStatus.noInput)
    }
    let report = StatusReport(
      tally: tally, locks: settings.map(StatusFiles.locks) ?? .notAsked,
      areas: settings.map(StatusFiles.areas) ?? .notAsked, log: log, thresholds: thresholds)

    switch format {
    case .text: print(report.text(), terminator: "")
    case .nagios: try finish(nagios: report.nagios())
    case .prometheus:
      if let output {
        if let problem = StatusFiles.replace(output, with: report.prometheus()) {
          try fail(
            "cannot write '\(output)': \(problem)", status: ExitStatus.cannotCreate)
        }
      } else {
        print(report.prometheus(), terminator: "")
      }
    }
  }

  /// `--max-age` and `--warn-age` checked; `nil` when neither is given.
  static func thresholds(maxAge: String?, warnAge: String?) throws -> AgeThresholds? {
    let warning = try warnAge.map { text in
      guard let seconds = AgeText.parse(text) else {
        throw ValidationError("'--warn-age' must look like 26h or 2d")
      }
      return seconds
    }
    guard let maxAge else {
      if warning != nil { throw ValidationError("'--warn-age' needs '--max-age'") }
      return nil
    }
    guard let critical = AgeText.parse(maxAge) else {
      throw ValidationError("'--max-age' must look like 26h or 2d")
    }
    if let warning, warning >= critical {
      throw ValidationError("'--warn-age' must be below '--max-age'")
    }
    return AgeThresholds(critical: critical, warning: warning)
  }

  /// Prints the plugin line and exits with its state.
  private func finish(nagios result: (line: String, state: Freshness)) throws -> Never {
    print(result.line)
    throw ExitCode(result.state.rawValue)
  }

  /// Reports a problem the way the format's reader expects, and exits.
  private func fail(_ message: String, status: Int32) throws -> Never {
    if format == .nagios { try finish(nagios: StatusReport.nagiosUnknown(message)) }
    Terminal.write("pushgate: \(message)\n", to: .error)
    throw ExitCode(status)
  }
}
