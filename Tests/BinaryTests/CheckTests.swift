// `pushgate check` prints the decision pushgate-serve acts on, without any effect.
import Foundation
import Glibc
import Testing
import TestSupport

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
  CheckCase(name: "the non-daemon form", command: "cd ROOT && rsync --server -logDtpre.iLsfxCIvu . ROOT"),
  CheckCase(name: "a trailing space", command: "cd ROOT && rsync --server --daemon . "),
  CheckCase(name: "no cd", command: "rsync --server --daemon ."),
  CheckCase(name: "a terminal escape", command: "cd ROOT && rsync --server --daemon .\u{1b}[2J"),
  CheckCase(name: "4097 bytes", command: String(repeating: "x", count: 4097)),
]

@Test("pushgate check decides exactly as pushgate-serve acts", arguments: checkCases)
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
    let serveSession = try #require(root.records("allowed").first?.text("session"))
    let checkSession = try #require(sessionIn(check.out))
    let rsync = try #require(root.rsyncRuns().first)
    let argv = rsync.argv.map { quoted($0.replacingOccurrences(of: serveSession, with: checkSession)) }
    #expect(check.out.contains("\n  rsync argv:  \(argv.joined(separator: " "))\n"))
    #expect(check.out.contains("\n  directory:   \(rsync.directory)\n"))
  } else {
    let reason = try #require(root.records.first?.text("reason"))
    let message = serve.err.dropFirst("pushgate: ".count).dropLast()
    #expect(serve.err.hasPrefix("pushgate: "))
    #expect(check.out == "refuse \(reason): \(message)\n")
  }
}

/// The session id in the hook paths of check's plan.
private func sessionIn(_ text: String) -> String? {
  guard let range = text.range(of: "/.pushgate/") else { return nil }
  return String(text[range.upperBound...].prefix(16))
}

/// A word as `pushgate check` prints it: single-quoted unless it is plain.
private func quoted(_ word: String) -> String {
  let plain = word.unicodeScalars.allSatisfy {
    CharacterSet.alphanumerics.contains($0) && $0.isASCII || "/._-+,@:=".unicodeScalars.contains($0)
  }
  return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}

@Test("check fails on broken settings exactly as serve does")
func checkFailsOnBrokenSettings() throws {
  let root = try Root()
  defer { root.remove() }
  chmod(root.config, 0o664)
  let check = try run(
    Binaries.pushgate, ["check", "--config", root.config, "--key", "laptop", "--", root.allowedCommand])
  let serve = try root.serve(root.allowedCommand)
  let detail = try #require(root.records("failed").first?.text("detail"))
  #expect(check.status == 78)
  #expect(serve.status == 78)
  #expect(check.out == "fail settings: \(detail)\n")
  #expect(detail == "settings '\(root.config)' has mode 664; run 'chmod go-w \(root.config)'")
}

@Test("check fails on an unusable pushgate-serve path exactly as serve does")
func checkFailsOnUnusableServePath() throws {
  let root = try Root()
  defer { root.remove() }
  try FileManager.default.createDirectory(atPath: root.path + "/bin dir", withIntermediateDirectories: false)
  let copy = root.path + "/bin dir/pushgate-serve"
  try copyServe(to: copy)
  let check = try run(
    Binaries.pushgate,
    ["check", "--config", root.config, "--key", "laptop", "--serve", copy, "--", root.allowedCommand])
  let serve = try runFresh { try root.serve(root.allowedCommand, program: copy) }
  let detail = try #require(root.records("failed").first?.text("detail"))
  #expect(check.status == 71)
  #expect(serve.status == 71)
  #expect(check.out == "fail self-path: \(detail)\n")
  #expect(detail.contains("'\(copy)'"))
}
