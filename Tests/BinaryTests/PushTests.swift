// Allowed sessions: how rsync is started, what the client sees, and when a snapshot is taken.
import Foundation
import TestSupport
import Testing

@Test(
  "an allowed push runs rsync with a fixed argv, a clean environment and the ssh channel", .blocking
)
func allowedPush() throws {
  let root = try Root(scenario: Scenario(echo: true))
  defer { root.remove() }
  let input = Data("client bytes \u{0}\u{1}\u{ff}\n".utf8)
  let result = try root.serve(root.allowedCommand, input: input)

  #expect(result.status == 0)
  #expect(result.err == "pushgate: snapshot taken\n")
  let records = root.records
  #expect(records.map { $0.text("event") } == ["allowed", "transfer-ended", "snapshot-ended"])
  let session = try #require(records.first?.text("session"))
  #expect(records.allSatisfy { $0.text("session") == session })

  let runs = root.rsyncRuns()
  try #require(runs.count == 1)
  let rsync = runs[0]
  let R = root.path
  // The transfer log's tag is random per session and is not the session id.
  let format = try #require(rsync.argv.first { $0.hasPrefix("--dparam=log format=pushgate-") })
  let tag = String(format.dropFirst("--dparam=log format=pushgate-".count).prefix(16))
  #expect(tag.utf8.count == 16 && tag != session)
  #expect(
    rsync.argv == [
      "\(R)/fake-rsync", "--server", "--daemon", "--config=\(R)/rsyncd.conf",
      "--dparam=timeout=600",
      "--dparam=pre-xfer exec=\(servePath) --hook pre-xfer \(R)/.pushgate/slot-0",
      "--dparam=transfer logging=yes", "--dparam=log file=\(R)/.pushgate/slot-0.transfer",
      "--dparam=log format=pushgate-\(tag) %m %o %i %b", ".",
    ])
  #expect(rsync.directory == R)
  let (user, home) = account()
  #expect(
    rsync.environment.sorted()
      == [
        "PATH=/usr/bin:/bin", "HOME=\(home)", "USER=\(user)", "LOGNAME=\(user)",
        "SSH_CONNECTION=203.0.113.7 51234 192.0.2.1 22", "SSH_CLIENT=203.0.113.7 51234 22",
        "PUSHGATE_SESSION=\(session)", "PUSHGATE_KEY=laptop",
      ].sorted())
  #expect(rsync.descriptors == [0, 1, 2])
  // run() starts the gate with the test runner's signals blocked, and the gate ignores
  // SIGPIPE itself: rsync still gets every standard signal unblocked and at its default.
  #expect(rsync.blockedSignals.map { $0 & 0x7fff_ffff } == 0)
  #expect(rsync.ignoredSignals.map { $0 & 0x7fff_ffff } == 0)
  #expect(rsync.hooks == ["pre-xfer 0"])
  // stdin and stdout are the ssh channel: what the client sent came back through rsync.
  #expect(result.stdout == Data("fake rsync greeting\n".utf8) + input)
  #expect(result.stdout == rsync.wrote)

  let snapshots = root.snapshotRuns()
  try #require(snapshots.count == 1)
  #expect(snapshots[0].argv == "\(R)/fake-rsnapshot -c \(R)/keys/laptop/rsnapshot.conf hourly")
  #expect(snapshots[0].directory == root.area)
  #expect(
    snapshots[0].environment.sorted()
      == [
        "PATH=/usr/bin:/bin:/usr/sbin:/sbin", "HOME=\(home)", "USER=\(user)", "LOGNAME=\(user)",
        "PUSHGATE_SESSION=\(session)",
      ].sorted())

  let allowed = records[0]
  #expect(allowed.text("key") == "laptop")
  #expect(allowed.text("peer") == "203.0.113.7")
  #expect(allowed.int("port") == 51234)
  #expect(allowed.text("user") == user)
  #expect(allowed.text("command") == root.allowedCommand)
  #expect(allowed.text("reason") == "allowed")
  #expect(allowed.int("slot") == 0)
  #expect((allowed.int("wait_ms") ?? -1) >= 0)
  #expect(allowed.int("pid") == rsync.parent, "rsync is a direct child of the gate")
  #expect(allowed["pubkey"] == nil)

  let transfer = records[1]
  #expect(transfer.int("status") == 0)
  #expect(transfer.text("module") == "push")
  #expect(transfer.text("request") == "push/")
  #expect(transfer.flag("dry_run") == false)
  #expect(transfer.flag("pull") == false)
  #expect(transfer.text("args") == "rsyncd --server -logDtpre.iLsfxCIvu . .")
  #expect(transfer.text("activity") == "pushed")
  #expect(transfer.int("created") == 1)
  #expect(transfer.int("changed") == 0)
  #expect(transfer.int("deleted") == 0)
  #expect(transfer.int("bytes_received") == 42)
  #expect(transfer["hook_status"] == nil)
  #expect(transfer.text("snapshot") == "due")
  #expect(transfer["snapshot_reason"] == nil)

  let snapshot = records[2]
  #expect(snapshot.text("result") == "ok")
  #expect(snapshot.int("status") == 0)
  #expect(snapshot.text("mode") == "wait")
  #expect(
    snapshot.text("output")
      == #"fake rsnapshot: -c \#(R)/keys/laptop/rsnapshot.conf sync\nfake rsnapshot: -c \#(R)/keys/laptop/rsnapshot.conf hourly\n"#
  )

  #expect(!root.exists(".pushgate/slot-0"), "the evidence file is consumed")
  #expect(!root.exists(".pushgate/slot-0.transfer"), "the transfer log is consumed")
  #expect(!root.exists("keys/laptop/state/pending"))
  let stamp = read(root.area + "/state/last-snapshot")
  #expect(stamp.utf8.count == 21 && stamp.hasSuffix("Z\n"), "last-snapshot: \(stamp)")
}

struct NoSnapshotCase: Sendable, CustomTestStringConvertible {
  let name: String
  let scenario: Scenario
  let status: Int32
  let activity: String
  let snapshot: String
  let reason: String
  /// What the area's pending marker holds afterwards (nil: no marker).
  var pending: String? = nil
  var testDescription: String { name }
}

private let unchanged: [String] = []

let noSnapshotCases: [NoSnapshotCase] = [
  NoSnapshotCase(
    name: "an unchanged push", scenario: Scenario(changes: unchanged), status: 0,
    activity: "unchanged", snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "-ii lists unchanged items, which are no change",
    scenario: Scenario(changes: ["recv .f          0", "recv .d          0"]), status: 0,
    activity: "unchanged", snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "a dry run (-n in the short-option cluster)",
    scenario: Scenario(arguments: "rsyncd --server -nlogDtpre.iLsfxCIvu . .", changes: unchanged),
    status: 0, activity: "dry-run", snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "--list-only",
    scenario: Scenario(
      arguments: "rsyncd --server --list-only -logDtpre.iLsfxCIvu . push/", changes: unchanged),
    status: 0, activity: "listed", snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "a pull from the write-only module (--sender)",
    scenario: Scenario(
      arguments: "rsyncd --server --sender -logDtpre.iLsfxCIvu . push/", changes: unchanged,
      status: 1),
    status: 1, activity: "listed", snapshot: "skipped", reason: "rsync-status"),
  NoSnapshotCase(
    name: "--only-write-batch",
    scenario: Scenario(
      arguments: "rsyncd --server --only-write-batch=b -logDtpre.iLsfxCIvu . .", changes: unchanged),
    status: 0, activity: "dry-run", snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "a restore from the snapshots module sends, changes nothing",
    scenario: Scenario(
      module: "snapshots", request: "snapshots/",
      arguments: "rsyncd --server --sender -logDtpre.iLsfxCIvu . snapshots/",
      changes: ["send >f+++++++++ 42"]),
    status: 0, activity: "restored", snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "a write into another module is not a change of the push module",
    scenario: Scenario(module: "other", request: "other/"), status: 0, activity: "unchanged",
    snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "rsync never reached a module (the bare module list)",
    scenario: Scenario(changes: unchanged, hooks: .none), status: 0, activity: "listed",
    snapshot: "skipped", reason: "unchanged"),
  NoSnapshotCase(
    name: "rsync exit 23 without a change", scenario: Scenario(changes: unchanged, status: 23),
    status: 23, activity: "unchanged", snapshot: "skipped", reason: "rsync-status"),
  NoSnapshotCase(
    name: "rsync exit 23 after a change leaves the area pending, incomplete",
    scenario: Scenario(status: 23), status: 23, activity: "pushed", snapshot: "pending",
    reason: "rsync-status", pending: "incomplete\n"),
  NoSnapshotCase(
    name: "rsync exit 24 with the default snapshot_on", scenario: Scenario(status: 24), status: 24,
    activity: "pushed", snapshot: "pending", reason: "rsync-status", pending: "incomplete\n"),
  NoSnapshotCase(
    name: "rsync killed by SIGTERM after a change", scenario: Scenario(killed: true), status: 143,
    activity: "pushed", snapshot: "pending", reason: "rsync-signaled", pending: "incomplete\n"),
]

@Test(
  "no snapshot unless the session changed the push module and ended well", .blocking,
  arguments: noSnapshotCases)
func noSnapshot(_ row: NoSnapshotCase) throws {
  let root = try Root(scenario: row.scenario)
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)

  #expect(result.status == row.status, "rsync's status is passed on")
  #expect(result.stdout.isEmpty)
  #expect(result.err == "")
  #expect(root.rsyncRuns().count == 1)
  #expect(root.snapshotRuns().isEmpty)
  #expect(!root.exists("snapshots.log"))
  let records = root.records
  #expect(records.map { $0.text("event") } == ["allowed", "transfer-ended"])
  let transfer = try #require(records.last)
  #expect(transfer.text("activity") == row.activity)
  #expect(transfer.text("snapshot") == row.snapshot)
  #expect(transfer.text("snapshot_reason") == row.reason)
  if row.scenario.killed {
    #expect(transfer.int("signal") == 15)
    #expect(transfer["status"] == nil)
  } else {
    #expect(transfer.int("status") == Int(row.status))
  }
  #expect(
    (root.exists("keys/laptop/state/pending") ? read(root.area + "/state/pending") : nil)
      == row.pending)
  #expect(!root.exists("keys/laptop/state/last-snapshot"))
}

@Test(
  "arguments that claim a dry run do not matter: rsync wrote, so a snapshot is taken", .blocking)
func smuggledDryRunIsSnapshotted() throws {
  let root = try Root(
    scenario: Scenario(
      arguments: "rsyncd --server -logDtpre.iLsfxCIvu --out-format -n%f . .",
      changes: ["recv .d..t...... 0", "recv >f+++++++++ 10", "recv >f.st...... 20"]))
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 0)
  #expect(root.snapshotRuns().count == 1)
  let transfer = try #require(root.records("transfer-ended").first)
  #expect(transfer.flag("dry_run") == true, "what the arguments claimed")
  #expect(transfer.text("activity") == "pushed", "what rsync did")
  #expect(transfer.int("created") == 1)
  #expect(transfer.int("changed") == 2)
  #expect(transfer.int("bytes_received") == 30)
  #expect(transfer.text("snapshot") == "due")
}

@Test(
  "a pending area is snapshotted by the next push that ends well, even an unchanged one", .blocking)
func pendingIsTakenByTheNextGoodPush() throws {
  let root = try Root(scenario: Scenario(status: 23))
  defer { root.remove() }
  #expect(try root.serve(root.allowedCommand).status == 23)
  #expect(read(root.area + "/state/pending") == "incomplete\n")
  // A dry run does not take it: the tree may still be partial.
  try root.setScenario(Scenario(arguments: "rsyncd --server -nlogDtpre.iLsfxCIvu . .", changes: []))
  #expect(try root.serve(root.allowedCommand).status == 0)
  #expect(root.snapshotRuns().isEmpty)
  try root.setScenario(Scenario(changes: []))
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 0)
  #expect(result.err == "pushgate: snapshot taken\n")
  #expect(root.snapshotRuns().count == 1)
  let transfers = root.records("transfer-ended")
  #expect(transfers.map { $0.text("snapshot") } == ["pending", "skipped", "due"])
  #expect(transfers.map { $0.text("activity") } == ["pushed", "dry-run", "unchanged"])
  #expect(!root.exists("keys/laptop/state/pending"))
}

@Test("within snapshot_min_interval a changing push leaves the area pending", .blocking)
func minIntervalDefersTheSnapshot() throws {
  let root = try Root(settings: ["snapshot_min_interval = 1h"])
  defer { root.remove() }
  #expect(try root.serve(root.allowedCommand).err == "pushgate: snapshot taken\n")
  let second = try root.serve(root.allowedCommand)
  #expect(second.status == 0)
  #expect(second.err == "")
  #expect(root.snapshotRuns().count == 1)
  let transfers = root.records("transfer-ended")
  #expect(transfers.map { $0.text("snapshot") } == ["due", "pending"])
  #expect(transfers.last?.text("snapshot_reason") == "min-interval")
  #expect(read(root.area + "/state/pending") == "complete\n")
  // An hour later (the recorded time moved back), the next push takes the pending changes.
  try write("2026-01-01T00:00:00Z\n", to: root.area + "/state/last-snapshot", mode: 0o600)
  try root.setScenario(Scenario(changes: []))
  #expect(try root.serve(root.allowedCommand).err == "pushgate: snapshot taken\n")
  #expect(root.snapshotRuns().count == 2)
  #expect(!root.exists("keys/laptop/state/pending"))
}

@Test("rsync exit 24 takes a snapshot when snapshot_on lists it, and 24 is passed on", .blocking)
func snapshotOnVanishedFiles() throws {
  let root = try Root(settings: ["snapshot_on = 0 24"], scenario: Scenario(status: 24))
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 24)
  #expect(result.err == "pushgate: snapshot taken\n")
  #expect(root.snapshotRuns().count == 1)
  let records = root.records
  #expect(records.map { $0.text("event") } == ["allowed", "transfer-ended", "snapshot-ended"])
  #expect(records[1].text("snapshot") == "due")
  #expect(records[2].text("result") == "ok")
}

@Test("the public key from SSH_USER_AUTH is logged with allowed and refused sessions", .blocking)
func publicKeyIsLogged() throws {
  let root = try Root()
  defer { root.remove() }
  var blob = Data([0, 0, 0, 11]) + Data("ssh-ed25519".utf8) + Data([0, 0, 0, 32])
  blob += Data((0..<32).map { UInt8($0 * 7 + 1) })
  let key = blob.base64EncodedString()
  let auth = root.path + "/user-auth"
  try write("publickey ssh-ed25519 \(key) \n", to: auth, mode: 0o600)

  let pushed = try root.serve(root.allowedCommand, environment: ["SSH_USER_AUTH": auth])
  #expect(pushed.status == 0)
  let refused = try root.serve("ls /", environment: ["SSH_USER_AUTH": auth])
  #expect(refused.status == 77)

  let allowed = try #require(root.records("allowed").first)
  #expect(allowed.text("pubkey_type") == "ssh-ed25519")
  #expect(allowed.text("pubkey") == key)
  let refusal = try #require(root.records("refused").first)
  #expect(refusal.text("pubkey_type") == "ssh-ed25519")
  #expect(refusal.text("pubkey") == key)
  #expect(root.records("transfer-ended").first?["pubkey"] == nil)
}

@Test("a pushgate-serve installed at a path with a space fails closed", .blocking)
func unusableInstallPath() throws {
  let root = try Root()
  defer { root.remove() }
  try FileManager.default.createDirectory(
    atPath: root.path + "/bin dir", withIntermediateDirectories: false)
  let copy = root.path + "/bin dir/pushgate-serve"
  try copyServe(to: copy)
  let result = try runFresh { try root.serve(root.allowedCommand, program: copy) }
  #expect(result.status == 71)
  #expect(result.stdout.isEmpty)
  #expect(result.err == "pushgate: server error: pushgate-serve is installed at an unusable path\n")
  let failed = try #require(root.records.first)
  #expect(failed.text("event") == "failed")
  #expect(failed.text("reason") == "self-path")
  #expect(root.rsyncRuns().isEmpty)
  #expect(!root.exists("pushgate.lock"))
}
