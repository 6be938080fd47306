// A btrfs root's history under everything a client and the backup account can do, and root's
// `pushgate rotate`, the one thing that deletes a snapshot: real rsync through fake-ssh, a
// non-root backup account made by the test, a loop-mounted btrfs.
import Foundation
import Glibc
import TestSupport
import Testing

/// Every file of every snapshot of `key`, by snapshot name.
private func snapshotContents(_ root: BackupRoot, _ key: String) -> [String: [String: Data]] {
  Dictionary(
    uniqueKeysWithValues: root.history(key).map {
      ($0, fileBytes(root.snapshotsDirectory(key) + "/" + $0))
    })
}

/// `pushgate rotate` with `arguments`, as root unless `account` is given.
private func rotate(_ root: BackupRoot, _ arguments: [String], as account: TestAccount? = nil)
  throws -> Finished
{
  let argv = ["rotate", "--config", root.config] + arguments
  if let account { return try account.run(Binaries.pushgate, argv) }
  return try run(Binaries.pushgate, argv, environment: adminEnvironment)
}

/// Makes a read-only snapshot of `key`'s incoming/ named `name`, as the gate would have
/// (root's `btrfs subvolume snapshot -r`: the snapshot keeps incoming/'s owner).
private func plantSnapshot(_ root: BackupRoot, _ key: String, _ name: String, readOnly: Bool = true)
  throws
{
  let made = try run(
    "/usr/bin/btrfs",
    ["subvolume", "snapshot"] + (readOnly ? ["-r"] : [])
      + [root.incoming(key), root.snapshotsDirectory(key) + "/" + name])
  try #require(made.status == 0, "btrfs subvolume snapshot: \(made.err)")
}

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct BtrfsHistoryTests {
  // Every kind of session a client can open, many at once and in a row, and what the backup
  // account itself can try: no snapshot disappears or changes, and each changing push adds one.
  @Test(.enabled(if: realProgramsInstalled))
  func noClientActionAndNoActOfTheAccountDeletesOrChangesASnapshot() throws {
    let (root, account) = try btrfsAccountRoot()
    defer {
      root.remove()
      account.remove()
    }
    try root.writeSource("a.txt", "first\n")
    try root.writeSource("b.txt", "second\n")
    #expect(try root.push().status == 0)
    var seen = snapshotContents(root, "laptop")
    #expect(seen.count == 1)
    /// Checks that every snapshot seen so far is still there with the same bytes.
    func expectHistoryKept(_ step: String) {
      let now = snapshotContents(root, "laptop")
      for (name, files) in seen {
        #expect(now[name] == files, "\(step): snapshot \(name) changed or vanished")
      }
      seen = now
    }
    let tree = root.source
    let empty = root.temporary.path + "/empty"
    mkdir(empty, 0o755)
    let sessions: [(String, [String])] = [
      ("an unchanged push", ["-a", tree + "/", "localhost::push"]),
      (
        "a dry run deleting everything", ["-a", "-n", "--delete", empty + "/", "localhost::push"]
      ),
      ("a listing", ["--list-only", "localhost::snapshots/"]),
      ("a restore", ["-a", "localhost::snapshots/", root.temporary.path + "/restored/"]),
      ("a push into the snapshots module", ["-a", tree + "/", "localhost::snapshots/"]),
      (
        "a delete-pass into the snapshots module",
        ["-a", "--delete", empty + "/", "localhost::snapshots/"]
      ),
      ("a push deleting everything", ["-a", "--delete", empty + "/", "localhost::push"]),
    ]
    for (step, arguments) in sessions {
      _ = try root.client(arguments)
      expectHistoryKept(step)
    }
    #expect(seen.count == 2, "only the push deleting everything changed the area: \(seen.keys)")
    // Changing pushes in a burst, four at once: each adds a snapshot, none removes one.
    try root.writeSource("c.txt", "third\n")
    try root.addSettings(["slot_wait = 60"])
    var burst: [SpawnedProcess] = []
    for index in 0..<4 {
      try root.writeSource("burst-\(index).txt", "\(index)\n")
      burst.append(try root.startPush())
    }
    for push in burst { #expect(push.wait() == 0) }
    expectHistoryKept("a burst of pushes")
    #expect(seen.count >= 3)

    // The backup account, with the kernel's rights of its own: no deletion, no change.
    let newest = try #require(root.newestSnapshot())
    for (what, program, arguments) in [
      ("btrfs subvolume delete", "/usr/bin/btrfs", ["subvolume", "delete", newest]),
      ("rm -rf", "/bin/rm", ["-rf", newest]),
      ("rmdir", "/bin/rmdir", [newest]),
      ("rename away", "/bin/mv", [newest, root.snapshotsDirectory("laptop") + "/../moved"]),
    ] {
      let attempt = try account.run(program, arguments)
      #expect(attempt.status != 0, "the backup account's \(what) succeeded")
      expectHistoryKept("the backup account's \(what)")
    }
    // Nor does the account's own rotate: it is refused before anything is looked at.
    let byAccount = try rotate(root, [], as: account)
    #expect(byAccount.status == 64 && byAccount.err.contains("run 'pushgate rotate' as root"))
    expectHistoryKept("the account's rotate")
    root.expectSealedSnapshots()
  }

  // Root's rotate deletes exactly what preserve and preserve_min no longer keep, only read-only
  // snapshots with a snapshot's name, by name below the directory it opened, and logs each.
  @Test(.enabled(if: realProgramsInstalled))
  func rootsRotateDeletesOnlyWhatPreserveNoLongerKeeps() throws {
    let (root, account) = try btrfsAccountRoot(
      keys: ["laptop", "desk"], settings: ["preserve = 2d 1m", "preserve_min = 1h"])
    defer {
      root.remove()
      account.remove()
    }
    for key in root.keys {
      try root.writeSource("a.txt", "\(key)\n", key: key)
      #expect(try root.push(key: key).status == 0)
    }
    let pushed = try #require(root.newestSnapshot("laptop"))
    // Two old snapshots in one month (the first is kept, 1m), one older than every period, a
    // writable subvolume, a plain directory and a symlink to desk's area, all with old names.
    for name in ["2020-01-05T000000Z", "2026-02-01T120000Z", "2026-02-01T130000Z"] {
      try plantSnapshot(root, "laptop", name)
    }
    try plantSnapshot(root, "laptop", "2020-01-06T000000Z", readOnly: false)
    mkdir(root.snapshotsDirectory("laptop") + "/2020-01-07T000000Z", 0o755)
    symlink(root.area("desk"), root.snapshotsDirectory("laptop") + "/2020-01-08T000000Z")
    let deskBefore = snapshotContents(root, "desk")

    let dry = try rotate(root, ["--dry-run", "--key", "laptop"])
    #expect(dry.status == 0, "\(dry.err)")
    #expect(
      lines(dry.out).filter { !$0.isEmpty } == [
        "laptop  2020-01-05T000000Z  deleted: older than every preserve period",
        "laptop  2026-02-01T120000Z  deleted: older than every preserve period",
        "laptop  2026-02-01T130000Z  deleted: older than every preserve period",
        "laptop  1 kept, 3 to delete",
      ], "\(dry.out)")
    #expect(root.history("laptop").count == 7, "the dry run deleted something")

    let ran = try rotate(root, [])
    #expect(ran.status == 0 && ran.out.isEmpty && ran.err.isEmpty, "\(ran.out)\(ran.err)")
    let left = Set(root.names(in: root.snapshotsDirectory("laptop")))
    #expect(
      left == [
        URL(fileURLWithPath: pushed).lastPathComponent, "2020-01-06T000000Z",
        "2020-01-07T000000Z", "2020-01-08T000000Z",
      ])
    #expect(snapshotContents(root, "desk") == deskBefore, "desk's history changed")
    #expect(FileManager.default.fileExists(atPath: root.incoming("desk") + "/a.txt"))
    let deleted = root.records("snapshot-deleted")
    #expect(
      deleted.map { $0["snapshot"] as? String } == [
        "2020-01-05T000000Z", "2026-02-01T120000Z", "2026-02-01T130000Z",
      ])
    #expect(
      deleted.allSatisfy { $0["key"] as? String == "laptop" && $0["result"] as? String == "ok" })
    let log = try run(
      Binaries.pushgate, ["log", "--config", root.config, "--key", "laptop"],
      environment: adminEnvironment)
    #expect(log.out.contains("rotate       delete 2020-01-05T000000Z ok"), "\(log.out)")

    // A symlink planted where snapshots/ was: rotate fails the area and follows nothing.
    let snapshots = root.snapshotsDirectory("laptop")
    #expect(rename(snapshots, snapshots + ".real") == 0)
    #expect(symlink(root.snapshotsDirectory("desk"), snapshots) == 0)
    let followed = try rotate(root, [])
    #expect(followed.status == 1 && followed.err.contains("rotate of 'laptop' failed"))
    #expect(snapshotContents(root, "desk") == deskBefore, "rotate followed the symlink")
  }

  // The audit log is the backup account's, and root's rotate appends to it: a log the account
  // replaced with a hard link to root's file (possible where fs.protected_hardlinks is 0, or
  // to a root file its group may write) is refused, root's file stays as it was, and nothing is
  // deleted unrecorded.
  @Test(.enabled(if: realProgramsInstalled))
  func rootsRotateNeverWritesALogThatIsNotTheAccounts() throws {
    let (root, account) = try btrfsAccountRoot(settings: ["preserve = 1d", "preserve_min = no"])
    defer {
      root.remove()
      account.remove()
    }
    try root.writeSource("a.txt", "first\n")
    #expect(try root.push().status == 0)
    try plantSnapshot(root, "laptop", "2020-01-05T000000Z")
    // On the same file system as the log, where a hard link can be made.
    let roots = URL(fileURLWithPath: root.path).deletingLastPathComponent().path + "/roots-file"
    try write("root's own\n", to: roots, mode: 0o644)
    #expect(unlink(root.auditLog) == 0 && link(roots, root.auditLog) == 0)
    let ran = try rotate(root, [])
    #expect(ran.status == 71, "\(ran.err)")
    #expect(ran.err.contains("owned by uid 0; nothing was deleted"), "\(ran.err)")
    #expect(read(roots) == "root's own\n")
    #expect(root.history().contains("2020-01-05T000000Z"))
  }

  // With snapshot_min_interval a changing push within the interval leaves the area pending;
  // root's rotate takes that snapshot once due, as the backup account, and the state stays the
  // account's.
  @Test(.enabled(if: realProgramsInstalled))
  func rootsRotateTakesADuePendingSnapshotAsTheAccount() throws {
    let (root, account) = try btrfsAccountRoot(settings: ["snapshot_min_interval = 2s"])
    defer {
      root.remove()
      account.remove()
    }
    try root.writeSource("a.txt", "first\n")
    #expect(try root.push().status == 0)
    try root.writeSource("b.txt", "second\n")
    let deferred = try root.push()
    #expect(deferred.status == 0 && !root.saysSnapshotTaken(deferred.err))
    #expect(root.history().count == 1)
    #expect(read(root.state("laptop") + "/pending") == "complete\n")
    let early = try rotate(root, [])
    #expect(early.status == 0 && root.history().count == 1, "taken before the interval")
    sleep(3)
    let dry = try rotate(root, ["--dry-run"])
    #expect(lines(dry.out).first == "laptop  pending changes: would take their snapshot")
    #expect(root.history().count == 1)
    let ran = try rotate(root, [])
    #expect(ran.status == 0, "\(ran.err)")
    #expect(root.history().count == 2)
    let newest = try #require(root.newestSnapshot())
    #expect(read(newest + "/b.txt") == "second\n")
    #expect(!FileManager.default.fileExists(atPath: root.state("laptop") + "/pending"))
    var info = stat()
    #expect(
      lstat(root.state("laptop") + "/last-snapshot", &info) == 0 && info.st_uid == account.uid)
    root.expectSealedSnapshots()
    #expect(root.records("snapshot-ended").last?["result"] as? String == "ok")
  }

  // A snapshot btrfs refuses (here: snapshots/ not writable for the account, the ioctl's
  // EACCES; a full metadata space takes the same path): the client is told and the status says
  // so, nothing enters snapshots/, the area stays pending, and the next push, even unchanged,
  // takes the snapshot once btrfs allows it.
  @Test(.enabled(if: realProgramsInstalled))
  func aSnapshotBtrfsRefusesIsLoggedAndStaysPending() throws {
    let (root, account) = try btrfsAccountRoot()
    defer {
      root.remove()
      account.remove()
    }
    try root.writeSource("a.txt", "first\n")
    #expect(try root.push().status == 0)
    let snapshots = root.snapshotsDirectory("laptop")
    #expect(chmod(snapshots, 0o550) == 0)
    try root.writeSource("b.txt", "second\n")
    let refused = try root.push()
    #expect(refused.status == 69, "\(refused.err)")
    #expect(
      lines(refused.err).contains {
        $0.hasPrefix("pushgate: snapshot failed (btrfs snapshot '\(snapshots)/")
          && $0.hasSuffix("Permission denied); your data arrived and is kept for the next snapshot")
      }, "\(refused.err)")
    let record = try #require(root.records("snapshot-ended").last)
    #expect(record["result"] as? String == "failed")
    #expect((record["detail"] as? String)?.hasSuffix("Permission denied") == true)
    #expect(root.history().count == 1)
    #expect(read(root.state("laptop") + "/pending") == "complete\n")
    #expect(chmod(snapshots, 0o750) == 0)
    let retried = try root.push()
    #expect(retried.status == 0 && root.saysSnapshotTaken(retried.err), "\(retried.err)")
    #expect(root.history().count == 2)
    let newest = try #require(root.newestSnapshot())
    #expect(read(newest + "/b.txt") == "second\n")
    root.expectSealedSnapshots()
  }
}
