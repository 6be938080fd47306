// `pushgate status` reading real locks: a running pushgate-serve's slot, and snapshot locks.
import Foundation
import Glibc
import Testing
import TestSupport

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
private func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if condition() { return true }
    usleep(20_000)
  }
  return condition()
}

@Test("a running session's slot shows its pid, key and address; it is free again after")
func showsALiveSlotHolder() throws {
  let root = try StatusRoot(log: [], settings: ["max_connections = 2"])
  defer { root.remove() }
  // A stand-in for rsync that holds the session open until the test creates `release`.
  let fake = root.path + "/fake-rsync"
  try write(
    "#!/bin/sh\ni=0\nwhile [ ! -e '\(root.path)/release' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n",
    to: fake, mode: 0o755)
  try write(
    ["root = \(root.path)", "rsync = \(fake)", "snapshot = /bin/true", "max_connections = 2"]
      .joined(separator: "\n") + "\n", to: root.config)

  let serve = Process()
  serve.executableURL = URL(fileURLWithPath: Binaries.serve)
  serve.arguments = ["--config", root.config, "--key", "laptop"]
  serve.environment = sshEnvironment(command: "cd \(root.path) && rsync --server --daemon .")
  serve.standardInput = Pipe()
  serve.standardOutput = FileHandle.nullDevice
  serve.standardError = FileHandle.nullDevice
  try serve.run()
  defer {
    try? write("", to: root.path + "/release")
    serve.waitUntilExit()
  }
  try #require(eventually { read(root.log).contains(#""event":"allowed""#) })

  let held = try root.status(["--config", root.config])
  #expect(held.status == 0)
  let lines = held.out.split(separator: "\n").map(String.init)
  let slots = try #require(lines.firstIndex { $0.hasPrefix("slots ") })
  #expect(lines[slots] == "slots     1 of 2 in use")
  #expect(lines[slots + 1].hasPrefix("  0       pid \(serve.processIdentifier)  laptop  203.0.113.7 port 51234  since "))
  #expect(lines[slots + 1].hasSuffix(" ago)"))
  #expect(lines[slots + 2] == "  1       free")
  #expect(lines[slots + 3] == "snapshot  not running")
  #expect(lines.contains { $0.hasPrefix("laptop  never  ") && $0.hasSuffix("  1            0  -") })

  let metrics = try root.status(["--config", root.config, "--format", "prometheus"])
  #expect(metrics.out.contains("\npushgate_slots 2\n"))
  #expect(metrics.out.contains("\npushgate_slots_in_use 1\n"))

  try write("", to: root.path + "/release")
  serve.waitUntilExit()
  let after = try root.status(["--config", root.config])
  #expect(after.out.contains("\nslots     0 of 2 in use\n  0       free\n  1       free\n"))
}

/// A classic fcntl lock on one byte, held by the test process; OFD probes see those too.
private func lockByte(_ fd: Int32, _ byte: Int, shared: Bool) -> Bool {
  var lock = flock()
  lock.l_type = Int16(shared ? F_RDLCK : F_WRLCK)
  lock.l_whence = Int16(SEEK_SET)
  lock.l_start = off_t(byte)
  lock.l_len = 1
  return fcntl(fd, F_SETLK, &lock) == 0
}

@Test("the tree held exclusively is a running snapshot; shared it is pushes; the gate alone is waiting")
func showsTheSnapshotState() throws {
  let root = try StatusRoot(log: [])
  defer { root.remove() }
  let lockFile = root.path + "/pushgate.lock"
  let record = Array(#"{"pid":777,"session":"5f3a9c1e0b77d2aa","key":"server","since":"2026-11-27T11:59:00Z"}"#.utf8)
  let padded = record + Array(repeating: UInt8(ascii: " "), count: 255 - record.count) + [0x0A]
  let states: [(byte: Int, shared: Bool, line: String)] = [
    (1, false, "snapshot  running  pid 777  server  -  since 2026-11-27 11:59 (1m ago)"),
    (1, true, "snapshot  not running"),
    (0, false, "snapshot  waiting for running pushes to end"),
  ]
  for state in states {
    // The test process holds the lock; `pushgate status` is another process, so it sees it.
    let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
    try #require(fd >= 0)
    defer { close(fd) }
    _ = padded.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 2048) }
    try #require(lockByte(fd, state.byte, shared: state.shared))
    let result = try root.status(["--config", root.config, "--now", "2026-11-27T12:00:00Z"])
    #expect(result.out.hasSuffix("\n\(state.line)\n"), "\(result.out)")
    #expect(result.out.contains("\nslots     0 of 1 in use\n"))
  }
}
