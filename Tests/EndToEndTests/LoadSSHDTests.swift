// Load through a real OpenSSH sshd (one `sshd -i` per connection, as the client's
// ProxyCommand): a burst of simultaneous rsync clients of several keys against one slot.
import Foundation
import Glibc
import TestSupport
import Testing

@Test(.blocking, .tags(.slow), .skippedInQuickRun, .enabled(if: sshdAndRealProgramsInstalled))
func burstThroughARealSSHDAgainstOneSlot() throws {
  let clients = 10
  let keys = (0..<5).map { "k\($0)" }
  let setup = try SSHDSetup(settings: ["max_connections = 1"], keys: keys)
  defer { setup.remove() }
  let wrappers = try LoadWrappers(directory: setup.path + "/measure")
  // The wrappers run as the backup account and record themselves there.
  for directory in [wrappers.directory, wrappers.directory + "/running"] {
    try setup.giveToAccount(directory)
  }
  try setup.addSettings(wrappers.settings)
  let check = try run(
    Binaries.pushgate,
    [
      "check", "--config", setup.config, "--key", "k0", "--",
      "cd \(setup.root) && rsync --server --daemon .",
    ],
    environment: adminEnvironment)
  #expect(check.status == 0, "check: \(check.out) \(check.err)")
  let keyOf = { (i: Int) in keys[i % keys.count] }
  try FileManager.default.createDirectory(
    atPath: setup.path + "/out", withIntermediateDirectories: true)
  for i in 0..<clients {
    try FileManager.default.createDirectory(
      atPath: "\(setup.source)/c\(i)", withIntermediateDirectories: true)
    try write("client \(i)\n", to: "\(setup.source)/c\(i)/file.txt")
  }
  let begin = Date()
  let started = try (0..<clients).map { i in
    try SpawnedProcess(
      ["/usr/bin/rsync"]
        + setup.rsyncArguments(
          ["-a", "\(setup.source)/c\(i)", "\(setup.user)@localhost::push/"], key: keyOf(i)),
      environment: setup.clientEnvironment, output: "\(setup.path)/out/\(i)")
  }
  let statuses = started.map { $0.wait() }

  // sshd runs the forced command through the account's login shell; a shell that sources a
  // ~/.bashrc may print to stderr (root's bash here did: pyenv's rehash racing itself), so
  // stderr is matched by whole lines rather than as a whole.
  let refusals = [
    "@ERROR: max connections (1) reached -- try again later",
    "@ERROR: another session of this key is running -- try again later",
    "@ERROR: a snapshot of this key's backups is running -- try again later",
  ]
  var succeeded: [Int] = []
  for (i, (client, status)) in zip(started, statuses).enumerated() {
    let errLines = lines(client.err)
    switch status {
    case 0:
      succeeded.append(i)
      #expect(errLines.contains("pushgate: snapshot taken"), "client \(i): \(client.err)")
      #expect(!errLines.contains { $0.hasPrefix("@ERROR") }, "client \(i): \(client.err)")
    case 5:
      #expect(errLines.contains { refusals.contains($0) }, "client \(i): \(client.err)")
    default:
      Issue.record("client \(i) exited \(status): \(client.err)")
    }
    #expect(client.out == "")
  }
  #expect(!succeeded.isEmpty)

  let sessions = Dictionary(grouping: setup.records) { $0["session"] as? String ?? "" }
  #expect(sessions.count == clients)
  var refused = 0
  for (id, records) in sessions {
    let events = records.map { $0["event"] as? String ?? "?" }
    #expect(records.allSatisfy { $0["peer"] as? String == "UNKNOWN" })
    switch events {
    case ["refused"]:
      #expect(
        ["busy", "key-busy", "snapshot-running"].contains(records[0]["reason"] as? String ?? ""),
        "\(records)")
      refused += 1
    case ["allowed", "transfer-ended", "snapshot-ended"]:
      #expect(records[0]["pubkey"] as? String != nil)
      #expect(records[1]["snapshot"] as? String == "due")
      #expect(records[2]["result"] as? String == "ok")
    default:
      Issue.record("session \(id): \(events)")
    }
  }
  #expect(refused == clients - succeeded.count)
  for key in keys {
    let arrived =
      ((try? FileManager.default.contentsOfDirectory(atPath: setup.area(key) + "/incoming")) ?? [])
      .sorted()
    #expect(arrived == succeeded.filter { keyOf($0) == key }.map { "c\($0)" }.sorted(), "\(key)")
  }

  // One slot, held through the snapshot: never two rsyncs or snapshots at once, of any keys.
  let measured = wrappers.measurements()
  #expect(measured.filter { $0.kind == "rsync" }.count == succeeded.count)
  // Each snapshot is two rsnapshot runs: sync, then the level.
  #expect(measured.filter { $0.kind == "snapshot" }.count == 2 * succeeded.count)
  #expect(measured.allSatisfy { $0.rsyncs + $0.snapshots == 1 }, "\(measured)")
  #expect(wrappers.stillRunning() == [])
  #expect(
    eventually(within: 10) { processesMentioning(setup.root).isEmpty },
    "\(processesMentioning(setup.root))")
  loadReport(
    "through sshd, \(clients) clients of \(keys.count) keys, 1 slot: \(succeeded.count) pushed, \(refused) refused, "
      + String(format: "%.1f s", Date().timeIntervalSince(begin)))
}
