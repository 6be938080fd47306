// Load through a real OpenSSH sshd (one `sshd -i` per connection, as the client's
// ProxyCommand): a burst of simultaneous rsync clients against one slot.
import Foundation
import Glibc
import TestSupport
import Testing

private let sshdInstalled =
  installed("/usr/sbin/sshd") && installed("/usr/bin/ssh") && installed("/usr/bin/ssh-keygen")
  && realProgramsInstalled

/// A throwaway sshd configuration, a client key and a root made by `pushgate init` whose rsync
/// and rsnapshot run through measuring wrappers (set up as in SSHDTests.swift).
private struct LoadSSHD {
  let temporary: TemporaryDirectory
  var path: String { temporary.path }
  var root: String { path + "/backup" }
  var config: String { root + "/pushgate.conf" }
  let user = String(cString: getpwuid(geteuid()).pointee.pw_name)
  let wrappers: LoadWrappers

  init(settings: [String]) throws {
    temporary = try TemporaryDirectory()
    wrappers = try LoadWrappers(directory: temporary.path + "/measure")
    // sshd -i insists on its privilege-separation directory.
    try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    for key in ["hostkey", "client"] {
      let made = try run(
        "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", "\(path)/\(key)"])
      #expect(made.status == 0, "ssh-keygen: \(made.err)")
    }
    try write(
      """
      HostKey \(path)/hostkey
      AuthorizedKeysFile \(path)/authorized_keys
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      ExposeAuthInfo yes
      PidFile none
      StrictModes no
      LogLevel ERROR

      """, to: path + "/sshd_config")
    let checked = try run("/usr/sbin/sshd", ["-t", "-f", path + "/sshd_config"])
    #expect(checked.status == 0, "sshd -t: \(checked.err)")
    let made = try run(
      Binaries.pushgate,
      [
        "init", root, "--account", user, "--restore", "--serve", Binaries.serve, "--retain",
        "hourly=5",
      ])
    #expect(made.status == 0, "init: \(made.err)")
    // init leaves these settings commented out, so appending them sets each once.
    let extra =
      [
        "rsync = \(wrappers.rsync)",
        "snapshot = \(wrappers.rsnapshot) -c \(root)/rsnapshot.conf hourly",
      ] + settings
    try write(read(config) + extra.joined(separator: "\n") + "\n", to: config, mode: 0o644)
    let authorized = try run(
      Binaries.pushgate,
      [
        "authorize", "--key", "laptop", "--authorized-keys", path + "/authorized_keys", "--config",
        config,
        "--serve", Binaries.serve, path + "/client.pub",
      ])
    #expect(authorized.status == 0, "authorize: \(authorized.err)")
    let check = try run(
      Binaries.pushgate,
      [
        "check", "--config", config, "--key", "laptop", "--",
        "cd \(root) && rsync --server --daemon .",
      ])
    #expect(check.status == 0, "check: \(check.out) \(check.err)")
    for name in ["src", "out"] {
      try FileManager.default.createDirectory(
        atPath: "\(path)/\(name)", withIntermediateDirectories: true)
    }
  }

  /// `rsync -e` for the real ssh, with sshd -i as the ProxyCommand (rsync honours quotes).
  var rsh: String {
    [
      "/usr/bin/ssh", "-i", path + "/client", "-o", "UserKnownHostsFile=/dev/null", "-o",
      "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o",
      "ProxyCommand=/usr/sbin/sshd -i -f \(path)/sshd_config",
    ].map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
  }

  /// Starts client `i` pushing `src/c<i>` into the push module, without waiting.
  func startPush(_ i: Int) throws -> SpawnedProcess {
    try SpawnedProcess(
      [
        "/usr/bin/rsync", "-e", rsh, "--rsync-path=cd \(root) && rsync", "-a", "\(path)/src/c\(i)",
        "\(user)@localhost::push/",
      ],
      environment: ["PATH": "/usr/bin:/bin", "HOME": path], output: "\(path)/out/\(i)")
  }

  var records: [[String: Any]] { auditRecords(root + "/pushgate.log") }
}

@Test(.enabled(if: sshdInstalled))
func burstThroughARealSSHDAgainstOneSlot() throws {
  let clients = 10
  let setup = try LoadSSHD(settings: ["max_connections = 1"])
  defer { setup.temporary.remove() }
  for i in 0..<clients {
    try FileManager.default.createDirectory(
      atPath: "\(setup.path)/src/c\(i)", withIntermediateDirectories: false)
    try write("client \(i)\n", to: "\(setup.path)/src/c\(i)/file.txt")
  }
  let begin = Date()
  let started = try (0..<clients).map { try setup.startPush($0) }
  let statuses = started.map { $0.wait() }

  // sshd runs the forced command through the account's login shell; root's bash may source a
  // ~/.bashrc that prints to stderr (here pyenv's rehash racing itself), so stderr is matched
  // by whole lines rather than as a whole.
  var succeeded: [Int] = []
  for (i, (client, status)) in zip(started, statuses).enumerated() {
    let errLines = lines(client.err)
    switch status {
    case 0:
      succeeded.append(i)
      #expect(errLines.contains("pushgate: snapshot taken"), "client \(i): \(client.err)")
      #expect(!errLines.contains { $0.hasPrefix("@ERROR") }, "client \(i): \(client.err)")
    case 5:
      #expect(
        errLines.contains("@ERROR: max connections (1) reached -- try again later"),
        "client \(i): \(client.err)")
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
      #expect(records[0]["reason"] as? String == "busy")
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
  #expect(
    FileManager.default.fileExists(atPath: setup.root + "/incoming")
      && ((try? FileManager.default.contentsOfDirectory(atPath: setup.root + "/incoming")) ?? [])
        .sorted()
        == succeeded.map { "c\($0)" }.sorted()
  )

  let measured = setup.wrappers.measurements()
  let rsyncs = measured.filter { $0.kind == "rsync" }
  #expect(rsyncs.count == succeeded.count)
  #expect(rsyncs.allSatisfy { $0.rsyncs == 1 && $0.snapshots == 0 }, "\(rsyncs)")
  #expect(
    measured.filter { $0.kind == "snapshot" }.allSatisfy { $0.rsyncs == 0 && $0.snapshots == 1 })
  #expect(measured.filter { $0.kind == "snapshot" }.count == succeeded.count)
  #expect(setup.wrappers.stillRunning() == [])
  #expect(
    eventually(within: 10) { processesMentioning(setup.path).isEmpty },
    "\(processesMentioning(setup.path))")
  loadReport(
    "through sshd, \(clients) clients, 1 slot: \(succeeded.count) pushed, \(refused) busy, "
      + String(format: "%.1f s", Date().timeIntervalSince(begin)))
}
