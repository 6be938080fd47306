// Grouping audit records into sessions: completion order, interleaving, cut-short and evicted
// sessions, unknown events and fields, and records that are not records.
import PushgateAdminCore
import PushgateCore
import Testing

/// A record line for session `id`; `extra` is appended inside the object as is.
func logRecord(
  _ id: String, _ event: String, _ extra: String = "", time: String = "2026-11-27T12:00:00Z",
  key: String = "laptop"
) -> AuditEntry? {
  AuditEntry(
    Array(
      (#"{"v":1,"time":"\#(time)","session":"\#(id)","event":"\#(event)","key":"\#(key)","peer":"203.0.113.7","port":1"#
        + extra + "}").utf8))
}

/// Groups `entries` and returns the emitted summaries, in order, after the end of input.
func groupSessions(_ entries: [AuditEntry?], limit: Int = 100) -> [SessionSummary] {
  var grouper = SessionSummaryGrouper(limit: limit)
  var emitted: [SessionSummary] = []
  for entry in entries.compactMap({ $0 }) {
    grouper.add(entry, fingerprint: { type, _ in "fp-" + type }) { emitted.append($0) }
  }
  grouper.finish { emitted.append($0) }
  return emitted
}

let logAllowedExtra =
  #","pubkey_type":"ssh-ed25519","pubkey":"AAAA","command":"cd /backup && rsync --server --daemon .","reason":"allowed""#
let logPushedExtra =
  #","status":0,"duration_ms":197012,"module":"push","request":"push/","dry_run":false,"pull":false,"activity":"pushed","created":12,"changed":3,"deleted":1,"bytes_received":1234567,"snapshot":"due""#
let logSnapshotExtra = #","result":"ok","status":0,"mode":"wait","duration_ms":12034"#

struct SessionFailureCase: Sendable, CustomTestStringConvertible {
  let name: String
  let records: [String]
  let hasFailed: Bool
  var testDescription: String { name }
}

/// A transfer-ended record's fields after the session id: `activity` and rsync's end.
private func ended(_ activity: String, _ end: String, snapshot: String = #""snapshot":"skipped""#)
  -> String
{
  #",\#(end),"activity":"\#(activity)",\#(snapshot)"#
}

let sessionFailureCases: [SessionFailureCase] = [
  SessionFailureCase(
    name: "a push with rsync 0 and snapshot ok", records: [logPushedExtra, logSnapshotExtra],
    hasFailed: false),
  SessionFailureCase(
    name: "a snapshot warning", records: [logPushedExtra, #","result":"warning","status":2"#],
    hasFailed: false),
  SessionFailureCase(
    name: "a failed snapshot", records: [logPushedExtra, #","result":"failed","status":1"#],
    hasFailed: true),
  SessionFailureCase(
    name: "a snapshot timeout", records: [logPushedExtra, #","result":"timeout""#], hasFailed: true),
  SessionFailureCase(
    name: "a push with rsync 24",
    records: [ended("pushed", #""status":24"#, snapshot: #""snapshot":"pending""#)], hasFailed: true
  ),
  SessionFailureCase(
    name: "a push killed",
    records: [ended("pushed", #""signal":9"#, snapshot: #""snapshot":"pending""#)], hasFailed: true),
  SessionFailureCase(
    name: "an unchanged push with rsync 23", records: [ended("unchanged", #""status":23"#)],
    hasFailed: true),
  SessionFailureCase(
    name: "an unchanged push", records: [ended("unchanged", #""status":0"#)], hasFailed: false),
  SessionFailureCase(
    name: "a dry run", records: [ended("dry-run", #""status":0"#)], hasFailed: false),
  SessionFailureCase(
    name: "a bare module listing with rsync 255", records: [ended("listed", #""status":255"#)],
    hasFailed: false),
  SessionFailureCase(
    name: "a pull from the write-only module with rsync 1",
    records: [ended("listed", #""status":1"#)], hasFailed: false),
  SessionFailureCase(
    name: "a restore with rsync 23", records: [ended("restored", #""status":23"#)], hasFailed: false
  ),
  SessionFailureCase(
    name: "rsync ended before any module with 5", records: [ended("none", #""status":5"#)],
    hasFailed: false),
  SessionFailureCase(
    name: "an older record with rsync 24", records: [#","status":24,"snapshot":"skipped""#],
    hasFailed: true),
  SessionFailureCase(
    name: "an older dry run", records: [#","status":0,"dry_run":true,"snapshot":"skipped""#],
    hasFailed: false),
]

/// Grouping records into sessions.
@Suite struct LogSessionGroupingTests {
  @Test func emitsSessionsInOrderOfCompletionWhenTheyInterleave() {
    let emitted = groupSessions([
      logRecord("a", "allowed", logAllowedExtra),
      logRecord("b", "allowed", logAllowedExtra),
      logRecord("r", "refused", #","command":"ls /","reason":"not-allowed""#),
      logRecord(
        "b", "transfer-ended",
        #","status":0,"dry_run":true,"activity":"dry-run","snapshot":"skipped","snapshot_reason":"unchanged""#
      ),
      logRecord("a", "transfer-ended", logPushedExtra),
      logRecord("a", "snapshot-ended", logSnapshotExtra),
    ])
    #expect(emitted.map(\.session) == ["r", "b", "a"])
    #expect(emitted.allSatisfy { $0.ending == .complete })
    let pushed = emitted[2]
    #expect(pushed.decision == .allowed)
    #expect(pushed.fingerprint == "fp-ssh-ed25519")
    #expect(pushed.transfer?.status == 0)
    #expect(pushed.transfer?.milliseconds == 197012)
    #expect(pushed.snapshot?.result == "ok")
    #expect(pushed.snapshot?.milliseconds == 12034)
    #expect(emitted[0].decision == .refused)
    #expect(emitted[0].command == "ls /")
    #expect(emitted[1].transfer?.activity == .dryRun)
  }

  @Test func emitsSessionsStillOpenAtTheEndOldestFirst() {
    let emitted = groupSessions([
      logRecord("cut", "allowed", logAllowedExtra),
      logRecord("due", "allowed", logAllowedExtra),
      logRecord("due", "transfer-ended", logPushedExtra),
      logRecord("done", "failed", #","reason":"spawn","detail":"cannot start rsync""#),
    ])
    #expect(emitted.map(\.session) == ["done", "cut", "due"])
    #expect(emitted.map(\.ending) == [.complete, .open, .open])
    #expect(emitted[0].decision == .failed)
    #expect(emitted[0].detail == "cannot start rsync")
    #expect(emitted[1].transfer == nil)
    #expect(emitted[2].transfer?.snapshot == "due")
  }

  @Test func evictsTheOldestOpenSessionBeyondTheLimit() {
    var entries: [AuditEntry?] = (0..<5).map { logRecord("s\($0)", "allowed", logAllowedExtra) }
    entries.append(logRecord("s3", "transfer-ended", logPushedExtra))  // snapshot due: stays open
    entries.append(logRecord("s4", "transfer-ended", #","status":23,"snapshot":"skipped""#))
    let emitted = groupSessions(entries, limit: 3)
    #expect(emitted.map(\.session) == ["s0", "s1", "s4", "s2", "s3"])
    #expect(emitted.map(\.ending) == [.evicted, .evicted, .complete, .open, .open])
  }

  @Test func memoryStaysBoundedWhenNoSessionEverEnds() {
    var grouper = SessionSummaryGrouper(limit: 50)
    var evicted = 0
    var mostOpen = 0
    for number in 0..<20_000 {
      guard let entry = logRecord(String(number), "allowed") else { continue }
      grouper.add(entry, fingerprint: { _, _ in nil }) { _ in evicted += 1 }
      mostOpen = max(mostOpen, grouper.openCount)
    }
    #expect(mostOpen == 50)
    #expect(evicted == 20_000 - 50)
  }

  @Test func keepsUnknownEventsAndFieldsFromEndingASession() {
    let emitted = groupSessions([
      logRecord("a", "allowed", logAllowedExtra + #","future":{"x":[1,2]},"also":"new""#),
      logRecord("a", "heartbeat", #","n":1"#),
      logRecord(
        "a", "transfer-ended",
        #","status":24,"snapshot":"skipped","snapshot_reason":"rsync-status""#),
    ])
    #expect(emitted.count == 1)
    #expect(emitted[0].ending == .complete)
    #expect(emitted[0].transfer?.status == 24)
  }

  @Test func startsASessionFromALaterRecordWhenItsFirstIsInALostRotation() {
    let emitted = groupSessions([
      logRecord("a", "transfer-ended", logPushedExtra),
      logRecord("a", "snapshot-ended", logSnapshotExtra),
    ])
    #expect(emitted.count == 1)
    #expect(emitted[0].decision == .unknown)
    #expect(emitted[0].snapshot?.result == "ok")
  }

  @Test func ignoresRecordsWithoutASessionAndLinesThatAreNotRecords() {
    let lines = [
      #"{"v":1,"time":"2026-11-27T12:00:00Z","event":"refused","reason":"busy"}"#,
      #"{"v":1,"time":"2026-11-27T12:00:00Z","session":"","event":"refused"}"#,
      #"{"v":1,"time":"2026-11-27T12:00:00Z","session":"x","event":"refus"#,
    ]
    #expect(groupSessions(lines.map { AuditEntry(Array($0.utf8)) }).isEmpty)
  }

  @Test func cutsOverlongFieldsSoAnOpenSessionStaysSmall() {
    let long = String(repeating: "A", count: 100_000)
    let emitted = groupSessions([
      logRecord(long, "allowed", time: long, key: long),
      logRecord("r", "refused", #","command":"\#(long)","reason":"\#(long)""#),
    ])
    #expect(emitted.count == 2)
    #expect(emitted[1].session.utf8.count == 64)
    #expect(emitted[1].time.utf8.count == 64)
    #expect(emitted[1].key.utf8.count == 128)
    #expect(emitted[0].command?.utf8.count == SessionSummary.fieldLimit)
    #expect(emitted[0].reason?.utf8.count == 64)
  }

  @Test func computesTheFingerprintOncePerSession() {
    var calls = 0
    var grouper = SessionSummaryGrouper()
    for event in ["allowed", "allowed"] {
      if let entry = logRecord("a", event, logAllowedExtra) {
        grouper.add(
          entry,
          fingerprint: { _, _ in
            calls += 1; return "fp"
          }
        ) { _ in }
      }
    }
    #expect(calls == 1)
  }

  @Test(arguments: sessionFailureCases)
  func decidesWhetherASessionFailed(_ c: SessionFailureCase) throws {
    let transfer = try #require(logRecord("a", "transfer-ended", c.records[0]))
    var entries = [logRecord("a", "allowed", logAllowedExtra), transfer]
    if c.records.count > 1 { entries.append(logRecord("a", "snapshot-ended", c.records[1])) }
    let emitted = groupSessions(entries)
    #expect(emitted.count == 1)
    #expect(emitted.first?.hasFailed == c.hasFailed)
    // `log --json --failed` judges the records alone by the same rules.
    let filter = LogRowFilter(failed: true)
    #expect(entries.compactMap { $0 }.contains(where: filter.admits) == c.hasFailed)
  }

  @Test func readsWhatAPushChangedAndWhatARestoreAsked() {
    let emitted = groupSessions([
      logRecord("p", "transfer-ended", logPushedExtra),
      logRecord(
        "r", "transfer-ended",
        #","status":0,"module":"snapshots","request":"snapshots/hourly.0/docs/","activity":"restored","created":0,"changed":0,"deleted":0,"bytes_received":0,"sent":42,"snapshot":"skipped","snapshot_reason":"restored""#
      ),
      logRecord(
        "u", "transfer-ended",
        #","status":0,"activity":"pushed","created":0,"changed":0,"deleted":0,"bytes_received":0,"transfer_log":"unreadable","snapshot":"pending","snapshot_reason":"min-interval""#
      ),
    ])
    #expect(emitted.map(\.session) == ["r", "u", "p"])
    var pushed = SessionSummary.Transfer(
      status: 0, milliseconds: 197012, activity: .pushed, snapshot: "due")
    (pushed.hasCounts, pushed.created, pushed.changed, pushed.deleted) = (true, 12, 3, 1)
    pushed.bytesReceived = 1_234_567
    #expect(emitted[2].transfer == pushed)
    var restored = SessionSummary.Transfer(
      status: 0, activity: .restored, snapshot: "skipped", snapshotReason: "restored")
    (restored.sent, restored.request) = (42, "snapshots/hourly.0/docs/")
    #expect(emitted[0].transfer == restored)
    #expect(emitted[1].transfer?.isTransferLogUnreadable == true)
    #expect(emitted[1].transfer?.snapshotReason == "min-interval")
  }

  @Test func aRotationIsASessionOfItsOwn() {
    let emitted = groupSessions([
      logRecord("a", "allowed", logAllowedExtra),
      logRecord(
        "r", "rotate-ended",
        #","level":"daily","result":"failed","status":1,"wait_ms":5,"duration_ms":200,"output":"ERROR""#
      ),
      logRecord(
        "s", "rotate-ended",
        #","level":"hourly","result":"skipped","reason":"unchanged","wait_ms":0,"duration_ms":0"#),
    ])
    #expect(emitted.map(\.session) == ["r", "s", "a"])
    #expect(emitted[0].ending == .complete)
    #expect(
      emitted[0].rotation
        == SessionSummary.Rotation(
          level: "daily", result: "failed", status: 1, milliseconds: 200, waitedMilliseconds: 5))
    #expect(emitted[0].hasFailed)
    #expect(emitted[1].rotation?.isIdle == true)
    #expect(!emitted[1].hasFailed)
  }

  @Test func keepsTheTransferWhenTheGateFailsAfterIt() {
    let emitted = groupSessions([
      logRecord("a", "allowed", logAllowedExtra),
      logRecord("a", "transfer-ended", logPushedExtra),
      logRecord("a", "failed", #","reason":"key-missing","detail":"no area for key 'laptop'""#),
    ])
    #expect(emitted.count == 1)
    #expect(emitted[0].decision == .allowed)
    #expect(emitted[0].transfer?.activity == .pushed)
    #expect(
      emitted[0].lateFailure
        == SessionSummary.LateFailure(reason: "key-missing", detail: "no area for key 'laptop'"))
    #expect(emitted[0].hasFailed)
    #expect(emitted[0].ending == .complete)
  }

  @Test func aFailureAfterTheSessionsLastRecordIsASessionOfItsOwn() {
    // The gate could not record the pending changes: the session had already ended.
    let emitted = groupSessions([
      logRecord(
        "a", "transfer-ended",
        #","status":0,"activity":"pushed","snapshot":"pending","snapshot_reason":"min-interval""#),
      logRecord("a", "failed", #","reason":"area","detail":"rename: No space left on device""#),
    ])
    #expect(emitted.map(\.decision) == [.unknown, .failed])
    #expect(emitted[1].detail == "rename: No space left on device")
  }
}
