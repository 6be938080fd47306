// A backup root per test, made as an admin makes one: `pushgate init`, then `pushgate authorize`
// for each key (one area per key), and the real rsync client pointed at it through
// scripts/fake-ssh, which runs the exact forced command authorize wrote.
import Foundation
import Glibc
import TestSupport
import Testing

/// Whether the programs the end-to-end tests drive are here (each missing one prints SKIPPING).
let realProgramsInstalled = installed("/usr/bin/rsync") && installed("/usr/bin/rsnapshot")

/// How a root's snapshots are taken, for the tests stated for both engines.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
  /// `hourly.N` directories of hard-linked copies, made by rsnapshot.
  case rsnapshot
  /// Read-only subvolume snapshots named by their UTC time, on a loop-mounted btrfs.
  case btrfs
  var testDescription: String { rawValue }
}

/// One backup root `R` in a fresh temporary directory, with an area `R/keys/LABEL` and a client
/// source directory for each key.
struct BackupRoot {
  let temporary: TemporaryDirectory
  /// The root `R` (pushgate.conf's `root`).
  let path: String
  let engine: Engine
  /// The btrfs the root is on (`.btrfs` only), unmounted by `remove()`.
  let disk: BtrfsDisk?
  /// The key labels, in the order given; the first is the default of every helper.
  let keys: [String]
  /// The backup account when it is not the running one (root): the gate runs as it.
  let account: TestAccount?
  /// The command= of each key's authorized_keys line, as authorize wrote it.
  private let forcedCommands: [String: String]

  /// Makes the root with `pushgate init ROOT --restore --retain ...` (with `.btrfs`: on a new
  /// loop-mounted btrfs, `--snapshots btrfs`), appends `settings` to the pushgate.conf init wrote,
  /// then authorizes each key (which creates its area).
  init(
    keys: [String] = ["laptop"], settings: [String] = [], retain: [String] = ["hourly=5"],
    account: TestAccount? = nil, engine: Engine = .rsnapshot
  ) throws {
    temporary = try TemporaryDirectory()
    self.keys = keys
    self.account = account
    self.engine = engine
    // The backup account must reach the root through the temporary directory.
    if account != nil || engine == .btrfs { chmod(temporary.path, 0o755) }
    if engine == .btrfs {
      do { disk = try BtrfsDisk(in: temporary.path) } catch {
        temporary.remove()
        throw error
      }
    } else {
      disk = nil
    }
    path = (disk?.path ?? temporary.path) + "/root"
    do {
      forcedCommands = try Self.make(
        path, in: temporary.path, keys: keys, settings: settings, retain: retain,
        account: account, engine: engine)
    } catch {
      disk?.remove()
      temporary.remove()
      throw error
    }
  }

  /// init, settings and authorize for each key; returns each key's forced command.
  private static func make(
    _ path: String, in temporary: String, keys: [String], settings: [String], retain: [String],
    account: TestAccount?, engine: Engine
  ) throws -> [String: String] {
    let accountOption = account.map { ["--account", $0.name] } ?? []
    let engineOption = engine == .btrfs ? ["--snapshots", "btrfs"] : []
    try initRoot(
      path,
      options: ["--restore", "--host", "localhost"] + accountOption + engineOption
        + retain.flatMap { ["--retain", $0] })
    if !settings.isEmpty {
      try write(
        read(path + "/pushgate.conf") + settings.joined(separator: "\n") + "\n",
        to: path + "/pushgate.conf")
    }
    let clients = temporary + "/clients"
    try FileManager.default.createDirectory(atPath: clients, withIntermediateDirectories: true)
    for key in keys {
      let keygen = try makeSSHKey("\(clients)/\(key)", comment: key)
      try #require(keygen.status == 0, "ssh-keygen: \(keygen.err)")
      try authorizeKey(
        key, publicKey: "\(clients)/\(key).pub", config: path + "/pushgate.conf",
        authorizedKeys: temporary + "/authorized_keys", account: account?.name)
      try FileManager.default.createDirectory(
        atPath: temporary + "/src-" + key, withIntermediateDirectories: true)
    }
    let forcedCommands = try forcedCommandsByLabel(read(temporary + "/authorized_keys"))
    try #require(Set(forcedCommands.keys) == Set(keys), "authorized_keys: \(forcedCommands)")
    return forcedCommands
  }

  /// Kills what a test left running below the root, unmounts its btrfs and removes everything.
  func remove() {
    killProcesses(under: temporary.path)
    disk?.remove()
    temporary.remove()
  }

  var config: String { path + "/pushgate.conf" }
  var auditLog: String { path + "/pushgate.log" }
  var lockFile: String { path + "/pushgate.lock" }
  /// The default key's client source directory.
  var source: String { source(keys[0]) }
  /// The default key's incoming/.
  var incoming: String { incoming(keys[0]) }

  func source(_ key: String) -> String { temporary.path + "/src-" + key }
  func area(_ key: String) -> String { path + "/keys/" + key }
  func incoming(_ key: String) -> String { area(key) + "/incoming" }
  func snapshotsDirectory(_ key: String) -> String { area(key) + "/snapshots" }
  func state(_ key: String) -> String { area(key) + "/state" }

  /// Appends settings to pushgate.conf (each name at most once in the file).
  func addSettings(_ lines: [String]) throws {
    try write(read(config) + lines.joined(separator: "\n") + "\n", to: config)
  }

  /// The audit log's records.
  var records: [[String: Any]] { auditRecords(auditLog) }

  /// The records of one event, in log order (of one key, if given).
  func records(_ event: String, key: String? = nil) -> [[String: Any]] {
    records.filter {
      $0["event"] as? String == event && (key == nil || $0["key"] as? String == key)
    }
  }

  /// The records of one session, in log order.
  func records(session: String) -> [[String: Any]] {
    records.filter { $0["session"] as? String == session }
  }

  /// The environment of the rsync client for `key`: fake-ssh reads the forced command from it.
  func clientEnvironment(_ key: String? = nil, forcedCommand: String? = nil) -> [String: String] {
    let command = forcedCommand ?? forcedCommands[key ?? keys[0]] ?? "false"
    // sshd would start the forced command as the backup account.
    let asAccount = account.map { "/usr/sbin/runuser -u \($0.name) -- " } ?? ""
    return [
      "PATH": "/usr/bin:/bin", "HOME": temporary.path,
      "PUSHGATE_FORCED_COMMAND": asAccount + command,
    ]
  }

  /// rsync's arguments before the user's: fake-ssh and, in daemon form, `cd R && rsync`.
  func clientPrefix(daemonForm: Bool = true) -> [String] {
    ["-e", Binaries.fakeSSH] + (daemonForm ? ["--rsync-path=cd \(path) && rsync"] : [])
  }

  /// Runs the real rsync client as a user would, through fake-ssh and the gate of `key`: `rsync
  /// <arguments>` with `-e fake-ssh --rsync-path='cd R && rsync'` first.
  ///
  /// With `timeout`, coreutils' timeout stops a client that hangs (its status is then 124). Returns
  /// once the session's gate has exited too: a client that fails may leave before its gate.
  /// `forcedCommand` replaces the key's authorized_keys command.
  @discardableResult
  func client(
    _ arguments: [String], key: String? = nil, daemonForm: Bool = true, timeout: Int? = nil,
    forcedCommand: String? = nil
  ) throws -> Finished {
    let rsync = ["/usr/bin/rsync"] + clientPrefix(daemonForm: daemonForm) + arguments
    let argv = timeout.map { ["/usr/bin/timeout", "--kill-after=5", "\($0)"] + rsync } ?? rsync
    let finished = try run(
      argv[0], Array(argv.dropFirst()),
      environment: clientEnvironment(key, forcedCommand: forcedCommand))
    #expect(waitForGates(), "a gate of \(path) still runs: \(gatesRunning)")
    return finished
  }

  /// Pushes the key's source directory (default: the first key's) into the push module.
  @discardableResult
  func push(_ options: [String] = ["-a"], key: String? = nil) throws -> Finished {
    try client(options + [source(key ?? keys[0]) + "/", "localhost::push"], key: key)
  }

  /// Writes a file into the key's client source directory.
  func writeSource(_ name: String, _ text: String, key: String? = nil) throws {
    try write(text, to: source(key ?? keys[0]) + "/" + name)
  }

  /// The key's snapshot directories of `level` (`hourly.N`), sorted by N.
  func snapshots(_ key: String? = nil, level: String = "hourly") -> [String] {
    snapshotNames(in: snapshotsDirectory(key ?? keys[0]), level: level)
  }

  /// The default key's hourly snapshots.
  var snapshots: [String] { snapshots() }

  /// A file inside a snapshot: `R/keys/KEY/snapshots/<snapshot>/<name>`.
  func snapshotFile(_ snapshot: String, _ name: String, key: String? = nil) -> String {
    snapshotsDirectory(key ?? keys[0]) + "/" + snapshot + "/" + name
  }

  /// The names directly inside `directory` (sorted; empty when missing).
  func names(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }

  /// Sessions of this root's gate still running (detached snapshots are not sessions).
  var gatesRunning: [String] {
    processesMentioning("--config \(config) --key").filter { !$0.contains("--snapshot-session") }
  }

  /// Waits (at most 15 s) until no gate of this root runs.
  func waitForGates() -> Bool { eventually(within: 15) { gatesRunning.isEmpty } }
}

/// The snapshot directories of `level` in `directory`, sorted by N.
func snapshotNames(in directory: String, level: String = "hourly") -> [String] {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
  let prefix = level + "."
  return names.filter { $0.hasPrefix(prefix) && Int($0.dropFirst(prefix.count)) != nil }
    .sorted { Int($0.dropFirst(prefix.count)) ?? -1 < Int($1.dropFirst(prefix.count)) ?? -1 }
}

/// The forced command of each pushgate line of an authorized_keys file, by its label (the
/// line's comment): `restrict,command="..." TYPE KEY LABEL`.
func forcedCommandsByLabel(_ text: String) throws -> [String: String] {
  var found: [String: String] = [:]
  for line in text.split(separator: "\n") where !line.hasPrefix("#") {
    guard let start = line.range(of: "command=\"") else { continue }
    let rest = line[start.upperBound...]
    guard let end = rest.firstIndex(of: "\""), let label = line.split(separator: " ").last else {
      continue
    }
    found[String(label)] = String(rest[..<end])
  }
  return found
}

/// The inode number of a file (equal numbers on one file system: hard links).
func inode(_ path: String) throws -> UInt64 {
  let attributes = try FileManager.default.attributesOfItem(atPath: path)
  return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
}

/// The lines of a text, for exact line matches.
func lines(_ text: String) -> [String] {
  text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}
