// `pushgate status` reading real locks: a running pushgate-serve's slot and area, an area's
// lock bytes, and an area whose state the reader may not see.
import Foundation
import Glibc
import TestSupport
import Testing

/// The row of `key` in the text report's key table.
private func keyRow(_ report: String, _ key: String) -> String? {
  report.split(separator: "\n").map(String.init).first { $0.hasPrefix(key + " ") }
}

private let canDropPrivileges = geteuid() == 0 && installed("/usr/bin/setpriv")

/// Status against locks held by real processes.
@Suite(.blocking) struct StatusSlotTests {
  @Test("a running session shows in its slot and as its area's 'session'; both are free after")
  func showsALiveSession() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let root = directory.path + "/root"
    let config = root + "/pushgate.conf"
    let environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
    try initRoot(root)
    // A stand-in for rsync that holds the session open until the test creates `release`.
    let fake = directory.path + "/fake-rsync"
    try write(
      "#!/bin/sh\ni=0\nwhile [ ! -e '\(directory.path)/release' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n",
      to: fake, mode: 0o755)
    try write(read(config) + "rsync = \(fake)\nmax_connections = 2\n", to: config)
    for label in ["laptop", "desk"] {
      let key = directory.path + "/" + label
      #expect(try makeSSHKey(key).status == 0)
      try authorizeKey(
        label, publicKey: key + ".pub", config: config,
        authorizedKeys: directory.path + "/authorized_keys")
    }

    let serve = Process()
    serve.executableURL = URL(fileURLWithPath: Binaries.serve)
    serve.arguments = ["--config", config, "--key", "laptop"]
    serve.environment = sshEnvironment(command: "cd \(root) && rsync --server --daemon .")
    serve.standardInput = Pipe()
    serve.standardOutput = FileHandle.nullDevice
    serve.standardError = FileHandle.nullDevice
    try serve.run()
    defer {
      try? write("", to: directory.path + "/release")
      serve.waitUntilExit()
    }
    try #require(eventually { read(root + "/pushgate.log").contains(#""event":"allowed""#) })

    let held = try run(Binaries.pushgate, ["status", "--config", config], environment: environment)
    #expect(held.status == 0)
    let lines = held.out.split(separator: "\n").map(String.init)
    #expect(
      lines[2]
        == "key     last backup  last snapshot  pushes 24h  refused 24h  now      pending  last failure"
    )
    #expect(
      keyRow(held.out, "desk")
        == "desk    never        never                   0            0  idle     no       -")
    #expect(
      keyRow(held.out, "laptop")
        == "laptop  never        never                   0            0  session  running  -")
    let slots = try #require(lines.firstIndex { $0.hasPrefix("slots ") })
    #expect(lines[slots] == "slots  1 of 2 in use")
    #expect(
      lines[slots + 1].hasPrefix(
        "  0    pid \(serve.processIdentifier)  laptop  203.0.113.7 port 51234  since "))
    #expect(lines[slots + 1].hasSuffix(" ago)"))
    #expect(lines[slots + 2] == "  1    free")

    let metrics = try run(
      Binaries.pushgate, ["status", "--config", config, "--format", "prometheus"],
      environment: environment)
    #expect(
      metrics.out.contains(
        "\npushgate_session_running{key=\"desk\"} 0\npushgate_session_running{key=\"laptop\"} 1\n"))
    #expect(metrics.out.contains("\npushgate_slots 2\n"))
    // The session's own incomplete mark is no push that ended badly.
    #expect(metrics.out.contains("\npushgate_pending_incomplete{key=\"laptop\"} 0\n"))
    #expect(metrics.out.contains("\npushgate_slots_in_use 1\n"))

    try write("", to: directory.path + "/release")
    serve.waitUntilExit()
    let after = try run(
      Binaries.pushgate, ["status", "--config", config], environment: environment)
    #expect(keyRow(after.out, "laptop")?.contains("  idle  ") == true, "\(after.out)")
    #expect(after.out.hasSuffix("\nslots  0 of 2 in use\n  0    free\n  1    free\n"))
  }

  @Test("byte 1 of an area's lock is a snapshot or rotation, byte 0 alone a session")
  func showsWhatHoldsAnArea() throws {
    let root = try StatusRoot(log: [])
    defer { root.remove() }
    try root.area("laptop", made: "2026-10-01T00:00:00Z")
    let states: [(bytes: [Int], now: String, running: String)] = [
      (
        [0, 1], "snapshot",
        "pushgate_session_running{key=\"laptop\"} 0\n# HELP pushgate_snapshot_running"
      ),
      (
        [0], "session",
        "pushgate_session_running{key=\"laptop\"} 1\n# HELP pushgate_snapshot_running"
      ),
      ([], "idle", "pushgate_snapshot_running{key=\"laptop\"} 0\n"),
    ]
    for state in states {
      // The test process holds the locks; `pushgate status` is another process, so it sees them.
      let lock = try ByteLock(root.path + "/keys/laptop/state/lock", bytes: state.bytes)
      defer { lock.close() }
      let text = try root.status(["--config", root.config] + statusNow)
      #expect(
        keyRow(text.out, "laptop")
          == "laptop  never        never                   0            0  \(state.now)  no       -",
        "\(text.out)")
      let metrics = try root.status(
        ["--config", root.config, "--format", "prometheus"] + statusNow)
      #expect(metrics.out.contains(state.running), "\(metrics.out)")
      let plugin = try root.status(
        ["--config", root.config, "--format", "nagios", "--max-age", "1d"] + statusNow)
      #expect(
        plugin.out.hasSuffix(" snapshots_running=\(state.now == "snapshot" ? 1 : 0);;;0;1\n"),
        "\(plugin.out)")
    }
  }

  @Test(
    "an account that cannot enter the state directories sees 'unknown', not an error",
    .enabled(if: canDropPrivileges))
  func showsUnknownToAMonitoringAccount() throws {
    let root = try StatusRoot(log: [
      statusAuditLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#)
    ])
    defer { root.remove() }
    chmod(root.path, 0o755)
    try root.area("laptop", made: "2026-10-01T00:00:00Z", pending: "complete")
    chmod(root.path + "/keys", 0o755)
    chmod(root.path + "/keys/laptop", 0o755)
    let nobody = [
      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.pushgate,
      "status",
    ]
    let text = try run(
      nobody[0], Array(nobody.dropFirst()) + ["--config", root.config] + statusNow,
      environment: ["PATH": "/usr/bin:/bin"])
    #expect(text.status == 0, "\(text.err)")
    #expect(
      keyRow(text.out, "laptop")
        == "laptop  2026-11-27 10:00 (2h ago)  2h ago                  0            0  unknown  unknown  -"
    )
    #expect(
      text.out.hasSuffix(
        "\nareas  state unknown for 1 of 1: '\(root.path)/keys/laptop/state/lock': open: Permission denied\n"
      ))
    let metrics = try run(
      nobody[0],
      Array(nobody.dropFirst()) + ["--config", root.config, "--format", "prometheus"] + statusNow,
      environment: ["PATH": "/usr/bin:/bin"])
    #expect(metrics.status == 0)
    #expect(!metrics.out.contains("_running") && !metrics.out.contains("pushgate_pending"))
    #expect(
      metrics.out.contains("\npushgate_last_success_timestamp_seconds{key=\"laptop\"} 1795773600\n")
    )
  }
}
