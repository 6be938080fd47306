// What a session did and whether its area is due a snapshot: rsync's transfer log, the
// session's activity, the snapshot and rotate decisions, and the pre-xfer hook's evidence.
import Testing

@testable import PushgateCore

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

// MARK: rsync's transfer log

struct TransferLogCase: Sendable, CustomTestStringConvertible {
  let name: String
  let lines: [String]
  let expected: TransferChanges
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let prefix = "2026/11/30 13:37:40 [4121] "
private let tag = "pushgate-0123abcd"

private func logged(
  _ name: String, _ lines: [String], _ expected: TransferChanges,
  sourceLocation: SourceLocation = #_sourceLocation
) -> TransferLogCase {
  TransferLogCase(name: name, lines: lines, expected: expected, sourceLocation: sourceLocation)
}

private func ours(_ rest: String) -> String { prefix + tag + " " + rest }

let transferLogCases: [TransferLogCase] = [
  logged("nothing logged (dry run, listing, unchanged tree)", [], TransferChanges()),
  logged(
    "rsync's own lines only",
    [
      prefix + "connect from UNKNOWN (0.0.0.0)", prefix + "rsync to push/ from UNKNOWN (0.0.0.0)",
      prefix + "receiving file list", prefix + "sent 17 bytes  received 93 bytes  total size 5",
    ], TransferChanges()),
  logged(
    "a new file", [ours("push recv >f+++++++++ 43")], TransferChanges(created: 1, bytesReceived: 43)
  ),
  logged(
    "a new directory, link and device",
    [
      ours("push recv cd+++++++++ 0"), ours("push recv cL+++++++++ 0"),
      ours("push recv cD+++++++++ 0"),
    ],
    TransferChanges(created: 3)),
  logged("a hard link", [ours("push recv hf+++++++++ 0")], TransferChanges(created: 1)),
  logged(
    "content and time changed", [ours("push recv >f.st...... 274")],
    TransferChanges(changed: 1, bytesReceived: 274)),
  logged(
    "only the mtime changed", [ours("push recv >f..t...... 40")],
    TransferChanges(changed: 1, bytesReceived: 40)),
  logged("only the mode changed", [ours("push recv .f...p..... 0")], TransferChanges(changed: 1)),
  logged(
    "only the directory's time", [ours("push recv .d..t...... 0")], TransferChanges(changed: 1)),
  logged(
    "a symlink's target changed", [ours("push recv cLc.t...... 0")], TransferChanges(changed: 1)),
  logged(
    "an ACL or xattr changed", [ours("push recv .f........a 0"), ours("push recv .f.......x. 0")],
    TransferChanges(changed: 2)),
  logged(
    "-ii reports unchanged items: not a change",
    [
      ours("push recv .d          0"), ours("push recv .f          0"),
      ours("push recv .L          0"),
    ],
    TransferChanges()),
  logged(
    "deletions", [ours("push del. *deleting   0"), ours("push del. *deleting   0")],
    TransferChanges(deleted: 2)),
  logged("a restore sends", [ours("snapshots send >f+++++++++ 12")], TransferChanges(sent: 1)),
  logged(
    "another module's writes do not count",
    [ours("other recv >f+++++++++ 43"), ours("other del. *deleting   0")], TransferChanges()),
  logged(
    "a module whose name starts like push", [ours("pushx recv >f+++++++++ 43")], TransferChanges()),
  logged(
    "another session's tag", [prefix + "pushgate-99999999 push recv >f+++++++++ 43"],
    TransferChanges()),
  logged("a line without rsync's prefix", [tag + " push recv >f+++++++++ 43"], TransferChanges()),
  logged(
    "the tag later in the line", [prefix + "x " + tag + " push recv >f+++++++++ 43"],
    TransferChanges()),
  logged(
    "rsync's escape of a newline in a request cannot forge a line",
    [prefix + "rsync to push/\\#012" + tag + " push recv >f+++++++++ 1 from UNKNOWN"],
    TransferChanges()),
  logged(
    "malformed counted fields",
    [
      ours("push recv >f+++++++++ "), ours("push recv >f+++++++++ 4x"),
      ours("push recv >f+++++++ 4"),
      ours("push recv  >f+++++++++ 4"), ours("push recv >f+++++++++ -4"), ours("push send"),
      ours("push recv >f+++++++++ 1234567890123456789"),
    ], TransferChanges()),
  logged("an unknown operation", [ours("push copy >f+++++++++ 43")], TransferChanges()),
  logged(
    "an overlong line is skipped whole",
    [
      ours("push recv >f+++++++++ 43" + String(repeating: " ", count: 600)),
      ours("push recv >f+++++++++ 1"),
    ],
    TransferChanges(created: 1, bytesReceived: 1)),
]

@Test(arguments: transferLogCases)
func readsTheTransferLog(_ c: TransferLogCase) {
  let text = c.lines.map { $0 + "\n" }.joined()
  #expect(
    TransferLog.read(b(text), tag: "0123abcd", pushModule: "push") == c.expected,
    sourceLocation: c.sourceLocation)
}

@Test func aLastLineWithoutANewlineIsNotCounted() {
  let text = ours("push recv >f+++++++++ 43") + "\n" + ours("push recv >f+++++++++ 43")
  #expect(
    TransferLog.read(b(text), tag: "0123abcd", pushModule: "push")
      == TransferChanges(created: 1, bytesReceived: 43))
}

@Test func chunksOfAnySizeCountTheSame() {
  let text = b((0..<50).map { ours("push recv >f.st...... \($0)") + "\n" }.joined())
  let whole = TransferLog.read(text, tag: "0123abcd", pushModule: "push")
  for size in [1, 7, 64, 4096] {
    var log = TransferLog(tag: "0123abcd", pushModule: "push")
    var start = 0
    while start < text.count {
      log.feed(text[start..<min(start + size, text.count)])
      start += size
    }
    #expect(log.changes == whole)
  }
  #expect(whole == TransferChanges(changed: 50, bytesReceived: 1225))
}

@Test func theLogFormatCarriesTheTagAndNoFileName() {
  #expect(TransferLog.format(tag: "0123abcd") == "pushgate-0123abcd %m %o %i %b")
}

// MARK: what a session was

struct ActivityCase: Sendable, CustomTestStringConvertible {
  let name: String
  let changes: TransferChanges
  let pre: [PreTransfer]
  let transfer: ProcessEnd
  let expected: SessionActivity
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let pushArgs = ["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "."]

private func pre(_ arguments: [String] = pushArgs, module: String = "push") -> PreTransfer {
  PreTransfer(module: module, request: module + "/", arguments: arguments)
}

private func activity(
  _ name: String, changes: TransferChanges = TransferChanges(), pre: [PreTransfer] = [pre()],
  end transfer: ProcessEnd = .exited(0), _ expected: SessionActivity,
  sourceLocation: SourceLocation = #_sourceLocation
) -> ActivityCase {
  ActivityCase(
    name: name, changes: changes, pre: pre, transfer: transfer, expected: expected,
    sourceLocation: sourceLocation)
}

private let oneChange = TransferChanges(changed: 1)

let activityCases: [ActivityCase] = [
  activity("a push that changed something", changes: oneChange, .pushed),
  activity("a push of an unchanged tree", .unchanged),
  activity("a deletion only", changes: TransferChanges(deleted: 1), .pushed),
  activity("an unreadable transfer log", changes: TransferChanges(isUnknown: true), .pushed),
  activity(
    "dry run", pre: [pre(["rsyncd", "--server", "-nlogDtpre.iLsfxCIvu", ".", "."])], .dryRun),
  activity(
    "--dry-run", pre: [pre(["rsyncd", "--server", "--dry-run", "-logDtpre.iLsfxCIvu", ".", "."])],
    .dryRun),
  activity(
    "-M--out-format -M-n%f claims a dry run but wrote",
    changes: TransferChanges(created: 2),
    pre: [pre(["rsyncd", "--server", "-logDtpre.iLsfxCIvu", "--out-format", "-n%f", ".", "."])],
    .pushed),
  activity(
    "-M--out-format -M-n%f with nothing to write is no dry run",
    pre: [pre(["rsyncd", "--server", "-logDtpre.iLsfxCIvu", "--out-format", "-n%f", ".", "."])],
    .dryRun),
  activity(
    "n after e is a capability",
    pre: [pre(["rsyncd", "--server", "-logDtpre.iLsfxCIvnu", ".", "."])], .unchanged),
  activity(
    "--only-write-batch",
    pre: [pre(["rsyncd", "--server", "--only-write-batch=x", "-logDtpre.iLsfxCIvu", ".", "."])],
    .dryRun),
  activity(
    "--list-only",
    pre: [pre(["rsyncd", "--server", "--list-only", "-logDtpre.iLsfxCIvu", ".", "."])], .listed),
  activity(
    "a pull from the write-only push module",
    pre: [pre(["rsyncd", "--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "push/"])],
    end: .exited(1), .listed),
  activity(
    "a restore from the snapshots module",
    pre: [
      pre(
        ["rsyncd", "--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "snapshots/"],
        module: "snapshots")
    ],
    .restored),
  activity(
    "a listing of the snapshots module",
    pre: [
      pre(
        [
          "rsyncd", "--server", "--sender", "--list-only", "-logDtpre.iLsfxCIvu", ".", "snapshots/",
        ], module: "snapshots")
    ],
    .listed),
  activity("the bare module list", pre: [], .listed),
  activity("rsync ended before any module", pre: [], end: .exited(5), .none),
  activity("rsync killed before any module", pre: [], end: .signaled(15), .none),
]

@Test(arguments: activityCases)
func classifiesWhatTheSessionDid(_ c: ActivityCase) {
  let got = SessionActivity.classify(
    changes: c.changes, evidence: HookEvidence(pre: c.pre), transfer: c.transfer, pushModule: "push"
  )
  #expect(got == c.expected, sourceLocation: c.sourceLocation)
}

// MARK: the snapshot decision

struct DecisionCase: Sendable, CustomTestStringConvertible {
  let name: String
  let transfer: ProcessEnd
  let changes: TransferChanges
  let activity: SessionActivity
  let area: AreaState
  let snapshotOn: [Int32]
  let minInterval: Int
  let expected: SnapshotDecision
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let now = 1_796_000_000

private func decision(
  _ name: String, end transfer: ProcessEnd = .exited(0), changes: TransferChanges = oneChange,
  activity: SessionActivity = .pushed, area: AreaState = AreaState(), on: [Int32] = [0],
  interval: Int = 0, _ expected: SnapshotDecision, sourceLocation: SourceLocation = #_sourceLocation
) -> DecisionCase {
  DecisionCase(
    name: name, transfer: transfer, changes: changes, activity: activity, area: area,
    snapshotOn: on, minInterval: interval, expected: expected, sourceLocation: sourceLocation)
}

private func skipped(_ reason: String) -> SnapshotDecision { .skipped(reason: reason) }
private let complete = AreaState(pending: .complete)
private let incomplete = AreaState(pending: .incomplete)
private let none = TransferChanges()

let decisionCases: [DecisionCase] = [
  decision("a push that changed something", .due),
  decision(
    "an unchanged push, nothing pending", changes: none, activity: .unchanged, skipped("unchanged")),
  decision("a dry run", changes: none, activity: .dryRun, skipped("unchanged")),
  decision("a restore", changes: none, activity: .restored, skipped("unchanged")),
  decision(
    "an unchanged push, a whole tree pending", changes: none, activity: .unchanged, area: complete,
    .due),
  decision(
    "an unchanged push after one cut short", changes: none, activity: .unchanged, area: incomplete,
    .due),
  decision(
    "a dry run while a cut-short push is pending", changes: none, activity: .dryRun,
    area: incomplete, skipped("dry-run")),
  decision(
    "a restore while changes are pending", changes: none, activity: .restored, area: complete,
    skipped("restored")),
  decision(
    "a listing while changes are pending", changes: none, activity: .listed, area: complete,
    skipped("listed")),
  decision(
    "status 23 with changes", end: .exited(23), .pending(reason: "rsync-status", complete: false)),
  decision(
    "status 23 without changes", end: .exited(23), changes: none, activity: .unchanged,
    skipped("rsync-status")),
  decision(
    "status 24 not in snapshot_on", end: .exited(24),
    .pending(reason: "rsync-status", complete: false)),
  decision("status 24 with snapshot_on 0 24", end: .exited(24), on: [0, 24], .due),
  decision(
    "killed with changes", end: .signaled(9), .pending(reason: "rsync-signaled", complete: false)),
  decision(
    "signal 24 is not status 24", end: .signaled(24), on: [0, 24],
    .pending(reason: "rsync-signaled", complete: false)),
  decision(
    "killed without changes", end: .signaled(15), changes: none, activity: .none,
    skipped("rsync-signaled")),
  decision(
    "an unreadable transfer log counts as a change", changes: TransferChanges(isUnknown: true), .due
  ),
  decision(
    "within the interval", area: AreaState(lastSnapshot: now - 1800), interval: 3600,
    .pending(reason: "min-interval", complete: true)),
  decision(
    "within the interval, after a push cut short",
    area: AreaState(pending: .incomplete, lastSnapshot: now - 1800),
    interval: 3600, .pending(reason: "min-interval", complete: true)),
  decision(
    "just past the interval", area: AreaState(lastSnapshot: now - 3600), interval: 3600, .due),
  decision("interval 0 never waits", area: AreaState(lastSnapshot: now), .due),
  decision("no snapshot recorded yet", interval: 3600, .due),
  decision(
    "a last snapshot in the future (clock stepped back) does not block for ever",
    area: AreaState(lastSnapshot: now + 7200), interval: 3600, .due),
  decision(
    "an unchanged push with changes pending, within the interval", changes: none,
    activity: .unchanged,
    area: AreaState(pending: .complete, lastSnapshot: now - 60), interval: 3600,
    .pending(reason: "min-interval", complete: true)),
]

@Test(arguments: decisionCases)
func decidesTheSnapshot(_ c: DecisionCase) {
  var settings = Settings(root: "/backup")
  settings.snapshotOn = c.snapshotOn
  settings.snapshotMinInterval = c.minInterval
  let got = SnapshotDecision.decide(
    transfer: c.transfer, changes: c.changes, activity: c.activity, area: c.area, now: now,
    settings: settings)
  #expect(got == c.expected, sourceLocation: c.sourceLocation)
}

@Test func decisionCodesAndReasons() {
  #expect(SnapshotDecision.due.code == "due")
  #expect(SnapshotDecision.due.reason == nil)
  #expect(SnapshotDecision.pending(reason: "min-interval", complete: true).code == "pending")
  #expect(skipped("unchanged").reason == "unchanged")
}

/// The guarantee docs/security.md states: with snapshot_min_interval = 1h and retain
/// hourly 24, no sequence of pushes takes snapshots less than an hour apart, so the 24
/// hourlies span at least 23 hours and a snapshot lives at least a day before the 25th
/// snapshot after it would rotate it out.
@Test func noSequenceOfPushesSnapshotsFasterThanTheInterval() {
  var settings = Settings(root: "/backup")
  settings.snapshotMinInterval = 3600
  var area = AreaState()
  var snapshots: [Int] = []
  var generator = SystemRandomNumberGenerator()
  var time = now
  for _ in 0..<5000 {
    time += Int.random(in: 1...900, using: &generator)
    let changed = Bool.random(using: &generator)
    let decided = SnapshotDecision.decide(
      transfer: .exited(0), changes: changed ? oneChange : none,
      activity: changed ? .pushed : .unchanged, area: area, now: time, settings: settings)
    switch decided {
    case .due:
      snapshots.append(time)
      area = AreaState(pending: .none, lastSnapshot: time)
    case .pending(_, let whole): area.pending = whole ? .complete : .incomplete
    case .skipped: break
    }
  }
  let gaps = zip(snapshots.dropFirst(), snapshots).map { $0 - $1 }
  #expect(snapshots.count > 24)
  #expect(gaps.allSatisfy { $0 >= 3600 })
  for index in 24..<snapshots.count {
    #expect(snapshots[index] - snapshots[index - 24] >= 24 * 3600)
  }
}

// MARK: the pre-xfer hook's evidence

@Test func preLinesAreExactAndRoundTrip() {
  let args = ["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "push/"]
  let preLine = HookEvidence.preLine(module: b("push"), request: b("push/"), arguments: args.map(b))
  #expect(preLine == b("pre-xfer\tpush\tpush/\trsyncd\t--server\t-logDtpre.iLsfxCIvu\t.\tpush/\n"))
  #expect(
    HookEvidence.parse(preLine)
      == HookEvidence(pre: [PreTransfer(module: "push", request: "push/", arguments: args)]))
}

@Test func hostileBytesCannotAddFieldsOrLines() {
  let args: [[UInt8]] = [
    b("rsyncd"), b("a\tb"), b("c\nd"), [0xFF, 0x00], b("\r\npre-xfer\tpush\tx"), b("\\"),
  ]
  let line = HookEvidence.preLine(module: b("pu\tsh\n"), request: b("push/\n"), arguments: args)
  let fields = [
    "pre-xfer", #"pu\tsh\n"#, #"push/\n"#, "rsyncd", #"a\tb"#, #"c\nd"#, #"\xff\x00"#,
    #"\r\npre-xfer\tpush\tx"#, #"\\"#,
  ]
  #expect(line == b(fields.joined(separator: "\t") + "\n"))
  #expect(line.filter { $0 == 0x0A }.count == 1)
  #expect(line.filter { $0 == 0x09 }.count == 2 + args.count)
  #expect(
    HookEvidence.parse(line).pre == [
      PreTransfer(
        module: #"pu\tsh\n"#, request: #"push/\n"#,
        arguments: ["rsyncd", #"a\tb"#, #"c\nd"#, #"\xff\x00"#, #"\r\npre-xfer\tpush\tx"#, #"\\"#])
    ])
}

@Test func fieldsAreCutAt512BytesAndLinesAt64Fields() {
  let long = [UInt8](repeating: UInt8(ascii: "a"), count: 600)
  let cut = HookEvidence.parse(
    HookEvidence.preLine(module: b("push"), request: b("push/"), arguments: [long]))
  #expect(cut.pre.first?.arguments == [String(repeating: "a", count: 512)])
  let many = (0..<100).map { b("arg\($0)") }
  let parsed = HookEvidence.parse(
    HookEvidence.preLine(module: b("push"), request: b("push/"), arguments: many))
  #expect(parsed.pre.first?.arguments == (0..<61).map { "arg\($0)" })
}

@Test func malformedLinesAreIgnored() {
  let text = [
    "garbage", "pre-xfer\tpush", "post-xfer\tpush\t0", "PRE-XFER\tpush\tpush/",
    " pre-xfer\tpush\tpush/", "", "\t\t", "pre-xfer\tpush\tpush/\trsyncd",
  ].joined(separator: "\n")
  let evidence = HookEvidence.parse(b(text + "\n") + [0xFF, 0x0A])
  #expect(
    evidence
      == HookEvidence(pre: [PreTransfer(module: "push", request: "push/", arguments: ["rsyncd"])]))
  #expect(HookEvidence.parse([]) == HookEvidence())
}

@Test func evidenceBeyondTheSizeLimitIsIgnored() {
  let filler = [UInt8](repeating: UInt8(ascii: "#"), count: HookEvidence.maximumSize) + [0x0A]
  #expect(HookEvidence.parse(filler + b("pre-xfer\tpush\tpush/\n")) == HookEvidence())
}
