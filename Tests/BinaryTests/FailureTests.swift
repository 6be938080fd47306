// Server-side failures after the decision, signals, and what sshd's variables become.
import Foundation
import Glibc
import TestSupport
import Testing

/// A file or directory of the root the gate must not use.
struct UntrustedPathCase: Sendable, CustomTestStringConvertible {
  enum Breakage: Sendable {
    case lockSymlink, lockDirectory, lockFIFO, areaLockFIFO, evidenceSymlink, evidenceGroupWritable
  }
  let name: String
  let breakage: Breakage
  let stderr: String
  let reason: String
  var testDescription: String { name }
}

@Test(
  "an untrustworthy lock file or evidence directory fails closed", .blocking,
  arguments: [
    UntrustedPathCase(
      name: "lock file is a symlink", breakage: .lockSymlink,
      stderr: "pushgate: server error: cannot use the lock file\n", reason: "lock-file"),
    UntrustedPathCase(
      name: "lock file is a directory", breakage: .lockDirectory,
      stderr: "pushgate: server error: cannot use the lock file\n", reason: "lock-file"),
    UntrustedPathCase(
      name: "lock file is a FIFO (it must not hang the gate)", breakage: .lockFIFO,
      stderr: "pushgate: server error: cannot use the lock file\n", reason: "lock-file"),
    UntrustedPathCase(
      name: "the area's lock file is a FIFO", breakage: .areaLockFIFO,
      stderr: "pushgate: server error: cannot use this key's backup area\n", reason: "area"),
    UntrustedPathCase(
      name: "evidence directory is a symlink", breakage: .evidenceSymlink,
      stderr: "pushgate: server error: cannot record the session\n", reason: "evidence"),
    UntrustedPathCase(
      name: "evidence directory is group-writable", breakage: .evidenceGroupWritable,
      stderr: "pushgate: server error: cannot record the session\n", reason: "evidence"),
  ])
func untrustedPath(_ row: UntrustedPathCase) throws {
  let root = try Root()
  defer { root.remove() }
  let fileManager = FileManager.default
  let elsewhere = root.path + "/elsewhere"
  switch row.breakage {
  case .lockSymlink:
    try fileManager.createSymbolicLink(atPath: root.lockFile, withDestinationPath: elsewhere)
  case .lockDirectory:
    try fileManager.createDirectory(atPath: root.lockFile, withIntermediateDirectories: false)
  case .lockFIFO: #expect(mkfifo(root.lockFile, 0o600) == 0)
  case .areaLockFIFO: #expect(mkfifo(root.area + "/state/lock", 0o600) == 0)
  case .evidenceSymlink:
    try fileManager.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
    try fileManager.createSymbolicLink(
      atPath: root.path + "/.pushgate", withDestinationPath: elsewhere)
  case .evidenceGroupWritable:
    try fileManager.createDirectory(
      atPath: root.path + "/.pushgate", withIntermediateDirectories: false)
    chmod(root.path + "/.pushgate", 0o770)
  }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 71)
  #expect(result.stdout.isEmpty)
  #expect(result.err == row.stderr)
  #expect(root.records.map { $0.text("event") } == ["failed"])
  #expect(root.records.first?.text("reason") == row.reason)
  #expect(root.rsyncRuns().isEmpty)
  if row.breakage == .lockSymlink { #expect(!root.exists("elsewhere")) }
  if row.breakage == .evidenceSymlink {
    #expect((try? fileManager.contentsOfDirectory(atPath: elsewhere)) == [])
  }
}

@Test(
  "an rsync that cannot be started is logged after allowed, and the evidence is removed", .blocking)
func rsyncCannotStart() throws {
  let root = try Root()
  defer { root.remove() }
  try root.editSettings(replacing: "/fake-rsync", with: "/no-such-rsync")
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 71)
  #expect(result.stdout.isEmpty)
  #expect(result.err == "pushgate: server error: cannot start a program\n")
  let records = root.records
  #expect(records.map { $0.text("event") } == ["allowed", "failed"])
  #expect(records.last?.text("reason") == "spawn")
  #expect(
    records.last?.text("detail")?.hasPrefix("cannot start '\(root.path)/no-such-rsync': ") == true)
  #expect((try? FileManager.default.contentsOfDirectory(atPath: root.path + "/.pushgate")) == [])
}

@Test(
  "SIGTERM, SIGHUP and SIGINT to the gate reach rsync, and the session still ends in the log",
  .blocking,
  arguments: [SIGTERM, SIGHUP, SIGINT])
func signalIsForwarded(_ signal: Int32) throws {
  let root = try Root(scenario: Scenario(sleep: 30))
  let serve = try root.startServe(root.allowedCommand, name: "serve")
  defer {
    serve.signal(SIGKILL)
    killLeftovers(root)
    root.remove()
  }
  try #require(eventually { root.rsyncRuns().first?.sleepPid != nil })
  let rsync = try #require(root.rsyncRuns().first?.pid)
  serve.signal(signal)

  #expect(serve.wait() == 128 + signal, "exits with rsync's end, not killed itself")
  #expect(isGone(rsync))
  let transfer = try #require(root.records("transfer-ended").first)
  #expect(transfer.int("signal") == Int(signal))
  #expect(transfer.text("snapshot_reason") == "rsync-signaled")
  #expect(root.snapshotRuns().isEmpty)
}

@Test("a gate started with termination signals blocked still passes SIGTERM on", .blocking)
func sigtermIsForwardedWhenInheritedBlocked() throws {
  let root = try Root(scenario: Scenario(sleep: 30))
  // Foundation's Process passes the test runner's signal mask on: SIGTERM arrives blocked.
  let process = Process()
  process.executableURL = URL(fileURLWithPath: Binaries.serve)
  process.arguments = ["--config", root.config, "--key", "laptop"]
  process.environment = sshEnvironment(command: root.allowedCommand)
  process.standardInput = FileHandle.nullDevice
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  defer {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    killLeftovers(root)
    root.remove()
  }
  try #require(eventually { root.rsyncRuns().first?.sleepPid != nil })
  kill(process.processIdentifier, SIGTERM)
  #expect(eventually(within: 5) { !process.isRunning })
  #expect(root.records("transfer-ended").first?.int("signal") == 15)
}

struct ConnectionCase: Sendable, CustomTestStringConvertible {
  let name: String
  let connection: String?
  /// Logged peer address and port; `nil`: no peer, and nothing passed to rsync.
  let peer: String?
  let port: Int?
  var testDescription: String { name }
}

@Test(
  "SSH_CONNECTION reaches the log when well-formed, and rsync when it names an address", .blocking,
  arguments: [
    ConnectionCase(
      name: "IPv4", connection: "203.0.113.7 51234 192.0.2.1 22", peer: "203.0.113.7", port: 51234),
    ConnectionCase(
      name: "IPv6", connection: "2001:db8::7 40000 2001:db8::1 22", peer: "2001:db8::7", port: 40000
    ),
    ConnectionCase(
      name: "sshd -i", connection: "UNKNOWN 65535 UNKNOWN 65535", peer: "UNKNOWN", port: 65535),
    ConnectionCase(name: "unset", connection: nil, peer: nil, port: nil),
    ConnectionCase(
      name: "five fields", connection: "203.0.113.7 51234 192.0.2.1 22 x", peer: nil, port: nil),
    ConnectionCase(
      name: "shell syntax", connection: "203.0.113.7;id 51234 192.0.2.1 22", peer: nil, port: nil),
    ConnectionCase(
      name: "port out of range", connection: "203.0.113.7 65536 192.0.2.1 22", peer: nil, port: nil),
  ])
func sshConnection(_ row: ConnectionCase) throws {
  let root = try Root()
  defer { root.remove() }
  var environment = sshEnvironment(command: root.allowedCommand)
  environment["SSH_CONNECTION"] = row.connection
  environment["SSH_CLIENT"] = nil
  let result = try run(
    Binaries.serve, ["--config", root.config, "--key", "laptop"], environment: environment)
  #expect(result.status == 0)
  let allowed = try #require(root.records("allowed").first)
  #expect(allowed.text("peer") == row.peer)
  #expect(allowed.int("port") == row.port)
  let passed = root.rsyncRuns().first?.environment.filter { $0.hasPrefix("SSH_") } ?? []
  // sshd -i's UNKNOWN is logged but not passed on: rsync exits 10 on it.
  let passes = row.peer != nil && row.peer != "UNKNOWN"
  #expect(passed == (passes ? ["SSH_CONNECTION=\(row.connection ?? "")"] : []))
}

@Test("an audit log that is a FIFO fails at once with 71, it does not hang the gate", .blocking)
func auditLogFIFO() throws {
  let root = try Root()
  defer { root.remove() }
  #expect(mkfifo(root.log, 0o600) == 0)
  let started = Date()
  let result = try run(
    "/usr/bin/timeout",
    ["20", Binaries.serve, "--config", root.config, "--key", "laptop"],
    environment: sshEnvironment(command: root.allowedCommand))
  #expect(Date().timeIntervalSince(started) < 10)
  #expect(result.status == 71)
  #expect(result.err == "pushgate: server error: cannot write the audit log; refusing to serve\n")
  #expect(root.rsyncRuns().isEmpty)
}
