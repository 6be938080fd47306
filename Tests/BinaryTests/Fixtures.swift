// A backup root for one binary test: settings, a fake rsync and rsnapshot, and readers for
// what they recorded. Every test builds its own root, so tests can run in parallel.
import Foundation
import Glibc
import TestSupport

/// What the fake rsync does once started: the hook it simulates, what it writes to the
/// transfer log, and how it ends.
struct Scenario: Sendable {
  /// Whether the fake runs the pre-xfer hook (rsync does not when it never reaches a module).
  enum Hooks: String, Sendable { case pre, none }

  var module = "push"
  var request = "push/"
  /// `RSYNC_ARG0...` as the pre-xfer hook sees them (words without spaces).
  var arguments = "rsyncd --server -logDtpre.iLsfxCIvu . ."
  /// Transfer log lines after the tag and module: `op itemize bytes`, as rsync writes them.
  var changes = ["recv >f+++++++++ 42"]
  var status: Int32 = 0
  var sleep = 0
  var hooks = Hooks.pre
  /// Kill itself with SIGTERM after the pre-xfer hook, as if rsync died mid-transfer.
  var killed = false
  /// Write a greeting, then copy stdin to stdout (and to `record/<n>/wrote`).
  var echo = false
  /// End the transfer log with rsync's summary line, as rsync does when the transfer ends.
  var summary = true

  var shell: String {
    """
    MODULE='\(module)'
    REQUEST='\(request)'
    ARGS='\(arguments)'
    CHANGES='\(changes.joined(separator: ";"))'
    STATUS=\(status)
    SLEEP=\(sleep)
    HOOKS=\(hooks.rawValue)
    KILL=\(killed ? "yes" : "no")
    ECHO=\(echo ? "yes" : "no")
    SUMMARY=\(summary ? "yes" : "no")

    """
  }
}

/// What the fake rsnapshot does: the level's exit status, a sleep, or waiting for
/// `<root>/release`; the `sync` before it only exits with `syncStatus`.
struct SnapshotScenario: Sendable {
  var status: Int32 = 0
  var sleep = 0
  var holdUntilReleased = false
  var syncStatus: Int32 = 0

  var shell: String {
    "SNAP_STATUS=\(status)\nSNAP_SLEEP=\(sleep)\nSNAP_HOLD=\(holdUntilReleased ? "yes" : "no")\n"
      + "SNAP_SYNC_STATUS=\(syncStatus)\n"
  }
}

/// How one fake rsync was started, as it recorded itself.
struct RsyncRun {
  let argv: [String]
  let environment: [String]
  let directory: String
  /// Open descriptors, without the one `ls` opened to list them.
  let descriptors: [Int]
  let pid: Int32?
  let parent: Int?
  let sleepPid: Int32?
  let hooks: [String]
  let wrote: Data
  /// `SigBlk` and `SigIgn` of /proc/PID/status: bit N-1 stands for signal N.
  let blockedSignals: UInt64?
  let ignoredSignals: UInt64?
}

/// One run of the fake rsnapshot, from `<root>/snapshots.log`.
struct SnapshotRun {
  let pid: Int32
  let argv: String
  let directory: String
  let environment: [String]
}

/// One backup root R in a temporary directory: pushgate.conf, the fake programs, the scenario
/// files, and readers for the audit log and for what the fakes recorded.
struct Root {
  let directory: TemporaryDirectory
  var path: String { directory.path }
  var config: String { path + "/pushgate.conf" }
  /// The `laptop` key's area, which the root is made with.
  var area: String { path + "/keys/laptop" }
  var log: String { path + "/pushgate.log" }
  var lockFile: String { path + "/pushgate.lock" }
  var allowedCommand: String { "cd \(path) && rsync --server --daemon ." }

  init(
    settings: [String] = [], scenario: Scenario = Scenario(),
    snapshot: SnapshotScenario = SnapshotScenario()
  ) throws {
    directory = try TemporaryDirectory()
    try writeExecutable(Array(fakeRsyncScript.utf8), to: path + "/fake-rsync")
    try writeExecutable(Array(fakeRsnapshotScript.utf8), to: path + "/fake-rsnapshot")
    try setScenario(scenario)
    try write(snapshot.shell, to: path + "/snapshot-scenario")
    try writeSettings(settings)
    try write(Self.rsyncdConf(path), to: path + "/rsyncd.conf", mode: 0o644)
    try makeArea("laptop")
  }

  /// An rsyncd.conf that passes the gate's check (the fake rsync never reads it).
  static func rsyncdConf(_ root: String) -> String {
    "use chroot = no\n[push]\n  path = \(root)/keys/%PUSHGATE_KEY%/incoming\n  read only = no\n"
      + "  incoming chmod = Du+rwx,Fu+rw\n"
      + "[snapshots]\n  path = \(root)/keys/%PUSHGATE_KEY%/snapshots\n  exclude = /.sync/\n"
  }

  /// Makes `label`'s area as `pushgate authorize` would, without its rsnapshot.conf.
  func makeArea(_ label: String) throws {
    for name in ["incoming", "snapshots", "state"] {
      try FileManager.default.createDirectory(
        atPath: "\(path)/keys/\(label)/\(name)", withIntermediateDirectories: true)
    }
  }

  /// The standard settings plus `extra` lines.
  func writeSettings(_ extra: [String], to file: String? = nil) throws {
    let lines = [
      "# written by BinaryTests", "root = \(path)", "rsync = \(path)/fake-rsync",
      "rsnapshot = \(path)/fake-rsnapshot",
    ]
    try write((lines + extra).joined(separator: "\n") + "\n", to: file ?? config, mode: 0o644)
  }

  /// Edits the settings file in place, such as to point a program at a path that does not exist.
  func editSettings(replacing old: String, with new: String) throws {
    try write(read(config).replacingOccurrences(of: old, with: new), to: config)
  }

  func setScenario(_ scenario: Scenario) throws {
    try write(scenario.shell, to: path + "/scenario")
  }

  /// Runs pushgate-serve as sshd would for the `laptop` key.
  func serve(
    _ command: String?, environment extra: [String: String] = [:], input: Data = Data(),
    arguments: [String]? = nil, program: String = Binaries.serve
  ) throws -> Finished {
    try run(
      program, arguments ?? ["--config", config, "--key", "laptop"],
      environment: sshEnvironment(command: command, extra: extra), input: input)
  }

  /// Starts pushgate-serve without waiting, as sshd does, stdin a pipe the test holds.
  func startServe(_ command: String?, name: String) throws -> SpawnedProcess {
    try SpawnedProcess(
      [Binaries.serve, "--config", config, "--key", "laptop"],
      environment: sshEnvironment(command: command), output: "\(path)/\(name)",
      holdingInput: true)
  }

  /// The audit log's records.
  var records: [[String: Any]] { auditRecords(log) }

  func records(_ event: String) -> [[String: Any]] { records.filter { $0.text("event") == event } }

  /// Every fake rsync run, in the order they started.
  func rsyncRuns() -> [RsyncRun] {
    let base = path + "/record"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    return names.compactMap(Int.init).sorted().map { number in
      let directory = "\(base)/\(number)/"
      let lines = { (name: String) in read(directory + name).split(separator: "\n").map(String.init)
      }
      return RsyncRun(
        argv: lines("argv"), environment: lines("env"),
        directory: lines("cwd").first ?? "", descriptors: descriptors(lines("fds")),
        pid: lines("pid").first.flatMap { Int32($0) },
        parent: lines("ppid").first.flatMap { Int($0) },
        sleepPid: lines("sleeppid").first.flatMap { Int32($0) }, hooks: lines("hooks"),
        wrote: FileManager.default.contents(atPath: directory + "wrote") ?? Data(),
        blockedSignals: mask(lines("signals"), "SigBlk:"),
        ignoredSignals: mask(lines("signals"), "SigIgn:"))
    }
  }

  /// Every fake rsnapshot run of a level (each after a `sync` run).
  func snapshotRuns() -> [SnapshotRun] {
    allSnapshotRuns().filter { !$0.argv.hasSuffix(" sync") }
  }

  /// Every fake rsnapshot run of `sync`.
  func syncRuns() -> [SnapshotRun] { allSnapshotRuns().filter { $0.argv.hasSuffix(" sync") } }

  /// What each fake rsnapshot run had as its descriptor 3: `STEP TARGET` lines.
  func snapshotDescriptors() -> [String] {
    read(path + "/snapshot-fds").split(separator: "\n").map(String.init)
  }

  /// Every fake rsnapshot run, `sync` and level alike.
  func allSnapshotRuns() -> [SnapshotRun] {
    read(path + "/snapshots.log").split(separator: "\n").compactMap { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == 4, let pid = Int32(fields[0]) else { return nil }
      return SnapshotRun(
        pid: pid, argv: fields[1], directory: fields[2],
        environment: fields[3].split(separator: " ").map(String.init))
    }
  }

  /// Pids of the `sleep` children the fake rsnapshot started.
  func snapshotChildren() -> [Int32] {
    read(path + "/snapshot-children").split(separator: "\n").compactMap { Int32($0) }
  }

  func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: path + "/" + relative)
  }

  func remove() { directory.remove() }

  private func mask(_ lines: [String], _ name: String) -> UInt64? {
    lines.first { $0.hasPrefix(name) }.flatMap {
      UInt64($0.dropFirst(name.count).trimmingCharacters(in: .whitespaces), radix: 16)
    }
  }

  /// `ls -l /proc/<pid>/fd` output (pid on the first line) without the listing's own fd.
  private func descriptors(_ lines: [String]) -> [Int] {
    guard let lister = lines.first else { return [] }
    return lines.dropFirst().compactMap { line in
      let parts = line.components(separatedBy: " -> ")
      guard parts.count == 2, let fd = parts[0].split(separator: " ").last.flatMap({ Int($0) }),
        parts[1] != "/proc/\(lister)/fd"
      else { return nil }
      return fd
    }.sorted()
  }
}

extension Dictionary where Key == String, Value == Any {
  func text(_ key: String) -> String? { self[key] as? String }
  func int(_ key: String) -> Int? { self[key] as? Int }
  func flag(_ key: String) -> Bool? { self[key] as? Bool }
}
