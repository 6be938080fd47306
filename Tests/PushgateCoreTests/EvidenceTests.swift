// When the gate can trust rsync's transfer log, and what it does when it cannot record a
// deferral: every doubt counts as a change, so a real push is never left without a snapshot.
import Testing

@testable import PushgateCore

private let prefix = "2026/11/30 13:37:40 [4121] "
private let summary = prefix + "sent 24 bytes  received 95 bytes  total size 3"
private let created = prefix + "pushgate-0123abcd push recv >f+++++++++ 43"

struct EvidenceCase: Sendable, CustomTestStringConvertible {
  let name: String
  var lines: [String] = []
  var readToEnd = true
  var reserveProblem: String?
  var transfer = ProcessEnd.exited(0)
  var unknown: Bool
  var problem: String?
  var sourceLocation: SourceLocation = #_sourceLocation
  var testDescription: String { name }
}

let evidenceCases: [EvidenceCase] = [
  EvidenceCase(name: "a push with its summary", lines: [created, summary], unknown: false),
  EvidenceCase(name: "an unchanged tree: the summary alone", lines: [summary], unknown: false),
  EvidenceCase(
    name: "a module list ends with its request line",
    lines: [
      prefix + "connect from UNKNOWN (0.0.0.0)",
      prefix + "module-list request from UNKNOWN (0.0.0.0)",
    ],
    unknown: false),
  EvidenceCase(
    name: "an empty log after status 0 (full disk, F6.3)", unknown: true,
    problem: "transfer log has no summary line"),
  EvidenceCase(
    name: "changes but no summary: still unknown", lines: [created], unknown: true,
    problem: "transfer log has no summary line"),
  EvidenceCase(
    name: "no room reserved and no summary: both said",
    reserveProblem: "fallocate: No space left on device", unknown: true,
    problem:
      "transfer log has no summary line; reserving its space: fallocate: No space left on device"),
  EvidenceCase(
    name: "no room reserved but the log is complete", lines: [summary],
    reserveProblem: "fallocate: No space left on device", unknown: false),
  EvidenceCase(
    name: "a summary glued to a longer line does not count",
    lines: [summary + " extra"], unknown: true, problem: "transfer log has no summary line"),
  EvidenceCase(
    name: "a summary inside a tagged line does not count",
    lines: [prefix + "pushgate-0123abcd push recv sent 1 bytes  received 1 bytes  total size 1"],
    unknown: true, problem: "transfer log has no summary line"),
  EvidenceCase(
    name: "a failed transfer need not have a summary", transfer: .exited(23), unknown: false),
  EvidenceCase(
    name: "a signaled transfer need not have a summary", transfer: .signaled(9), unknown: false),
  EvidenceCase(
    name: "unreadable, whatever the status", readToEnd: false, transfer: .exited(23),
    unknown: true, problem: "transfer log unreadable"),
]

@Test(arguments: evidenceCases)
func judgesTheTransferLog(_ c: EvidenceCase) {
  var log = TransferLog(tag: "0123abcd", pushModule: "push")
  log.feed(Array(c.lines.map { $0 + "\n" }.joined().utf8))
  let judged = SessionEvidence.judge(
    log: log, readToEnd: c.readToEnd, reserveProblem: c.reserveProblem, transfer: c.transfer,
    settings: Settings(root: "/backup"))
  #expect(judged.changes.isUnknown == c.unknown, sourceLocation: c.sourceLocation)
  #expect(judged.problem == c.problem, sourceLocation: c.sourceLocation)
  #expect(judged.changes.created == log.changes.created, sourceLocation: c.sourceLocation)
}

@Test("an empty log after status 0 makes the session a push that is due a snapshot")
func anEmptyLogIsDue() {
  let settings = Settings(root: "/backup")
  let judged = SessionEvidence.judge(
    log: TransferLog(tag: "0123abcd", pushModule: "push"), readToEnd: true, reserveProblem: nil,
    transfer: .exited(0), settings: settings)
  let activity = SessionActivity.classify(
    changes: judged.changes, evidence: HookEvidence.parse([]), transfer: .exited(0),
    pushModule: "push")
  #expect(activity == .pushed)
  #expect(
    SnapshotDecision.decide(
      transfer: .exited(0), changes: judged.changes, activity: activity, area: AreaState(),
      now: 0, settings: settings) == .due)
}

struct PendingLostCase: Sendable, CustomTestStringConvertible {
  let decision: SnapshotDecision
  let mark: AreaState.Pending
  let snapshotsNow: Bool
  var testDescription: String { "\(decision)" }
}

@Test(arguments: [
  PendingLostCase(decision: .due, mark: .complete, snapshotsNow: true),
  PendingLostCase(
    decision: .pending(reason: "min-interval", complete: true), mark: .complete, snapshotsNow: true),
  PendingLostCase(
    decision: .pending(reason: "rsync-status", complete: false), mark: .incomplete,
    snapshotsNow: false),
  PendingLostCase(decision: .skipped(reason: "unchanged"), mark: .none, snapshotsNow: false),
])
func aDeferralThatCannotBeRecordedSnapshotsNow(_ c: PendingLostCase) {
  #expect(c.decision.pendingMark == c.mark)
  #expect(c.decision.snapshotsWhenPendingIsLost == c.snapshotsNow)
}
