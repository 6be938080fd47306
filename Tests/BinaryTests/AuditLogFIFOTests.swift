// A FIFO planted at the audit log's path: every session and root's readers fail at once
// (open with O_NONBLOCK, then "not a regular file" on the descriptor), none hangs. The plain
// case (allowed command, nobody reading) is FailureTests' auditLogFIFO; `pushgate log --file`
// on a FIFO is LogTests' neverFollowsASymlinkedRotationNorHangsOnAFIFO.
import Foundation
import Glibc
import TestSupport
import Testing

struct FIFOSessionCase: Sendable, CustomTestStringConvertible {
  let name: String
  let command: String?
  /// Whether the test holds the FIFO open for reading (then open(2) for writing succeeds and
  /// only fstat(2) tells it is no regular file).
  let hasReader: Bool
  var testDescription: String { name }
}

@Test(
  "a FIFO as audit log makes every session fail with 71 within seconds", .blocking,
  arguments: [
    FIFOSessionCase(
      name: "allowed command, a reader on the FIFO", command: "ALLOWED", hasReader: true),
    FIFOSessionCase(
      name: "refused command, a reader on the FIFO", command: "ls /", hasReader: true),
    FIFOSessionCase(name: "interactive login, nobody reading", command: nil, hasReader: false),
  ])
func auditLogFIFOFailsSessions(_ row: FIFOSessionCase) throws {
  let root = try Root()
  defer { root.remove() }
  #expect(mkfifo(root.log, 0o600) == 0)
  let reader = row.hasReader ? open(root.log, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1
  defer { if reader >= 0 { close(reader) } }
  let command = row.command == "ALLOWED" ? root.allowedCommand : row.command
  let started = Date()
  let result = try run(
    "/usr/bin/timeout",
    ["20", Binaries.serve, "--config", root.config, "--key", "laptop"],
    environment: sshEnvironment(command: command))
  #expect(result.status == 71)
  // 10 s allows for a loaded machine; a hang would run into the 20 s timeout.
  #expect(Date().timeIntervalSince(started) < 10)
  #expect(result.err == "pushgate: server error: cannot write the audit log; refusing to serve\n")
  #expect(result.stdout.isEmpty)
  #expect(root.rsyncRuns().isEmpty)
}

@Test(
  "a FIFO as audit log makes pushgate log (1) and pushgate status (66) fail within seconds",
  .blocking)
func auditLogFIFOFailsReaders() throws {
  let root = try Root()
  defer { root.remove() }
  #expect(mkfifo(root.log, 0o600) == 0)
  for (arguments, status) in [
    (["log", "--config", root.config], Int32(1)), (["status", "--config", root.config], 66),
  ] {
    let started = Date()
    let result = try run("/usr/bin/timeout", ["20", Binaries.pushgate] + arguments)
    #expect(result.status == status, "\(arguments[0])")
    #expect(Date().timeIntervalSince(started) < 10, "\(arguments[0])")
    #expect(result.err.contains("Invalid argument"), "\(arguments[0]): \(result.err)")
  }
}
