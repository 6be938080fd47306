// `pushgate check` prints the decision pushgate-serve acts on, without any effect.
import Foundation
import Glibc
import TestSupport
import Testing

struct CheckCase: Sendable, CustomTestStringConvertible {
  let name: String
  /// `ROOT` stands for the backup root; `nil` is no command at all.
  let command: String?
  var testDescription: String { name }
}

let checkCases: [CheckCase] = [
  CheckCase(name: "the allowed command", command: "cd ROOT && rsync --server --daemon ."),
  CheckCase(name: "no command", command: nil),
  CheckCase(name: "ls /", command: "ls /"),
  CheckCase(
    name: "the non-daemon form", command: "cd ROOT && rsync --server -logDtpre.iLsfxCIvu . ROOT"),
  CheckCase(name: "a trailing space", command: "cd ROOT && rsync --server --daemon . "),
  CheckCase(name: "no cd", command: "rsync --server --daemon ."),
  CheckCase(name: "a terminal escape", command: "cd ROOT && rsync --server --daemon .\u{1b}[2J"),
  CheckCase(name: "4097 bytes", command: String(repeating: "x", count: 4097)),
]

@Test("pushgate check decides exactly as pushgate-serve acts", .blocking, arguments: checkCases)
func checkAgreesWithServe(_ row: CheckCase) throws {
  let root = try Root()
  defer { root.remove() }
  let command = row.command?.replacingOccurrences(of: "ROOT", with: root.path)
  let check = try run(
    Binaries.pushgate,
    ["check", "--config", root.config, "--key", "laptop"] + (command.map { ["--", $0] } ?? []),
    environment: ["PATH": "/usr/bin:/bin"])
  #expect(check.err == "")
  // check takes no slot, starts nothing and writes no log.
  #expect(!root.exists("pushgate.log"))
  #expect(!root.exists("pushgate.lock"))
  #expect(!root.exists(".pushgate"))
  #expect(root.rsyncRuns().isEmpty)

  let serve = try root.serve(command)
  #expect(check.status == serve.status)
  if serve.status == 0 {
    #expect(check.out.hasPrefix("allow\n"))
    let rsync = try #require(root.rsyncRuns().first)
    // The transfer log's tag is random: compare with check's. Both use slot 0's evidence.
    let serveTag = try #require(tagIn(rsync.argv.joined(separator: " ")))
    let checkTag = try #require(tagIn(check.out))
    let argv = rsync.argv.map {
      quoted($0.replacingOccurrences(of: serveTag, with: checkTag))
    }
    #expect(check.out.contains("\n  rsync argv:  \(argv.joined(separator: " "))\n"))
    #expect(check.out.contains("\n  directory:   \(rsync.directory)\n"))
  } else {
    let reason = try #require(root.records.first?.text("reason"))
    let message = serve.err.dropFirst("pushgate: ".count).dropLast()
    #expect(serve.err.hasPrefix("pushgate: "))
    #expect(check.out == "refuse \(reason): \(message)\n")
  }
}

/// The tag of the transfer log's format (`pushgate-TAG %m ...`).
private func tagIn(_ text: String) -> String? {
  guard let range = text.range(of: "log format=pushgate-") else { return nil }
  return String(text[range.upperBound...].prefix(16))
}

/// A word as `pushgate check` prints it: single-quoted unless it is plain.
private func quoted(_ word: String) -> String {
  let plain = word.unicodeScalars.allSatisfy {
    CharacterSet.alphanumerics.contains($0) && $0.isASCII || "/._-+,@:=".unicodeScalars.contains($0)
  }
  return plain && !word.isEmpty
    ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}

@Test("check fails on broken settings exactly as serve does", .blocking)
func checkFailsOnBrokenSettings() throws {
  let root = try Root()
  defer { root.remove() }
  chmod(root.config, 0o664)
  let check = try run(
    Binaries.pushgate,
    ["check", "--config", root.config, "--key", "laptop", "--", root.allowedCommand])
  let serve = try root.serve(root.allowedCommand)
  let detail = try #require(root.records("failed").first?.text("detail"))
  #expect(check.status == 78)
  #expect(serve.status == 78)
  #expect(check.out == "fail settings: \(detail)\n")
  #expect(detail == "settings '\(root.config)' has mode 664; run 'chmod go-w \(root.config)'")
}

struct CheckAreaCase: Sendable, CustomTestStringConvertible {
  let name: String
  let arguments: [String]
  let rsyncdConf: String?
  let status: Int32
  let decision: String
  var testDescription: String { name }
}

let checkAreaCases: [CheckAreaCase] = [
  CheckAreaCase(
    name: "a key without an area", arguments: ["--key", "desktop"], rsyncdConf: nil, status: 77,
    decision: "refuse no-area"),
  CheckAreaCase(
    name: "no --key", arguments: [], rsyncdConf: nil, status: 78, decision: "fail key-missing"),
  CheckAreaCase(
    name: "rsyncd.conf hiding what rsync did", arguments: ["--key", "laptop"],
    rsyncdConf: "[push]\npath = ROOT/keys/%PUSHGATE_KEY%/incoming\nlog file = /tmp/x\n",
    status: 78, decision: "fail rsyncd-conf"),
  CheckAreaCase(
    name: "the old single-area rsyncd.conf", arguments: ["--key", "laptop"],
    rsyncdConf: "[push]\npath = ROOT/incoming\n", status: 78, decision: "fail rsyncd-conf"),
]

@Test("check and serve agree on areas, keys and rsyncd.conf", .blocking, arguments: checkAreaCases)
func checkAgreesOnAreas(_ row: CheckAreaCase) throws {
  let root = try Root()
  defer { root.remove() }
  if let text = row.rsyncdConf {
    try write(
      text.replacingOccurrences(of: "ROOT", with: root.path), to: root.path + "/rsyncd.conf",
      mode: 0o644)
  }
  let check = try run(
    Binaries.pushgate,
    ["check", "--config", root.config] + row.arguments + ["--", root.allowedCommand])
  let serve = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config] + row.arguments)
  #expect(check.status == row.status)
  #expect(serve.status == row.status)
  #expect(check.out.hasPrefix(row.decision + ":"), "\(check.out)")
  let record = try #require(root.records.first)
  #expect(row.decision.hasSuffix(" " + (record.text("reason") ?? "?")))
  #expect(root.rsyncRuns().isEmpty)
  #expect(!root.exists("keys/desktop"), "a refused key never gets an area")
}

@Test("check fails on an unusable pushgate-serve path exactly as serve does", .blocking)
func checkFailsOnUnusableServePath() throws {
  let root = try Root()
  defer { root.remove() }
  try FileManager.default.createDirectory(
    atPath: root.path + "/bin dir", withIntermediateDirectories: false)
  let copy = root.path + "/bin dir/pushgate-serve"
  try copyServe(to: copy)
  let check = try run(
    Binaries.pushgate,
    [
      "check", "--config", root.config, "--key", "laptop", "--serve", copy, "--",
      root.allowedCommand,
    ])
  let serve = try runFresh { try root.serve(root.allowedCommand, program: copy) }
  let detail = try #require(root.records("failed").first?.text("detail"))
  #expect(check.status == 71)
  #expect(serve.status == 71)
  #expect(check.out == "fail self-path: \(detail)\n")
  #expect(detail.contains("'\(copy)'"))
}

@Test(
  "as root, check shows the environment rsync gets as the account that owns the key's area",
  .blocking)
func checkShowsTheAreaOwnersEnvironment() throws {
  try #require(geteuid() == 0, "check only changes the account when run as root")
  let root = try Root()
  defer { root.remove() }
  let owner = try TestAccount()
  defer { owner.remove() }
  #expect(chown(root.area + "/state", owner.uid, owner.gid) == 0)
  let check = try run(
    Binaries.pushgate,
    ["check", "--config", root.config, "--key", "laptop", "--", root.allowedCommand],
    environment: ["PATH": "/usr/bin:/bin", "HOME": "/root", "USER": "root"])
  #expect(check.status == 0)
  #expect(check.out.contains("\n  account:     \(owner.name) (owner of \(root.area)/state); "))
  #expect(check.out.contains("\n    HOME=\(owner.home)\n"))
  #expect(check.out.contains("\n    USER=\(owner.name)\n"))
  #expect(check.out.contains("\n    LOGNAME=\(owner.name)\n"))
  #expect(!check.out.contains("HOME=/root"))
  #expect(!check.out.contains("USER=root"))
}
