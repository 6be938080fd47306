// pushgate log: the audit log and its rotations as one row per session, or as raw JSON Lines.
import ArgumentParser
import Glibc
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

struct Log: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the audit log: one row per session, or the records as JSON Lines.",
    discussion: """
      Reads the audit log and its rotations (LOG.N and LOG.N.gz), oldest first, as a stream. \
      A row says what a session did (pushed, unchanged, dry run, listed, restored, refused, \
      failed) or what one 'pushgate rotate' did to one area (rotate); rotations that had \
      nothing to do are left out unless --idle-rotations is given. A header row comes \
      first when there is any row. A row is printed when its session's last record is \
      read, so rows are in order of completion; sessions still open at the end are printed \
      last, marked "in progress or cut short". Filters apply to sessions, by their first record's time; with --json they \
      apply to each record, and the matching lines are printed unchanged when they are printable \
      ASCII, re-written in printable ASCII otherwise; lines that are not JSON objects are \
      skipped and counted on stderr. TIME is \
      YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC), or a time ago such as 30m, 24h or 7d. \
      Exit status: 0 read (even with no rows), 1 the log or the settings cannot be read, \
      64 usage error. See pushgate-log(8).
      """)

  @Option(
    help: ArgumentHelp(
      "The settings file; the log is its audit_log (default: \(SettingsFile.defaultPath)).",
      valueName: "file"))
  var config: String?

  @Option(
    help: ArgumentHelp(
      "Read this log (and its rotations) instead; no settings file.", valueName: "path"))
  var file: String?

  @Option(help: ArgumentHelp("Only sessions that started at or after TIME.", valueName: "time"))
  var since: String?

  @Option(help: ArgumentHelp("Only sessions that started before TIME.", valueName: "time"))
  var until: String?

  @Option(help: ArgumentHelp("Only sessions of this key label.", valueName: "label"))
  var key: String?

  @Flag(help: "Only refused sessions (with --failed: refused or failed).")
  var refused = false

  @Flag(
    help: """
      Only failed sessions: a server failure, a push whose rsync ended non-zero or killed, \
      a failed snapshot or rotation.
      """)
  var failed = false

  @Flag(help: "Also rotations that found nothing to do (skipped: unchanged or min-interval).")
  var idleRotations = false

  @Flag(help: "Print the matching records as JSON Lines in printable ASCII, for jq.")
  var json = false

  func validate() throws {
    if config != nil && file != nil {
      throw ValidationError("'--config' and '--file' cannot be used together")
    }
    _ = try filter(now: Clock.now())
  }

  func run() throws {
    let filter = try filter(now: Clock.now())
    let (log, snapshotTimeout) = try logPath()
    let files = LogFiles.files(for: log)
    guard !files.isEmpty else {
      throw Self.fail("cannot read audit log '\(log)': No such file or directory")
    }
    var output = LogOutput()
    let unreadable: [String]
    var skipped = 0
    if json {
      // A line that is not a JSON object is never printed: jq would stop at it, and its bytes
      // are the account's. Valid records in printable ASCII (all the gate writes) come out
      // unchanged; any other valid record comes out re-written in printable ASCII.
      unreadable = Self.stream(files) { line in
        guard let entry = AuditEntry(line), let safe = SafeJSON.object(line) else {
          skipped += 1
          return
        }
        if filter.admits(entry) { output.line(safe) }
      }
    } else {
      var grouper = SessionSummaryGrouper()
      var fingerprints = FingerprintCache()
      let emit = { (summary: SessionSummary) in
        if filter.admits(summary) { output.row(summary) }
      }
      unreadable = Self.stream(files) { line in
        guard let entry = AuditEntry(line) else {
          skipped += 1
          return
        }
        // Every record of a session carries its key, so another key's records can go now.
        if let key, !entry.has("key", key) { return }
        grouper.add(entry, fingerprint: { fingerprints.short(type: $0, base64: $1) }, emit: emit)
      }
      grouper.finish(now: Clock.now(), snapshotTimeout: snapshotTimeout, emit: emit)
    }
    output.flush()
    if skipped > 0 {
      Self.report(
        skipped == 1
          ? "skipped 1 line of the audit log that is not a JSON object"
          : "skipped \(skipped) lines of the audit log that are not JSON objects")
    }
    guard unreadable.isEmpty else {
      for message in unreadable.dropLast() { Self.report(message) }
      throw Self.fail(unreadable[unreadable.count - 1])
    }
  }

  /// The filter the options ask for; a usage error when a time cannot be read.
  private func filter(now: Int) throws -> LogRowFilter {
    func time(_ text: String?, _ option: String) throws -> Int? {
      guard let text else { return nil }
      guard let seconds = LogRowFilter.time(text, now: now) else {
        throw ValidationError(
          "'--\(option)' must be YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or a time ago such as 30m, 24h, 7d"
        )
      }
      return seconds
    }
    return LogRowFilter(
      since: try time(since, "since"), until: try time(until, "until"), key: key,
      refused: refused, failed: failed, idleRotations: idleRotations)
  }

  /// `--file`, or the settings' audit log; and how long a snapshot may run (the default
  /// with `--file`).
  private func logPath() throws -> (path: String, snapshotTimeout: Int) {
    if let file { return (file, Settings(root: "/").snapshotTimeout) }
    switch SettingsFile.load(config ?? SettingsFile.defaultPath) {
    case .success(let settings): return (settings.auditLog, settings.snapshotTimeout)
    case .failure(let error): throw Self.fail("\(error.failure.code): \(error.failure.detail)")
    }
  }

  /// Calls `body` with every complete line of `files`, in order; returns a message for each file
  /// that could not be read.
  ///
  /// A directory is refused here: gzread(3) would report its EISDIR as an empty file.
  private static func stream(_ files: [String], _ body: (ArraySlice<UInt8>) -> Void) -> [String] {
    var unreadable: [String] = []
    for path in files {
      var status = stat()
      if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
        unreadable.append("cannot read audit log '\(path)': Is a directory")
      } else if !LogFiles.forEachLine(in: path, body) {
        unreadable.append("cannot read audit log '\(path)': " + String(cString: strerror(errno)))
      }
    }
    return unreadable
  }

  /// Prints `pushgate: message` on stderr and returns exit status 1.
  private static func fail(_ message: String) -> ExitCode {
    report(message)
    return ExitCode(ExitStatus.failed)
  }

  /// Prints `pushgate: message` on stderr, escaped: paths and details may hold any byte.
  private static func report(_ message: String) {
    Terminal.write("pushgate: \(LogRow.visible(message))\n", to: .error)
  }
}
