// Small tables: refusals, failures, exit statuses, daemon replies, peers, public keys, outcomes.
import Testing

@testable import PushgateCore

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

struct RefusalCase: Sendable, CustomTestStringConvertible {
  let refusal: Refusal
  let code: String
  let exitStatus: Int32
  let message: String
  var testDescription: String { code }
}

let refusalCases: [RefusalCase] = [
  .init(
    refusal: .notViaSSH, code: "not-via-ssh", exitStatus: 77,
    message: "refused: this key only runs backups (rsync daemon mode); no command was given"),
  .init(
    refusal: .interactive, code: "interactive", exitStatus: 77,
    message:
      "refused: this key only runs backups (rsync daemon mode); interactive logins are not allowed"),
  .init(
    refusal: .notAllowed, code: "not-allowed", exitStatus: 77,
    message: "refused: command not allowed for this key; it only runs backups (rsync daemon mode)"),
  .init(
    refusal: .tooLong(byteCount: 4097), code: "too-long", exitStatus: 77,
    message: "refused: command is 4097 bytes; the limit is 4096"),
  .init(
    refusal: .busy(limit: 3), code: "busy", exitStatus: 75,
    message: "max connections (3) reached -- try again later"),
  .init(
    refusal: .snapshotRunning, code: "snapshot-running", exitStatus: 75,
    message: "a snapshot of this key's backups is running -- try again later"),
  .init(
    refusal: .keyBusy, code: "key-busy", exitStatus: 75,
    message: "another session of this key is running -- try again later"),
  .init(
    refusal: .noArea, code: "no-area", exitStatus: 77,
    message: "no backup area for this key -- ask the administrator to run 'pushgate authorize'"),
]

@Test(arguments: refusalCases)
func describesRefusal(_ c: RefusalCase) {
  #expect(c.refusal.code == c.code)
  #expect(c.refusal.exitStatus == c.exitStatus)
  #expect(c.refusal.message == c.message)
}

struct FailureCase: Sendable, CustomTestStringConvertible {
  let failure: Failure
  let code: String
  let exitStatus: Int32
  let clientMessage: String
  let detail: String
  var testDescription: String { code }
}

let failureCases: [FailureCase] = [
  .init(
    failure: .settings(detail: "/b/pushgate.conf:2: 'rsync' needs a value"), code: "settings",
    exitStatus: 78,
    clientMessage: "server error: backup settings are invalid; the administrator must fix them",
    detail: "/b/pushgate.conf:2: 'rsync' needs a value"),
  .init(
    failure: .auditLog(path: "/backup/pushgate.log", detail: "Read-only file system"),
    code: "audit-log",
    exitStatus: 71, clientMessage: "server error: cannot write the audit log; refusing to serve",
    detail: "cannot write audit log '/backup/pushgate.log': Read-only file system"),
  .init(
    failure: .lockFile(path: "/backup/pushgate.lock", detail: "Permission denied"),
    code: "lock-file",
    exitStatus: 71, clientMessage: "server error: cannot use the lock file",
    detail: "cannot use lock file '/backup/pushgate.lock': Permission denied"),
  .init(
    failure: .spawn(program: "/usr/bin/rsync", detail: "No such file or directory"), code: "spawn",
    exitStatus: 71, clientMessage: "server error: cannot start a program",
    detail: "cannot start '/usr/bin/rsync': No such file or directory"),
  .init(
    failure: .evidence(
      path: "/backup/.pushgate/0123456789abcdef", detail: "No space left on device"),
    code: "evidence", exitStatus: 71, clientMessage: "server error: cannot record the session",
    detail:
      "cannot create evidence file '/backup/.pushgate/0123456789abcdef': No space left on device"),
  .init(
    failure: .selfPath(detail: "runs from '/a b'"), code: "self-path", exitStatus: 71,
    clientMessage: "server error: pushgate-serve is installed at an unusable path",
    detail: "runs from '/a b'"),
  .init(
    failure: .interrupted(signal: 15, waitingFor: "slot", waitedMilliseconds: 300),
    code: "interrupted", exitStatus: 143,
    clientMessage: "server: the session was stopped by a signal",
    detail: "SIGTERM while waiting for the slot"),
  .init(
    failure: .usage(detail: "x"), code: "usage", exitStatus: 64,
    clientMessage: "server error: the forced command is wrong; the administrator must fix it",
    detail: "x"),
  .init(
    failure: .keyMissing, code: "key-missing", exitStatus: 78,
    clientMessage: "server error: this key has no --key label; the administrator must fix it",
    detail:
      "the forced command gives no --key LABEL; every key needs its label and area "
      + "(pushgate authorize writes both)"),
  .init(
    failure: .rsyncdConf(detail: "/backup/rsyncd.conf has no [push] module"), code: "rsyncd-conf",
    exitStatus: 78,
    clientMessage:
      "server error: the rsync daemon's settings are unsafe; the administrator must fix them",
    detail: "/backup/rsyncd.conf has no [push] module"),
  .init(
    failure: .area(path: "/backup/keys/laptop/state/lock", detail: "open: Permission denied"),
    code: "area", exitStatus: 71, clientMessage: "server error: cannot use this key's backup area",
    detail: "cannot use area '/backup/keys/laptop/state/lock': open: Permission denied"),
]

@Test(arguments: failureCases)
func describesFailure(_ c: FailureCase) {
  #expect(c.failure.code == c.code)
  #expect(c.failure.exitStatus == c.exitStatus)
  #expect(c.failure.clientMessage == c.clientMessage)
  #expect(c.failure.detail == c.detail)
  // The client never sees paths or details.
  #expect(!c.failure.clientMessage.contains("/"))
}

@Test func exitStatusesAreTheDocumentedTable() {
  let table: [Int32] = [
    ExitStatus.success, ExitStatus.usage, ExitStatus.snapshotFailed, ExitStatus.software,
    ExitStatus.osError,
    ExitStatus.busy, ExitStatus.refused, ExitStatus.settings, ExitStatus.signalBase,
  ]
  #expect(table == [0, 64, 69, 70, 71, 75, 77, 78, 128])
  // Our own statuses never collide with rsync's (0-35) or with 128 + signal.
  #expect(table.dropFirst().dropLast().allSatisfy { $0 > 35 && $0 < 128 })
  #expect(Set(table).count == table.count)
}

@Test func daemonReplyBytes() {
  #expect(
    DaemonReply.refusal(Refusal.busy(limit: 1).message)
      == b("@RSYNCD: 31.0\n@ERROR: max connections (1) reached -- try again later\n"))
  #expect(
    DaemonReply.refusal(Refusal.snapshotRunning.message)
      == b(
        "@RSYNCD: 31.0\n@ERROR: a snapshot of this key's backups is running -- try again later\n"))
}

struct PeerCase: Sendable, CustomTestStringConvertible {
  let name: String
  let input: [UInt8]?
  let expected: PeerAddress?
  var testDescription: String { name }
}

private func peer(_ name: String, _ text: String, _ address: String? = nil, _ port: Int = 0)
  -> PeerCase
{
  PeerCase(
    name: name, input: b(text), expected: address.map { PeerAddress(address: $0, port: port) })
}

let peerCases: [PeerCase] = [
  peer("IPv4", "203.0.113.7 51234 192.0.2.1 22", "203.0.113.7", 51234),
  peer("IPv6", "2001:db8::1 51234 2001:db8::2 22", "2001:db8::1", 51234),
  peer("IPv6 in capitals", "2001:DB8::1 1 2001:DB8::2 22", "2001:DB8::1", 1),
  peer("sshd -i", "UNKNOWN 65535 UNKNOWN 65535", "UNKNOWN", 65535),
  peer("port 0", "203.0.113.7 0 192.0.2.1 22", "203.0.113.7", 0),
  peer("port 65535", "203.0.113.7 65535 192.0.2.1 22", "203.0.113.7", 65535),
  PeerCase(name: "unset", input: nil, expected: nil),
  peer("empty", ""),
  peer("three fields", "203.0.113.7 51234 192.0.2.1"),
  peer("five fields", "203.0.113.7 51234 192.0.2.1 22 x"),
  peer("junk", "hello world foo bar"),
  peer("host name", "client.example 51234 192.0.2.1 22"),
  peer("port 65536", "203.0.113.7 65536 192.0.2.1 22"),
  peer("server port 65536", "203.0.113.7 51234 192.0.2.1 65536"),
  peer("six-digit port", "203.0.113.7 000022 192.0.2.1 22"),
  peer("negative port", "203.0.113.7 -1 192.0.2.1 22"),
  peer("port with +", "203.0.113.7 +22 192.0.2.1 22"),
  peer("double spaces", "203.0.113.7  51234 192.0.2.1 22"),
  peer("leading space", " 203.0.113.7 51234 192.0.2.1 22"),
  peer("trailing space", "203.0.113.7 51234 192.0.2.1 22 "),
  peer("tabs", "203.0.113.7\t51234\t192.0.2.1\t22"),
  peer("trailing newline", "203.0.113.7 51234 192.0.2.1 22\n"),
  peer("IPv6 zone", "fe80::1%eth0 51234 fe80::2 22"),
  peer("shell syntax", "$(id) 51234 192.0.2.1 22"),
  peer("escape sequence", "\u{1B}[2J 51234 192.0.2.1 22"),
  peer("address of 46 bytes", String(repeating: "1", count: 46) + " 1 2.2.2.2 22"),
  peer(
    "over 200 bytes",
    String(repeating: "1", count: 45) + " 1 " + String(repeating: "2", count: 150) + " 22"),
  PeerCase(name: "0xFF", input: b("203.0.113.7 51234 192.0.2.1 22") + [0xFF], expected: nil),
  PeerCase(name: "NUL", input: b("203.0.113.7 51234 192.0.2.1 2") + [0], expected: nil),
]

@Test(arguments: peerCases)
func parsesPeerAddress(_ c: PeerCase) {
  #expect(PeerAddress.parse(c.input) == c.expected)
}

struct PublicKeyCase: Sendable, CustomTestStringConvertible {
  let name: String
  let contents: String
  let expected: PublicKey?
  var testDescription: String { name }
}

private let ed = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

let publicKeyCases: [PublicKeyCase] = [
  .init(
    name: "ed25519 line", contents: "publickey ssh-ed25519 \(ed)\n",
    expected: PublicKey(type: "ssh-ed25519", base64: ed)),
  .init(
    name: "without a newline", contents: "publickey ssh-ed25519 \(ed)",
    expected: PublicKey(type: "ssh-ed25519", base64: ed)),
  .init(
    name: "first publickey wins",
    contents: "publickey ssh-ed25519 \(ed)\npublickey ssh-rsa AAAAB3Nza\n",
    expected: PublicKey(type: "ssh-ed25519", base64: ed)),
  .init(
    name: "password and keyboard-interactive ignored",
    contents: "password\nkeyboard-interactive\npublickey ecdsa-sha2-nistp256 AAAAE2Vj\n",
    expected: PublicKey(type: "ecdsa-sha2-nistp256", base64: "AAAAE2Vj")),
  .init(
    name: "certificate type", contents: "publickey ssh-ed25519-cert-v01@openssh.com AAAA+/=\n",
    expected: PublicKey(type: "ssh-ed25519-cert-v01@openssh.com", base64: "AAAA+/=")),
  .init(
    name: "malformed first line skipped",
    contents: "publickey ssh-ed25519 AA;id\npublickey ssh-rsa AAAAB3\n",
    expected: PublicKey(type: "ssh-rsa", base64: "AAAAB3")),
  .init(name: "empty", contents: "", expected: nil),
  .init(name: "junk", contents: "hello\n\u{1B}[2J\n", expected: nil),
  .init(name: "publickey without a blob", contents: "publickey ssh-ed25519\n", expected: nil),
  .init(name: "PUBLICKEY in capitals", contents: "PUBLICKEY ssh-ed25519 \(ed)\n", expected: nil),
  .init(name: "type with a slash", contents: "publickey ssh/ed25519 \(ed)\n", expected: nil),
  .init(name: "blob with a quote", contents: "publickey ssh-ed25519 AAAA\"x\n", expected: nil),
  .init(name: "blob with CR", contents: "publickey ssh-ed25519 AAAA\r\n", expected: nil),
  .init(
    name: "type of 65 bytes", contents: "publickey \(String(repeating: "t", count: 65)) AAAA\n",
    expected: nil),
]

@Test(arguments: publicKeyCases)
func findsPublicKey(_ c: PublicKeyCase) {
  #expect(PublicKey.fromUserAuth(b(c.contents)) == c.expected)
}

@Test func processEndPassesOnStatus() {
  #expect(ProcessEnd.exited(0).passedOnStatus == 0)
  #expect(ProcessEnd.exited(23).passedOnStatus == 23)
  #expect(ProcessEnd.exited(255).passedOnStatus == 255)
  #expect(ProcessEnd.signaled(9).passedOnStatus == 137)
  #expect(ProcessEnd.signaled(15).passedOnStatus == 143)
  var line = JSONLine()
  ProcessEnd.exited(24).record(into: &line)
  ProcessEnd.signaled(2).record(into: &line)
  #expect(line.line == b(#"{"status":24,"signal":2}"# + "\n"))
}

struct OutcomeCase: Sendable, CustomTestStringConvertible {
  let outcome: SnapshotOutcome
  let code: String
  let isSuccess: Bool
  let message: String
  var testDescription: String { "\(outcome)" }
}

let outcomeCases: [OutcomeCase] = [
  .init(outcome: .ended(.exited(0)), code: "ok", isSuccess: true, message: "snapshot taken"),
  .init(
    outcome: .ended(.exited(2)), code: "failed", isSuccess: false,
    message: "snapshot failed (status 2); your data arrived and is kept for the next snapshot"),
  .init(
    outcome: .ended(.exited(1)), code: "failed", isSuccess: false,
    message: "snapshot failed (status 1); your data arrived and is kept for the next snapshot"),
  .init(
    outcome: .ended(.signaled(2)), code: "failed", isSuccess: false,
    message: "snapshot failed (status 130); your data arrived and is kept for the next snapshot"),
  .init(
    outcome: .ended(.signaled(0)), code: "failed", isSuccess: false,
    message: "snapshot failed (status 128); your data arrived and is kept for the next snapshot"),
  .init(
    outcome: .timedOut, code: "timeout", isSuccess: false,
    message:
      "snapshot timed out and was stopped; your data arrived and is kept for the next snapshot"),
  .init(
    outcome: .treeBusy, code: "tree-busy", isSuccess: false,
    message:
      "snapshot not taken: the area stayed busy; your data arrived and is kept for the next snapshot"
  ),
  .init(
    outcome: .notStarted(detail: "ENOENT"), code: "not-started", isSuccess: false,
    message: "snapshot could not be started; your data arrived and is kept for the next snapshot"),
  .init(
    outcome: .syncFailed(.ended(.exited(1))), code: "sync-failed", isSuccess: false,
    message:
      "snapshot not taken: its sync failed (status 1); the history is unchanged and your data arrived and is kept for the next snapshot"
  ),
  .init(
    outcome: .syncFailed(.ended(.exited(2))), code: "sync-failed", isSuccess: false,
    message:
      "snapshot not taken: its sync failed (status 2); the history is unchanged and your data arrived and is kept for the next snapshot"
  ),
  .init(
    outcome: .syncFailed(.ended(.signaled(9))), code: "sync-failed", isSuccess: false,
    message:
      "snapshot not taken: its sync failed (status 137); the history is unchanged and your data arrived and is kept for the next snapshot"
  ),
  .init(
    outcome: .syncFailed(.timedOut), code: "sync-failed", isSuccess: false,
    message:
      "snapshot not taken: its sync timed out and was stopped; the history is unchanged and your data arrived and is kept for the next snapshot"
  ),
  .init(
    outcome: .syncFailed(.notStarted(detail: "unlink: EACCES")), code: "sync-failed",
    isSuccess: false,
    message:
      "snapshot not taken: its sync could not be started; the history is unchanged and your data arrived and is kept for the next snapshot"
  ),
]

@Test(arguments: outcomeCases)
func describesSnapshotOutcome(_ c: OutcomeCase) {
  #expect(c.outcome.code == c.code)
  #expect(c.outcome.isSuccess == c.isSuccess)
  #expect(c.outcome.clientMessage == c.message)
}
