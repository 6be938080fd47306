// The audit record of `pushgate rotate`, as exact lines.
import PushgateAdminCore
import PushgateCore
import Testing

private let time = 1_795_782_000

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

struct RotateRecordCase: Sendable, CustomTestStringConvertible {
  let name: String
  let line: [UInt8]
  let expected: String
  var testDescription: String { name }
}

let rotateRecordCases: [RotateRecordCase] = [
  .init(
    name: "rotate ended: ok",
    line: AuditRecord.rotateEnded(
      session: "00000000000000aa", key: "laptop", level: "daily",
      result: .ran(.ended(.exited(0))), milliseconds: 120, waitedMilliseconds: 3,
      outputTail: b("hourly.23 not present (yet)\n"), time: time),
    expected:
      #"{"v":1,"time":"2026-11-27T12:20:00Z","session":"00000000000000aa","event":"rotate-ended","#
      + #""key":"laptop","level":"daily","result":"ok","status":0,"wait_ms":3,"duration_ms":120,"#
      + #""output":"hourly.23 not present (yet)\\n"}"#),
  .init(
    name: "rotate ended: skipped",
    line: AuditRecord.rotateEnded(
      session: "00000000000000ab", key: "laptop", level: "hourly",
      result: .skipped(reason: "min-interval"), milliseconds: 0, waitedMilliseconds: 0,
      outputTail: [], time: time),
    expected:
      #"{"v":1,"time":"2026-11-27T12:20:00Z","session":"00000000000000ab","event":"rotate-ended","#
      + #""key":"laptop","level":"hourly","result":"skipped","reason":"min-interval","wait_ms":0,"#
      + #""duration_ms":0}"#),
  .init(
    name: "btrfs snapshot deleted",
    line: AuditRecord.snapshotDeleted(
      session: "00000000000000ac", key: "laptop", snapshot: "2026-01-01T000000Z",
      reason: "deleted: older than every preserve period", detail: nil, time: time),
    expected:
      #"{"v":1,"time":"2026-11-27T12:20:00Z","session":"00000000000000ac","#
      + #""event":"snapshot-deleted","key":"laptop","snapshot":"2026-01-01T000000Z","#
      + #""result":"ok","reason":"deleted: older than every preserve period"}"#),
  .init(
    name: "btrfs snapshot not deleted",
    line: AuditRecord.snapshotDeleted(
      session: "00000000000000ad", key: "laptop", snapshot: "2026-01-01T000000Z",
      reason: "deleted: not the first of its hour",
      detail: "delete btrfs snapshot 'x': Operation not permitted", time: time),
    expected:
      #"{"v":1,"time":"2026-11-27T12:20:00Z","session":"00000000000000ad","#
      + #""event":"snapshot-deleted","key":"laptop","snapshot":"2026-01-01T000000Z","#
      + #""result":"failed","reason":"deleted: not the first of its hour","#
      + #""detail":"delete btrfs snapshot 'x': Operation not permitted"}"#),
]

@Test(arguments: rotateRecordCases)
func rendersRotateRecord(_ c: RotateRecordCase) {
  #expect(c.line == Array((c.expected + "\n").utf8))
}
