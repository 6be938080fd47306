// Audit rendering: visible bytes, JSON escaping, timestamps and every record as an exact line.
import Testing

@testable import PushgateCore

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

struct VisibleCase: Sendable, CustomTestStringConvertible {
  let name: String
  let input: [UInt8]
  let limit: Int
  let expected: String
  let truncated: Bool
  var testDescription: String { name }
}

private func visible(
  _ name: String, _ input: [UInt8], limit: Int = 256, _ expected: String, cut: Bool = false
)
  -> VisibleCase
{
  VisibleCase(name: name, input: input, limit: limit, expected: expected, truncated: cut)
}

let visibleCases: [VisibleCase] = [
  visible("printable ASCII", b("ab C~ !"), "ab C~ !"),
  visible("empty", [], ""),
  visible("newline", [0x0A], #"\n"#), visible("carriage return", [0x0D], #"\r"#),
  visible("tab", [0x09], #"\t"#), visible("backslash", b("\\"), #"\\"#),
  visible("a literal backslash-n stays distinguishable", b("\\n"), #"\\n"#),
  visible("NUL", [0x00], #"\x00"#), visible("ESC", [0x1B], #"\x1b"#),
  visible("DEL", [0x7F], #"\x7f"#), visible("0xFF", [0xFF], #"\xff"#),
  visible("bell and backspace", [0x07, 0x08], #"\x07\x08"#),
  visible("UTF-8 e-acute", b("\u{E9}"), #"\xc3\xa9"#),
  visible("UTF-8 Kelvin sign", b("\u{212A}"), #"\xe2\x84\xaa"#),
  visible("quote stays (JSONLine escapes it)", b("\""), "\""),
  visible("ANSI clear screen", b("\u{1B}[2J"), #"\x1b[2J"#),
  visible("cut at the limit", b("abcdef"), limit: 3, "abc", cut: true),
  visible("exactly the limit", b("abc"), limit: 3, "abc"),
  visible("limit 0", b("a"), limit: 0, "", cut: true),
  visible("escape not split by the limit", [0x0A, 0x0A], limit: 1, #"\n"#, cut: true),
  visible(
    "default limit is 256", [UInt8](repeating: 0x61, count: 300),
    String(repeating: "a", count: 256), cut: true),
]

@Test(arguments: visibleCases)
func rendersVisibleBytes(_ c: VisibleCase) {
  let rendered = VisibleBytes.render(c.input, limit: c.limit)
  #expect(rendered.text == c.expected)
  #expect(rendered.bytes == b(c.expected))
  #expect(rendered.isTruncated == c.truncated)
}

@Test func jsonLineEscapesQuotesAndBackslashes() {
  var line = JSONLine()
  line.add("s", "a\"b\\c")
  line.add("n", -5)
  line.add("t", true)
  line.add("f", false)
  line.add("raw", [0x0A, 0x22] as [UInt8])
  #expect(line.line == b(#"{"s":"a\"b\\\\c","n":-5,"t":true,"f":false,"raw":"\\n\""}"# + "\n"))
  #expect(JSONLine().line == b("{}\n"))
}

struct TimestampCase: Sendable, CustomTestStringConvertible {
  let seconds: Int
  let expected: String
  var testDescription: String { "\(seconds) is \(expected)" }
}

let timestampCases: [TimestampCase] = [
  .init(seconds: 0, expected: "1970-01-01T00:00:00Z"),
  .init(seconds: 86399, expected: "1970-01-01T23:59:59Z"),
  .init(seconds: 951_782_400, expected: "2000-02-29T00:00:00Z"),
  .init(seconds: 951_868_800, expected: "2000-03-01T00:00:00Z"),
  .init(seconds: 1_709_164_800, expected: "2024-02-29T00:00:00Z"),
  .init(seconds: 1_795_782_000, expected: "2026-11-27T12:20:00Z"),
  .init(seconds: -1, expected: "1969-12-31T23:59:59Z"),
  .init(seconds: -86400, expected: "1969-12-31T00:00:00Z"),
  .init(seconds: -86401, expected: "1969-12-30T23:59:59Z"),
  .init(seconds: -2_208_988_800, expected: "1900-01-01T00:00:00Z"),
  .init(seconds: -62_135_596_800, expected: "0001-01-01T00:00:00Z"),
  .init(seconds: 4_102_444_800, expected: "2100-01-01T00:00:00Z"),
  .init(seconds: 4_107_542_399, expected: "2100-02-28T23:59:59Z"),
  .init(seconds: 4_107_542_400, expected: "2100-03-01T00:00:00Z"),
  .init(seconds: 253_402_300_799, expected: "9999-12-31T23:59:59Z"),
]

@Test(arguments: timestampCases)
func rendersTimestamp(_ c: TimestampCase) {
  #expect(Timestamp.iso8601(c.seconds) == c.expected)
}

private let time = 1_795_782_000
private let command = "cd /backup && rsync --server --daemon ."
private let context = SessionContext(
  session: "0123456789abcdef", key: "laptop", originalCommand: b(command),
  sshConnection: b("203.0.113.7 51234 192.0.2.1 22"), sshClient: b("203.0.113.7 51234 22"),
  publicKey: PublicKey(type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIExampleKey+/="),
  home: "/home/backup", user: "backup")

private func head(_ event: String) -> String {
  #"{"v":1,"time":"2026-11-27T12:20:00Z","session":"0123456789abcdef","event":""# + event
    + #"","key":"laptop","peer":"203.0.113.7","port":51234"#
}
private let identity =
  #","pubkey_type":"ssh-ed25519","pubkey":"AAAAC3NzaC1lZDI1NTE5AAAAIExampleKey+/=","user":"backup""#
private let commandFields =
  #","command":"cd /backup && rsync --server --daemon .","command_bytes":39"#
private let push = HookEvidence(
  pre: [
    PreTransfer(
      module: "push", request: "push/",
      arguments: ["rsyncd", "--server", "-logDtpre.iLsfxCIvu", ".", "push/"])
  ])

struct RecordCase: Sendable, CustomTestStringConvertible {
  let name: String
  let line: [UInt8]
  let expected: String
  var testDescription: String { name }
}

let recordCases: [RecordCase] = [
  .init(
    name: "refused: not allowed", line: AuditRecord.refused(context, .notAllowed, time: time),
    expected: head("refused") + identity + commandFields + #","reason":"not-allowed"}"#),
  .init(
    name: "refused: busy, with the key's identity (no other record of the session has it)",
    line: AuditRecord.refused(context, .busy(limit: 2), time: time, waitedMilliseconds: 2000),
    expected: head("refused") + identity + commandFields + #","reason":"busy","wait_ms":2000}"#),
  .init(
    name: "refused: snapshot running",
    line: AuditRecord.refused(context, .snapshotRunning, time: time),
    expected: head("refused") + identity + commandFields + #","reason":"snapshot-running"}"#),
  .init(
    name: "refused: no command",
    line: {
      var c = context; c.originalCommand = nil
      return AuditRecord.refused(c, .notViaSSH, time: time)
    }(), expected: head("refused") + identity + #","reason":"not-via-ssh"}"#),
  .init(
    name: "refused: no key label, no peer, no public key",
    line: {
      let c = SessionContext(
        session: "fedcba9876543210", key: "", originalCommand: [], sshConnection: b("junk"))
      return AuditRecord.refused(c, .notViaSSH, time: 0)
    }(),
    expected:
      #"{"v":1,"time":"1970-01-01T00:00:00Z","session":"fedcba9876543210","event":"refused","key":"","#
      + #""user":"backup","command":"","command_bytes":0,"reason":"not-via-ssh"}"#),
  .init(
    name: "failed",
    line: AuditRecord.failed(
      context, .lockFile(path: "/backup/pushgate.lock", detail: "Permission denied"), time: time),
    expected: head("failed") + identity + commandFields
      + #","reason":"lock-file","detail":"cannot use lock file '/backup/pushgate.lock': Permission denied"}"#
  ),
  .init(
    name: "allowed",
    line: AuditRecord.allowed(context, slot: 1, waitedMilliseconds: 250, pid: 4242, time: time),
    expected: head("allowed") + identity + commandFields
      + #","reason":"allowed","slot":1,"wait_ms":250,"pid":4242}"#),
  .init(
    name: "refused: no area, with identity",
    line: AuditRecord.refused(context, .noArea, time: time),
    expected: head("refused") + identity + commandFields + #","reason":"no-area"}"#),
  .init(
    name: "refused: key busy, with the key's identity",
    line: AuditRecord.refused(context, .keyBusy, time: time, waitedMilliseconds: 0),
    expected: head("refused") + identity + commandFields + #","reason":"key-busy","wait_ms":0}"#),
  .init(
    name: "transfer ended: pushed, due",
    line: AuditRecord.transferEnded(
      context, .exited(0), milliseconds: 5000, evidence: push,
      changes: TransferChanges(created: 3, changed: 2, deleted: 1, bytesReceived: 4096),
      activity: .pushed, decision: .due, time: time),
    expected: head("transfer-ended")
      + #","status":0,"duration_ms":5000,"module":"push","request":"push/","#
      + #""dry_run":false,"pull":false,"args":"rsyncd --server -logDtpre.iLsfxCIvu . push/","#
      + #""activity":"pushed","created":3,"changed":2,"deleted":1,"bytes_received":4096,"#
      + #""snapshot":"due"}"#),
  .init(
    name: "transfer ended: pending within the interval",
    line: AuditRecord.transferEnded(
      context, .exited(0), milliseconds: 70, evidence: push, changes: TransferChanges(changed: 1),
      activity: .pushed, decision: .pending(reason: "min-interval", complete: true), time: time),
    expected: head("transfer-ended")
      + #","status":0,"duration_ms":70,"module":"push","request":"push/","#
      + #""dry_run":false,"pull":false,"args":"rsyncd --server -logDtpre.iLsfxCIvu . push/","#
      + #""activity":"pushed","created":0,"changed":1,"deleted":0,"bytes_received":0,"#
      + #""snapshot":"pending","snapshot_reason":"min-interval"}"#),
  .init(
    name: "transfer ended: signaled, transfer log unreadable",
    line: AuditRecord.transferEnded(
      context, .signaled(9), milliseconds: 10, evidence: HookEvidence(),
      changes: TransferChanges(isUnknown: true), activity: .pushed,
      decision: .pending(reason: "rsync-signaled", complete: false), time: time),
    expected: head("transfer-ended")
      + #","signal":9,"duration_ms":10,"activity":"pushed","created":0,"changed":0,"deleted":0,"#
      + #""bytes_received":0,"transfer_log":"unreadable","snapshot":"pending","#
      + #""snapshot_reason":"rsync-signaled"}"#),
  .init(
    name: "transfer ended: a restore",
    line: AuditRecord.transferEnded(
      context, .exited(0), milliseconds: 10, evidence: HookEvidence(),
      changes: TransferChanges(sent: 12), activity: .restored,
      decision: .skipped(reason: "unchanged"), time: time),
    expected: head("transfer-ended")
      + #","status":0,"duration_ms":10,"activity":"restored","created":0,"changed":0,"#
      + #""deleted":0,"bytes_received":0,"sent":12,"snapshot":"skipped","snapshot_reason":"unchanged"}"#
  ),
  .init(
    name: "snapshot ended: rsnapshot's warning (2) is a failure, with output",
    line: AuditRecord.snapshotEnded(
      context, .ended(.exited(2)), milliseconds: 60000, waitedMilliseconds: 0, mode: .wait,
      outputTail: b("warn: \"x\"\n"), time: time),
    expected: head("snapshot-ended")
      + #","result":"failed","status":2,"mode":"wait","wait_ms":0,"duration_ms":60000,"output":"warn: \"x\"\\n"}"#
  ),
  .init(
    name: "snapshot ended: btrfs made its snapshot",
    line: AuditRecord.snapshotEnded(
      context, .created(name: "2026-11-30T120312Z"), milliseconds: 31, waitedMilliseconds: 0,
      mode: .wait, outputTail: [], time: time),
    expected: head("snapshot-ended")
      + #","result":"ok","snapshot":"2026-11-30T120312Z","mode":"wait","wait_ms":0,"duration_ms":31}"#
  ),
  .init(
    name: "snapshot ended: btrfs refused it",
    line: AuditRecord.snapshotEnded(
      context, .refused(detail: "btrfs snapshot 'x': No space left on device"), milliseconds: 2,
      waitedMilliseconds: 0, mode: .detach, outputTail: [], time: time),
    expected: head("snapshot-ended")
      + #","result":"failed","detail":"btrfs snapshot 'x': No space left on device","mode":"detach","wait_ms":0,"duration_ms":2}"#
  ),
  .init(
    name: "snapshot ended: the sync failed, so no level ran",
    line: AuditRecord.snapshotEnded(
      context, .syncFailed(.ended(.exited(1))), milliseconds: 900, waitedMilliseconds: 0,
      mode: .detach, outputTail: [], time: time),
    expected: head("snapshot-ended")
      + #","result":"sync-failed","sync":"failed","status":1,"mode":"detach","wait_ms":0,"duration_ms":900}"#
  ),
  .init(
    name: "snapshot ended: the sync timed out",
    line: AuditRecord.snapshotEnded(
      context, .syncFailed(.timedOut), milliseconds: 2000, waitedMilliseconds: 0, mode: .wait,
      outputTail: [], time: time),
    expected: head("snapshot-ended")
      + #","result":"sync-failed","sync":"timeout","mode":"wait","wait_ms":0,"duration_ms":2000}"#
  ),
  .init(
    name: "snapshot ended: not started",
    line: AuditRecord.snapshotEnded(
      context, .notStarted(detail: "No such file"), milliseconds: 0, waitedMilliseconds: 5,
      mode: .detach,
      outputTail: [], time: time),
    expected: head("snapshot-ended")
      + #","result":"not-started","detail":"No such file","mode":"detach","wait_ms":5,"duration_ms":0}"#
  ),
  .init(
    name: "snapshot ended: timed out",
    line: AuditRecord.snapshotEnded(
      context, .timedOut, milliseconds: 3_600_000, waitedMilliseconds: 1, mode: .wait,
      outputTail: [], time: time),
    expected: head("snapshot-ended")
      + #","result":"timeout","mode":"wait","wait_ms":1,"duration_ms":3600000}"#),
]

@Test(arguments: recordCases)
func rendersRecord(_ c: RecordCase) {
  #expect(String(decoding: c.line, as: UTF8.self) == c.expected + "\n")
  #expect(flatJSON(c.line) != nil)
}

@Test func hostileCommandMakesOneSafeLine() throws {
  var hostile =
    b("\u{1B}[2J\u{1B}]0;pwned\u{07}\n{\"event\":\"allowed\"} \\\" ") + [0xFF, 0xC0, 0x00]
  hostile += [UInt8](repeating: UInt8(ascii: "A"), count: 1000 - hostile.count)
  var c = context
  c.originalCommand = hostile
  c.key = "lap\"top\n"
  let line = AuditRecord.refused(c, .notAllowed, time: time)
  #expect(line.last == 0x0A)
  #expect(line.filter { $0 == 0x0A }.count == 1)
  #expect(line.dropLast().allSatisfy { $0 >= 0x20 && $0 < 0x7F })
  let text = String(decoding: line, as: UTF8.self)
  #expect(text.contains(#","command_truncated":true,"command_bytes":1000,"reason":"not-allowed"}"#))
  let fields = try #require(flatJSON(line))
  #expect(
    fields.map(\.key) == [
      "v", "time", "session", "event", "key", "peer", "port", "pubkey_type", "pubkey", "user",
      "command",
      "command_truncated", "command_bytes", "reason",
    ])
  #expect(fields.first { $0.key == "event" }?.value == "refused")
  #expect(fields.first { $0.key == "key" }?.value == #"lap"top\n"#)
  #expect(fields.first { $0.key == "command" }?.value == VisibleBytes.render(hostile).text)
}

@Test func commandIsMarkedTruncatedOnlyBeyond256Bytes() {
  for (count, truncated) in [(255, false), (256, false), (257, true)] {
    var c = context
    c.originalCommand = [UInt8](repeating: UInt8(ascii: "x"), count: count)
    let text = String(decoding: AuditRecord.refused(c, .notAllowed, time: time), as: UTF8.self)
    let shown = String(repeating: "x", count: min(count, 256))
    let expected =
      #","command":""# + shown + #"""# + (truncated ? #","command_truncated":true"# : "")
      + #","command_bytes":\#(count),"reason":"not-allowed"}"# + "\n"
    #expect(text.hasSuffix(expected), "\(count) bytes")
  }
}

@Test func longPublicKeyIsNotCut() {
  var c = context
  let blob = String(repeating: "AAAAB3NzaC1yc2EAAAADAQABAAACAQ", count: 24)
  c.publicKey = PublicKey(type: "ssh-rsa", base64: blob)
  let text = String(
    decoding: AuditRecord.allowed(c, slot: 0, waitedMilliseconds: 0, pid: 1, time: time),
    as: UTF8.self)
  #expect(blob.utf8.count == 720)
  #expect(text.contains(#","pubkey_type":"ssh-rsa","pubkey":""# + blob + #"","user":"backup","#))
}

@Test func theJSONCheckerRejectsBrokenLines() {
  for broken in [
    #"{"a":"b}"#, #"{"a":"b\q"}"#, "{\"a\":\"\u{1}\"}", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1}{"#,
    #"{"a":1,"a":2}"#,
  ] {
    #expect(flatJSON(b(broken + "\n")) == nil, "\(broken)")
  }
  #expect(
    flatJSON(b(#"{"a":"\"\\\/\n\u0041","b":-1,"c":true}"# + "\n"))?.map(\.value) == [
      "\"\\/\nA", "-1", "true",
    ])
}
