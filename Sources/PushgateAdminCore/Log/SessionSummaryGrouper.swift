// Groups a stream of audit records into sessions, with a fixed cap on the sessions kept open.
//
// The records of one session are spread over minutes or hours and interleave with those of
// other sessions. A session is emitted when its final record arrives (`refused`, `failed`,
// `transfer-ended` without a due snapshot, `snapshot-ended`, `rotate-ended`), so the output is
// in order of completion. At most `limit` sessions are open at once: one more evicts the
// oldest, which is emitted as `.evicted`. Memory is therefore bounded for any input.
import PushgateCore

/// Turns records, in file order, into session summaries.
public struct SessionSummaryGrouper {
  /// The most sessions kept open at once.
  public let limit: Int
  private var open: [String: SessionSummary] = [:]
  /// Session ids in the order their first record arrived; may still name closed sessions.
  private var order: [String] = []
  private var head = 0

  /// A grouper keeping at most `limit` sessions open.
  public init(limit: Int = 10_000) {
    precondition(limit > 0, "the open-session limit must be positive")
    self.limit = limit
  }

  /// The number of sessions open now.
  public var openCount: Int { open.count }

  /// Adds the next record; calls `emit` with each session it completes or evicts.
  ///
  /// Records without a session id are ignored.
  public mutating func add(
    _ entry: AuditEntry, fingerprint: (_ type: String, _ base64: String) -> String?,
    emit: (SessionSummary) -> Void
  ) {
    guard let id = entry.string("session"), !id.isEmpty else { return }
    let keyId = SessionSummary.cut(id, 64)
    if let index = open.index(forKey: keyId) {
      if open.values[index].absorb(entry, fingerprint: fingerprint) {
        var summary = open.remove(at: index).value
        summary.ending = .complete
        emit(summary)
      }
      return
    }
    var summary = SessionSummary(first: entry, session: keyId)
    if summary.absorb(entry, fingerprint: fingerprint) {
      summary.ending = .complete
      emit(summary)
      return
    }
    if open.count >= limit { evictOldest(emit) }
    open[keyId] = summary
    order.append(keyId)
    compactOrder()
  }

  /// Emits every session still open, oldest first, as `.open`, and empties the grouper.
  ///
  /// With `now`, a session whose snapshot was due more than `snapshotTimeout` seconds before it and
  /// never ended is marked ``SessionSummary/snapshotNeverEnded``.
  public mutating func finish(
    now: Int? = nil, snapshotTimeout: Int = 3600, emit: (SessionSummary) -> Void
  ) {
    for id in order[head...] {
      guard var summary = open.removeValue(forKey: id) else { continue }
      summary.ending = .open
      if let now, summary.snapshot == nil, let due = summary.dueTime.flatMap(Timestamp.parse),
        now - due > snapshotTimeout
      {
        summary.snapshotNeverEnded = true
      }
      emit(summary)
    }
    order = []
    head = 0
  }

  private mutating func evictOldest(_ emit: (SessionSummary) -> Void) {
    while head < order.count {
      let id = order[head]
      head += 1
      if var summary = open.removeValue(forKey: id) {
        summary.ending = .evicted
        emit(summary)
        return
      }
    }
  }

  /// Drops closed sessions from `order` once it holds many more ids than open sessions, so
  /// its length stays within a constant factor of `limit`.
  private mutating func compactOrder() {
    guard order.count > 2 * limit + 1024 else { return }
    order = order[head...].filter { open[$0] != nil }
    head = 0
  }
}
