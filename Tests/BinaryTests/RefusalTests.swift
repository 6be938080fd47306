// Commands other than the allowed one, and broken forced-command arguments: one stderr line,
// nothing on stdout, one escaped audit line, and no lock, evidence or rsync.
import Foundation
import TestSupport
import Testing

/// A refused command; `ROOT` in `command` and `logged` stands for the backup root.
struct RefusalCase: Sendable, CustomTestStringConvertible {
  let name: String
  let command: String?
  let stderr: String
  let reason: String
  /// The command as the audit log shows it after JSON decoding (`nil`: no command field).
  let logged: String?
  var truncated = false
  var testDescription: String { name }
}

private let notAllowed =
  "pushgate: refused: command not allowed for this key; it only runs backups (rsync daemon mode)\n"

let refusalCases: [RefusalCase] = [
  RefusalCase(
    name: "no command (interactive login)", command: nil,
    stderr:
      "pushgate: refused: this key only runs backups (rsync daemon mode); interactive logins are not allowed\n",
    reason: "interactive", logged: nil),
  RefusalCase(
    name: "an empty command", command: "",
    stderr:
      "pushgate: refused: this key only runs backups (rsync daemon mode); interactive logins are not allowed\n",
    reason: "interactive", logged: ""),
  RefusalCase(
    name: "ls /", command: "ls /", stderr: notAllowed, reason: "not-allowed", logged: "ls /"),
  RefusalCase(
    name: "the non-daemon rsync form",
    command: "cd ROOT && rsync --server -logDtpre.iLsfxCIvu . ROOT/incoming",
    stderr: notAllowed, reason: "not-allowed",
    logged: "cd ROOT && rsync --server -logDtpre.iLsfxCIvu . ROOT/incoming"),
  RefusalCase(
    name: "a pull in the non-daemon form",
    command: "cd ROOT && rsync --server --sender -logDtpre.iLsfxCIvu . /etc",
    stderr: notAllowed, reason: "not-allowed",
    logged: "cd ROOT && rsync --server --sender -logDtpre.iLsfxCIvu . /etc"),
  RefusalCase(
    name: "the allowed command without the cd", command: "rsync --server --daemon .",
    stderr: notAllowed, reason: "not-allowed", logged: "rsync --server --daemon ."),
  RefusalCase(
    name: "the allowed command with a trailing space",
    command: "cd ROOT && rsync --server --daemon . ",
    stderr: notAllowed, reason: "not-allowed", logged: "cd ROOT && rsync --server --daemon . "),
  RefusalCase(
    name: "the allowed command with a terminal escape and a newline",
    command: "cd ROOT && rsync --server --daemon .\u{1b}[2J\nrm -rf / #\u{7}",
    stderr: notAllowed, reason: "not-allowed",
    logged: #"cd ROOT && rsync --server --daemon .\x1b[2J\nrm -rf / #\x07"#),
  RefusalCase(
    name: "a command over 4096 bytes", command: String(repeating: "a", count: 4097),
    stderr: "pushgate: refused: command is 4097 bytes; the limit is 4096\n", reason: "too-long",
    logged: String(repeating: "a", count: 256), truncated: true),
]

@Test(
  "a refused command gets one stderr line, an escaped log line and nothing else", .blocking,
  arguments: refusalCases)
func refusedCommand(_ row: RefusalCase) throws {
  let root = try Root()
  defer { root.remove() }
  let command = row.command?.replacingOccurrences(of: "ROOT", with: root.path)
  let result = try root.serve(command)

  #expect(result.status == 77)
  #expect(result.stdout.isEmpty)
  #expect(result.err == row.stderr)

  let raw = FileManager.default.contents(atPath: root.log) ?? Data()
  #expect(raw.filter { $0 == UInt8(ascii: "\n") }.count == 1, "exactly one line")
  #expect(
    raw.allSatisfy { $0 == UInt8(ascii: "\n") || (0x20...0x7e).contains($0) }, "visible ASCII only")
  let records = root.records
  try #require(records.count == 1)
  let record = records[0]
  #expect(record.text("event") == "refused")
  #expect(record.text("reason") == row.reason)
  #expect(record.text("key") == "laptop")
  #expect(record.text("peer") == "203.0.113.7")
  #expect(record.int("port") == 51234)
  #expect(record.text("user") == account().user)
  #expect(record.text("session")?.utf8.count == 16)
  #expect(record.text("command") == row.logged?.replacingOccurrences(of: "ROOT", with: root.path))
  #expect(record.int("command_bytes") == command.map { $0.utf8.count })
  #expect(record.flag("command_truncated") == (row.truncated ? true : nil))

  #expect(root.rsyncRuns().isEmpty, "fake rsync never ran")
  #expect(!root.exists("pushgate.lock"), "no lock is taken before the decision")
  #expect(!root.exists(".pushgate"), "no evidence directory")
  #expect(!root.exists("snapshots.log"))
}

private let usage =
  "pushgate: usage: pushgate-serve [--config FILE] [--key LABEL] (run by sshd as a forced command)\n"

@Test(
  "bad forced-command arguments are a usage error before anything else, logged", .blocking,
  arguments: [
    ["--bogus", "x"], ["--key", "lap top"], ["--key"], ["--key", "lap/top"], ["--config="],
    ["laptop"], ["--key", String(repeating: "k", count: 65)],
  ])
func usageError(_ arguments: [String]) throws {
  let root = try Root()
  defer { root.remove() }
  let result = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config] + arguments)
  #expect(result.status == 64)
  #expect(result.stdout.isEmpty)
  #expect(result.err == usage)
  // The settings of --config can be read: the usage error is logged, and nothing more.
  #expect(root.records.map { $0.text("reason") } == ["usage"])
  #expect(root.rsyncRuns().isEmpty)
}
