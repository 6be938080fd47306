// What a session did, read from what rsync really did: one row per kind of session, each
// against its own root with one snapshot already taken. For every row the audit record's
// activity, counts and snapshot decision must match what happened to incoming/, and a new
// snapshot exists exactly when incoming/ changed.
import Foundation
import Glibc
import TestSupport
import Testing

/// What the client's source looks like before the session, against what was pushed first.
enum SourceChange: Sendable {
  case none
  /// a.txt rewritten (longer) and a new file.
  case changed
  /// b.txt removed.
  case removed
  /// Only b.txt's mode changed.
  case mode
}

struct ActivityRow: Sendable, CustomTestStringConvertible {
  let name: String
  var source = SourceChange.changed
  /// rsync's arguments after the fake-ssh prefix: SRC is the source, DEST a fresh directory.
  let arguments: [String]
  /// coreutils' timeout for a client that stalls (its status is then 124).
  var timeout: Int?
  /// What rsync really ends with on the client.
  var clientStatus: Int32 = 0
  let activity: String
  /// Whether rsync changes incoming/: counts, a new snapshot and incoming's state follow it.
  let changes: Bool
  let snapshot: String
  var reason: String?
  /// The pre-xfer hook's view of -n in the server's argv, when it matters.
  var dryRunInArguments: Bool?
  var testDescription: String { name }
}

let activityRows: [ActivityRow] = [
  ActivityRow(
    name: "a push that changes files",
    arguments: ["-a", "SRC", "localhost::push"],
    activity: "pushed", changes: true, snapshot: "due"),
  ActivityRow(
    name: "a push with --delete of a removed file", source: .removed,
    arguments: ["-a", "--delete", "SRC", "localhost::push"],
    activity: "pushed", changes: true, snapshot: "due"),
  ActivityRow(
    name: "a push of a mode change only", source: .mode,
    arguments: ["-a", "SRC", "localhost::push"],
    activity: "pushed", changes: true, snapshot: "due"),
  ActivityRow(
    name: "an unchanged push", source: .none,
    arguments: ["-a", "SRC", "localhost::push"],
    activity: "unchanged", changes: false, snapshot: "skipped", reason: "unchanged"),
  ActivityRow(
    name: "-ii with changes",
    arguments: ["-a", "-ii", "SRC", "localhost::push"],
    activity: "pushed", changes: true, snapshot: "due"),
  ActivityRow(
    name: "-ii unchanged (rsync logs every file, changing none)", source: .none,
    arguments: ["-a", "-ii", "SRC", "localhost::push"],
    activity: "unchanged", changes: false, snapshot: "skipped", reason: "unchanged"),
  ActivityRow(
    name: "-n",
    arguments: ["-a", "-n", "SRC", "localhost::push"],
    activity: "dry-run", changes: false, snapshot: "skipped", reason: "unchanged",
    dryRunInArguments: true),
  ActivityRow(
    name: "--dry-run -v",
    arguments: ["-a", "--dry-run", "-v", "SRC", "localhost::push"],
    activity: "dry-run", changes: false, snapshot: "skipped", reason: "unchanged",
    dryRunInArguments: true),
  ActivityRow(
    name: "--list-only",
    arguments: ["-a", "--list-only", "SRC", "localhost::push"],
    activity: "listed", changes: false, snapshot: "skipped", reason: "unchanged"),
  ActivityRow(
    name: "--only-write-batch",
    arguments: ["-a", "--only-write-batch=DEST/batch", "SRC", "localhost::push"],
    activity: "dry-run", changes: false, snapshot: "skipped", reason: "unchanged"),
  // The server receives --out-format with "-n%f" as its value: a real write, which an argv
  // scan would read as a dry run (FIELD-NOTES §10).
  ActivityRow(
    name: "-M--out-format -M-n%f (writes)",
    arguments: ["-a", "-M--out-format", "-M-n%f", "SRC", "localhost::push"],
    activity: "pushed", changes: true, snapshot: "due", dryRunInArguments: true),
  // The server alone thinks it is a dry run: rsync's protocol stalls, and neither the client's
  // --timeout nor the server's io_timeout ends it (seen: 10 s and 5 s, still stalled after
  // 20 s), so coreutils' timeout stops the client; nothing was written.
  ActivityRow(
    name: "-M--dry-run (stalls; the client is stopped)",
    arguments: ["-a", "--timeout=30", "-M--dry-run", "SRC", "localhost::push"],
    timeout: 4, clientStatus: 124,
    activity: "dry-run", changes: false, snapshot: "skipped", reason: "rsync-status",
    dryRunInArguments: true),
  ActivityRow(
    name: "-M-n (stalls; the client is stopped)",
    arguments: ["-a", "--timeout=30", "-M-n", "SRC", "localhost::push"],
    timeout: 4, clientStatus: 124,
    activity: "dry-run", changes: false, snapshot: "skipped", reason: "rsync-status",
    dryRunInArguments: true),
  ActivityRow(
    name: "a restore",
    arguments: ["-a", "localhost::snapshots/hourly.0/", "DEST/"],
    activity: "restored", changes: false, snapshot: "skipped", reason: "unchanged"),
  ActivityRow(
    name: "a pull from the write-only push module",
    arguments: ["-a", "localhost::push/", "DEST/"], clientStatus: 12,
    activity: "listed", changes: false, snapshot: "skipped", reason: "rsync-status"),
  ActivityRow(
    name: "the module list",
    arguments: ["localhost::"],
    activity: "none", changes: false, snapshot: "skipped", reason: "rsync-status"),
]

@Suite(.blocking) struct ActivityTableTests {
  @Test(
    .tags(.slow), .skippedInQuickRun,
    .enabled(if: realProgramsInstalled && installed("/usr/bin/timeout")), arguments: activityRows)
  func theRecordSaysWhatRsyncDid(_ row: ActivityRow) throws {
    let root = try BackupRoot()
    defer { root.remove() }
    try root.writeSource("a.txt", "one\n")
    try root.writeSource("b.txt", "bee\n")
    try #require(try root.push().status == 0)
    try #require(root.snapshots == ["hourly.0"])
    let firstSnapshot = TreeState.of(root.snapshotFile("hourly.0", ""))
    switch row.source {
    case .none: break
    case .changed:
      try root.writeSource("a.txt", "one, changed\n")
      try root.writeSource("new.txt", "new\n")
    case .removed: try FileManager.default.removeItem(atPath: root.source + "/b.txt")
    case .mode: #expect(chmod(root.source + "/b.txt", 0o600) == 0)
    }
    let destination = root.temporary.path + "/dest"
    try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
    let before = TreeState.of(root.incoming)

    let arguments = row.arguments.map {
      $0.replacingOccurrences(of: "SRC", with: root.source + "/").replacingOccurrences(
        of: "DEST", with: destination)
    }
    let result = try root.client(arguments, timeout: row.timeout)
    #expect(result.status == row.clientStatus, "client: \(result.err)")

    let ended = try #require(
      root.records("transfer-ended").dropFirst().first, "log: \(read(root.auditLog))")
    #expect(root.records("transfer-ended").count == 2)
    #expect(ended["activity"] as? String == row.activity, "\(ended)")
    let counted = ["created", "changed", "deleted"].map { ended[$0] as? Int ?? -1 }
    #expect(counted.allSatisfy { $0 >= 0 }, "\(ended)")
    #expect((counted.reduce(0, +) > 0) == row.changes, "counts \(counted): \(ended)")
    #expect(ended["snapshot"] as? String == row.snapshot, "\(ended)")
    #expect(ended["snapshot_reason"] as? String == row.reason, "\(ended)")
    if let dryRun = row.dryRunInArguments {
      #expect(ended["dry_run"] as? Bool == dryRun, "\(ended)")
    }

    // What really happened to incoming/, and the snapshot exactly when it changed.
    let changed = TreeState.of(root.incoming).differences(from: before)
    #expect(!changed.isEmpty == row.changes, "incoming/ changes: \(changed)")
    #expect(root.snapshots == (row.changes ? ["hourly.0", "hourly.1"] : ["hourly.0"]))
    #expect(root.records("snapshot-ended").count == (row.changes ? 2 : 1))
    if row.changes {
      #expect(root.records("snapshot-ended").last?["result"] as? String == "ok")
      #expect(
        sameFiles(TreeState.of(root.snapshotFile("hourly.0", "")), TreeState.of(root.incoming)))
      // The first snapshot moved to hourly.1 whole (its files gained hard links only).
      #expect(sameFiles(TreeState.of(root.snapshotFile("hourly.1", "")), firstSnapshot))
    } else {
      #expect(
        TreeState.of(root.snapshotFile("hourly.0", "")).differences(from: firstSnapshot) == [])
    }
    #expect(!FileManager.default.fileExists(atPath: root.state("laptop") + "/pending"))
  }
}

/// Whether two trees hold the same names with the same types, modes and contents.
func sameFiles(_ one: TreeState, _ other: TreeState) -> Bool {
  let shape = { (state: TreeState) in
    state.entries.mapValues {
      "\($0.type) \(String($0.mode, radix: 8)) \($0.contents?.count ?? -1) \($0.target ?? "")"
    }
  }
  let contents = { (state: TreeState) in state.entries.compactMapValues(\.contents) }
  return shape(one) == shape(other) && contents(one) == contents(other)
}
