// How far the gate can trust what rsync's transfer log says a session changed.
//
// A full disk or an I/O error can leave the transfer log empty while rsync exits 0 (issue9
// facts F6.3). Counting that as "nothing changed" would skip the snapshot of a real push and
// tell no one, so every doubt counts as a change: at worst one snapshot too many.

/// What a session changed, as far as the gate can tell, and why it cannot tell when it cannot.
public struct SessionEvidence: Equatable, Sendable {
  /// The counts; `isUnknown` when the log cannot be trusted.
  public var changes: TransferChanges
  /// Why the counts are unknown, for the log's `evidence_error` and the client's line.
  public var problem: String?

  /// Judges a transfer log read back after rsync ended.
  ///
  /// - Parameters:
  ///   - log: The log as read (its counts and whether rsync's closing line was seen).
  ///   - readToEnd: Whether the file could be opened and read to its end.
  ///   - reserveProblem: Why reserving the log's space before rsync started failed, if it did.
  ///   - transfer: How rsync ended.
  ///   - settings: For `snapshot_on`: only a transfer that ended with an accepted status
  ///     must have written its summary.
  public static func judge(
    log: TransferLog, readToEnd: Bool, reserveProblem: String?, transfer: ProcessEnd,
    settings: Settings
  ) -> SessionEvidence {
    var changes = log.changes
    var problem: String?
    if !readToEnd {
      problem = "transfer log unreadable"
    } else if case .exited(let status) = transfer, settings.snapshotOn.contains(status),
      !log.isComplete
    {
      problem = "transfer log has no summary line"
    }
    guard var problem else { return SessionEvidence(changes: changes, problem: nil) }
    if let reserveProblem { problem += "; reserving its space: " + reserveProblem }
    changes.isUnknown = true
    return SessionEvidence(changes: changes, problem: problem)
  }

  /// The one line the client is told when the counts are unknown.
  public static let clientMessage =
    "server could not record what this session changed; it counts as changed"
}
