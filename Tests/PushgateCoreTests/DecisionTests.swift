// Whether a finished session is a real push (snapshot due), and the hooks' evidence lines.
import Testing

@testable import PushgateCore

struct DecisionCase: Sendable, CustomTestStringConvertible {
  let name: String
  let transfer: ProcessEnd
  let evidence: HookEvidence
  let snapshotOn: [Int32]
  let expected: SnapshotDecision
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let pushArgs = ["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "."]

private func pre(_ arguments: [String] = pushArgs, module: String = "push") -> PreTransfer {
  PreTransfer(module: module, request: module + "/", arguments: arguments)
}

private func post(_ status: String = "0", module: String = "push") -> PostTransfer {
  PostTransfer(module: module, status: status)
}

private func decision(
  _ name: String, end transfer: ProcessEnd = .exited(0), pre: [PreTransfer] = [pre()],
  post: [PostTransfer] = [post()], on: [Int32] = [0], _ expected: SnapshotDecision,
  sourceLocation: SourceLocation = #_sourceLocation
) -> DecisionCase {
  DecisionCase(
    name: name, transfer: transfer, evidence: HookEvidence(pre: pre, post: post), snapshotOn: on,
    expected: expected, sourceLocation: sourceLocation)
}

private func skipped(_ reason: String) -> SnapshotDecision { .skipped(reason: reason) }

let decisionCases: [DecisionCase] = [
  decision("real push", .due),
  decision(
    "status 24 not in snapshot_on", end: .exited(24), post: [post("24")], skipped("rsync-status")),
  decision(
    "status 24 with snapshot_on 0 24", end: .exited(24), post: [post("24")], on: [0, 24], .due),
  decision("status 23", end: .exited(23), post: [post("23")], skipped("rsync-status")),
  decision("signaled", end: .signaled(9), skipped("rsync-signaled")),
  decision(
    "signal 24 is not status 24", end: .signaled(24), on: [0, 24], skipped("rsync-signaled")),
  decision("no pre-xfer evidence", pre: [], skipped("no-pre-xfer-evidence")),
  decision("no evidence at all", pre: [], post: [], skipped("no-pre-xfer-evidence")),
  decision(
    "other module", pre: [pre(module: "restore")], post: [post(module: "restore")],
    skipped("other-module")),
  decision("module with a suffix", pre: [pre(module: "push2")], skipped("other-module")),
  decision("module in capitals", pre: [pre(module: "PUSH")], skipped("other-module")),
  decision(
    "second transfer in another module", pre: [pre(), pre(module: "etc")], skipped("other-module")),
  decision(
    "pull (--sender)",
    pre: [pre(["rsyncd", "--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "push/"])],
    skipped("pull")),
  decision(
    "dry run in the short cluster",
    pre: [pre(["rsyncd", "--server", "-nlogDtpre.iLsfxCIvu", ".", "."])],
    skipped("dry-run")),
  decision(
    "dry run as a separate -n",
    pre: [pre(["rsyncd", "--server", "-n", "-logDtpre.iLsfxCIvu", ".", "."])],
    skipped("dry-run")),
  decision(
    "--dry-run", pre: [pre(["rsyncd", "--server", "--dry-run", "-logDtpre.iLsfxCIvu", ".", "."])],
    skipped("dry-run")),
  decision(
    "n after e is a capability, not a dry run",
    pre: [pre(["rsyncd", "--server", "-logDtpre.iLsfxCIvnu", ".", "."])], .due),
  decision(
    "-n after the first . is a path",
    pre: [pre(["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "-n"])],
    .due),
  decision(
    "--sender after the first . is a path",
    pre: [pre(["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "--sender"])], .due),
  decision(
    "--list-only",
    pre: [pre(["rsyncd", "--server", "--list-only", "-logDtpre.iLsfxCIvu", ".", "."])],
    skipped("list-only")),
  decision(
    "--only-write-batch=x",
    pre: [pre(["rsyncd", "--server", "--only-write-batch=x", "-logDtpre.iLsfxCIvu", ".", "."])],
    skipped("batch")),
  decision(
    "--read-batch=x",
    pre: [pre(["rsyncd", "--server", "--read-batch=x", "-logDtpre.iLsfxCIvu", ".", "."])],
    skipped("batch")),
  decision("missing post evidence", post: [], skipped("no-post-xfer-evidence")),
  decision("post with another status", post: [post("23")], skipped("post-xfer-status")),
  decision("post status 24 not accepted", post: [post("24")], skipped("post-xfer-status")),
  decision("post from another module", post: [post(module: "etc")], skipped("post-xfer-status")),
  decision("post status not a number", post: [post("0\\n")], skipped("post-xfer-status")),
  decision("post status empty", post: [post("")], skipped("post-xfer-status")),
  decision("one good post, one bad", post: [post(), post("12")], skipped("post-xfer-status")),
  decision(
    "custom push module", pre: [pre(module: "incoming")], post: [post(module: "incoming")],
    skipped("other-module")),
]

@Test(arguments: decisionCases)
func decidesSnapshot(_ c: DecisionCase) {
  var settings = Settings(root: "/backup")
  settings.snapshotOn = c.snapshotOn
  let got = SnapshotDecision.decide(transfer: c.transfer, evidence: c.evidence, settings: settings)
  #expect(got == c.expected, sourceLocation: c.sourceLocation)
}

@Test func customPushModuleIsDue() {
  var settings = Settings(root: "/backup")
  settings.pushModule = "incoming"
  let evidence = HookEvidence(pre: [pre(module: "incoming")], post: [post(module: "incoming")])
  #expect(
    SnapshotDecision.decide(transfer: .exited(0), evidence: evidence, settings: settings) == .due)
}

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

@Test func preAndPostLinesAreExactAndRoundTrip() {
  let args = ["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "push/"]
  let preLine = HookEvidence.preLine(module: b("push"), request: b("push/"), arguments: args.map(b))
  let postLine = HookEvidence.postLine(module: b("push"), status: b("0"))
  #expect(preLine == b("pre-xfer\tpush\tpush/\trsyncd\t--server\t-logDtpre.iLsfxCIvu\t.\tpush/\n"))
  #expect(postLine == b("post-xfer\tpush\t0\n"))
  let evidence = HookEvidence.parse(preLine + postLine)
  #expect(
    evidence
      == HookEvidence(
        pre: [PreTransfer(module: "push", request: "push/", arguments: args)],
        post: [PostTransfer(module: "push", status: "0")]))
}

@Test func hostileBytesCannotAddFieldsOrLines() {
  let args: [[UInt8]] = [
    b("rsyncd"), b("a\tb"), b("c\nd"), [0xFF, 0x00], b("\r\npost-xfer\tpush\t0"), b("\\"),
  ]
  let line = HookEvidence.preLine(module: b("pu\tsh\n"), request: b("push/\n"), arguments: args)
  let fields = [
    "pre-xfer", #"pu\tsh\n"#, #"push/\n"#, "rsyncd", #"a\tb"#, #"c\nd"#, #"\xff\x00"#,
    #"\r\npost-xfer\tpush\t0"#, #"\\"#,
  ]
  #expect(line == b(fields.joined(separator: "\t") + "\n"))
  #expect(line.filter { $0 == 0x0A }.count == 1)
  #expect(line.filter { $0 == 0x09 }.count == 2 + args.count)
  let evidence = HookEvidence.parse(
    line + HookEvidence.postLine(module: b("push\t0"), status: b("0\n")))
  #expect(
    evidence.pre == [
      PreTransfer(
        module: #"pu\tsh\n"#, request: #"push/\n"#,
        arguments: ["rsyncd", #"a\tb"#, #"c\nd"#, #"\xff\x00"#, #"\r\npost-xfer\tpush\t0"#, #"\\"#])
    ])
  #expect(evidence.post == [PostTransfer(module: #"push\t0"#, status: #"0\n"#)])
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
    "garbage", "pre-xfer\tpush", "post-xfer\tpush", "post-xfer\tpush\t0\textra",
    "PRE-XFER\tpush\tpush/",
    " pre-xfer\tpush\tpush/", "post-xfer", "", "\t\t", "pre-xfer\tpush\tpush/\trsyncd",
    "post-xfer\tpush\t0",
    "post-xfer push 0",
  ].joined(separator: "\n")
  let evidence = HookEvidence.parse(b(text + "\n") + [0xFF, 0x0A])
  #expect(
    evidence
      == HookEvidence(
        pre: [PreTransfer(module: "push", request: "push/", arguments: ["rsyncd"])],
        post: [PostTransfer(module: "push", status: "0")]))
  #expect(HookEvidence.parse([]) == HookEvidence())
}

@Test func evidenceBeyondTheSizeLimitIsIgnored() {
  let filler = [UInt8](repeating: UInt8(ascii: "#"), count: HookEvidence.maximumSize) + [0x0A]
  #expect(HookEvidence.parse(filler + b("post-xfer\tpush\t0\n")) == HookEvidence())
}
