// The real rsync client pushing through fake-ssh, pushgate-serve, rsync's daemon side and rsnapshot.
import Foundation
import TestSupport
import Testing

@Suite(.blocking) struct PushTests {
  /// A file rewritten at the same size within the same second: rsync's quick check (size and whole
  /// seconds) would call it unchanged and link the old content into the new snapshot.
  ///
  /// The client pushes it with -I (what --checksum or an editor's two saves lead to); the snapshot
  /// must hold what incoming/ holds.
  @Test(.enabled(if: realProgramsInstalled))
  func aSameSizeSameSecondRewriteIsInTheNextSnapshot() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    let file = root.source + "/note.txt"
    try root.writeSource("note.txt", "aaaa\n")
    #expect(try run("/usr/bin/touch", ["-d", "2026-11-30 10:00:00.100000000", file]).status == 0)
    let first = try root.push()
    #expect(first.status == 0, "client stderr: \(first.err)")
    try root.writeSource("note.txt", "bbbb\n")
    #expect(try run("/usr/bin/touch", ["-d", "2026-11-30 10:00:00.900000000", file]).status == 0)
    let second = try root.push(["-a", "-I"])
    #expect(second.status == 0, "client stderr: \(second.err)")
    #expect(second.err.contains("pushgate: snapshot taken"), "\(second.err)")
    #expect(root.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(root.snapshotFile("hourly.1", "note.txt")) == "aaaa\n")
    #expect(read(root.snapshotFile("hourly.0", "note.txt")) == "bbbb\n")
  }

  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func twoPushesMakeTwoSnapshotsSharingUnchangedFiles(_ engine: Engine) throws {
    let root = try BackupRoot(engine: engine)
    defer { root.remove() }
    try root.writeSource("same.txt", "unchanged\n")
    try root.writeSource("changed.txt", "first\n")

    let first = try root.push()
    #expect(first.status == 0, "client stderr: \(first.err)")
    #expect(root.saysSnapshotTaken(first.err), "\(first.err)")
    try #require(root.history().count == 1)
    let firstName = try #require(root.history().first)
    #expect(fileBytes(try #require(root.newestSnapshot())) == fileBytes(root.source))
    #expect(read(root.snapshotFile(firstName, "same.txt")) == "unchanged\n")
    #expect(read(root.snapshotFile(firstName, "changed.txt")) == "first\n")
    let firstBytes = fileBytes(try #require(root.newestSnapshot()))

    // A different size, so rsync's size+mtime quick check cannot miss the change.
    try root.writeSource("changed.txt", "second, longer\n")
    let second = try root.push()
    #expect(second.status == 0, "client stderr: \(second.err)")
    #expect(root.saysSnapshotTaken(second.err), "\(second.err)")
    let history = root.history()
    try #require(history.count == 2)
    #expect(fileBytes(root.snapshotsDirectory(root.keys[0]) + "/" + history[1]) == firstBytes)
    #expect(fileBytes(try #require(root.newestSnapshot())) == fileBytes(root.source))
    #expect(read(root.snapshotFile(history[0], "changed.txt")) == "second, longer\n")
    #expect(read(root.snapshotFile(history[1], "changed.txt")) == "first\n")
    if engine == .rsnapshot {
      #expect(history == ["hourly.0", "hourly.1"])
      #expect(
        try inode(root.snapshotFile("hourly.0", "same.txt"))
          == inode(root.snapshotFile("hourly.1", "same.txt")), "unchanged file is a hard link")
      #expect(
        try inode(root.snapshotFile("hourly.0", "changed.txt"))
          != inode(root.snapshotFile("hourly.1", "changed.txt")))
    } else {
      #expect(history[0] > history[1], "named by time: \(history)")
    }
    root.expectSealedSnapshots()

    let records = root.records
    try #require(records.count == 6, "audit log: \(read(root.auditLog))")
    for (index, push) in [records[0..<3], records[3..<6]].enumerated() {
      let session = push.first?["session"] as? String
      #expect(session?.count == 16)
      #expect(push.allSatisfy { $0["session"] as? String == session })
      #expect(
        push.map { $0["event"] as? String } == ["allowed", "transfer-ended", "snapshot-ended"])
      let ended = push[push.startIndex + 1]
      #expect(ended["snapshot"] as? String == "due")
      #expect(ended["snapshot_reason"] == nil)
      #expect(ended["module"] as? String == "push")
      #expect(ended["activity"] as? String == "pushed")
      let snapshot = push[push.startIndex + 2]
      #expect(snapshot["result"] as? String == "ok")
      #expect(snapshot["mode"] as? String == "wait")
      // btrfs names the snapshot it made; rsnapshot's levels have no name of their own.
      #expect(
        snapshot["snapshot"] as? String == (engine == .btrfs ? history[1 - index] : nil),
        "\(snapshot)")
    }
    // What rsync recorded: two new files (and the top directory's new time), then one file
    // rewritten.
    #expect(records[1]["created"] as? Int == 2)
    #expect(records[1]["deleted"] as? Int == 0)
    #expect(records[4]["created"] as? Int == 0)
    #expect(records[4]["changed"] as? Int == 1)
    #expect(records[4]["deleted"] as? Int == 0)
    #expect((records[4]["bytes_received"] as? Int ?? 0) > 0)
    #expect(records[0]["session"] as? String != records[3]["session"] as? String)
    #expect(records.allSatisfy { $0["key"] as? String == "laptop" })
    #expect(root.names(in: root.path + "/.pushgate") == [], "evidence files are consumed")
  }

  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func dryRunAndListOnlyPushesTakeNoSnapshot(_ engine: Engine) throws {
    let root = try BackupRoot(engine: engine)
    defer { root.remove() }
    try root.writeSource("a.txt", "one\n")
    #expect(try root.push().status == 0)
    let history = root.history()
    try #require(history.count == 1)
    try root.writeSource("a.txt", "one, changed\n")
    try root.writeSource("new.txt", "new\n")

    let dryRun = try root.push(["-a", "-n"])
    #expect(dryRun.status == 0, "client stderr: \(dryRun.err)")
    #expect(!root.saysSnapshotTaken(dryRun.err))
    let dryEnd = try #require(root.records("transfer-ended").last)
    #expect(dryEnd["dry_run"] as? Bool == true)
    #expect(dryEnd["activity"] as? String == "dry-run")
    expectNoChanges(dryEnd)
    #expect(dryEnd["snapshot"] as? String == "skipped")
    #expect(dryEnd["snapshot_reason"] as? String == "unchanged")

    let listOnly = try root.push(["-a", "--list-only"])
    #expect(listOnly.status == 0, "client stderr: \(listOnly.err)")
    let listEnd = try #require(root.records("transfer-ended").last)
    #expect(listEnd["activity"] as? String == "listed")
    expectNoChanges(listEnd)
    #expect(listEnd["snapshot"] as? String == "skipped")
    #expect(listEnd["snapshot_reason"] as? String == "unchanged")

    #expect(root.records("transfer-ended").count == 3)
    #expect(root.records("snapshot-ended").count == 1)
    #expect(root.history() == history)
    #expect(root.names(in: root.incoming) == ["a.txt"])
    #expect(read(root.incoming + "/a.txt") == "one\n")
    #expect(read(root.snapshotFile(history[0], "a.txt")) == "one\n")
    #expect(!FileManager.default.fileExists(atPath: root.state(root.keys[0]) + "/pending"))
  }

  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func listingsTakeNoSnapshot(_ engine: Engine) throws {
    let root = try BackupRoot(engine: engine)
    defer { root.remove() }
    try root.writeSource("a.txt", "one\n")
    #expect(try root.push().status == 0)
    let history = root.history()
    try #require(history.count == 1)

    // The push module is write only: listing it is a refused pull (FIELD-NOTES §4: rc 12).
    let pushListing = try root.client(["-a", "localhost::push/"])
    #expect(pushListing.status == 12, "client stderr: \(pushListing.err)")
    #expect(pushListing.err.contains("module is write only"))
    let pushEnd = try #require(root.records("transfer-ended").last)
    #expect(pushEnd["module"] as? String == "push")
    #expect(pushEnd["pull"] as? Bool == true)
    #expect(pushEnd["activity"] as? String == "listed")
    expectNoChanges(pushEnd)
    #expect(pushEnd["snapshot"] as? String == "skipped")

    // Neither module is listable (`list = no`): the bare module list shows none of them, and
    // rsync's server side ends 255 before any module (FIELD-NOTES §4).
    let moduleList = try root.client(["localhost::"])
    #expect(moduleList.status == 0, "client stderr: \(moduleList.err)")
    #expect(!moduleList.out.contains("snapshots"), "listing: \(moduleList.out)")
    #expect(!moduleList.out.contains("push"), "listing: \(moduleList.out)")
    let listEnd = try #require(root.records("transfer-ended").last)
    #expect(listEnd["status"] as? Int == 255)
    #expect(listEnd["activity"] as? String == "none")
    expectNoChanges(listEnd)
    #expect(listEnd["snapshot"] as? String == "skipped")
    #expect(listEnd["snapshot_reason"] as? String == "rsync-status")

    #expect(root.records("transfer-ended").count == 3)
    #expect(root.records("snapshot-ended").count == 1)
    #expect(root.history() == history)
  }

  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func restoreFromTheSnapshotsModuleIsByteIdenticalAndTakesNoSnapshot(_ engine: Engine) throws {
    let root = try BackupRoot(engine: engine)
    defer { root.remove() }
    try FileManager.default.createDirectory(
      atPath: root.source + "/sub", withIntermediateDirectories: true)
    let binary = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
    try binary.write(to: URL(fileURLWithPath: root.source + "/sub/blob.bin"))
    try root.writeSource("notes.txt", "caf\u{e9} \u{1F4BE}\n")
    #expect(try root.push().status == 0)
    let history = root.history()
    try #require(history.count == 1)

    let destination = root.temporary.path + "/restored"
    try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
    let restore = try root.client(["-a", "localhost::snapshots/\(history[0])/", destination + "/"])
    #expect(restore.status == 0, "client stderr: \(restore.err)")
    #expect(!restore.err.contains("snapshot"), "\(restore.err)")
    for name in ["sub/blob.bin", "notes.txt"] {
      let restored = FileManager.default.contents(atPath: destination + "/" + name)
      #expect(
        restored != nil
          && restored == FileManager.default.contents(atPath: root.source + "/" + name), "\(name)")
    }

    let end = try #require(root.records("transfer-ended").last)
    #expect(end["module"] as? String == "snapshots")
    #expect(end["pull"] as? Bool == true)
    #expect(end["activity"] as? String == "restored")
    expectNoChanges(end)
    #expect((end["sent"] as? Int ?? 0) >= 2, "the restore sent both files: \(end)")
    #expect(end["snapshot"] as? String == "skipped")
    #expect(end["snapshot_reason"] as? String == "unchanged")
    #expect(root.records("snapshot-ended").count == 1)
    #expect(root.history() == history)
  }

  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func anUnchangedPushSucceedsAndKeepsTheHistory(_ engine: Engine) throws {
    let root = try BackupRoot(engine: engine)
    defer { root.remove() }
    try root.writeSource("a.txt", "first\n")
    #expect(try root.push().status == 0)
    try root.writeSource("a.txt", "second, longer\n")
    #expect(try root.push().status == 0)
    let names = root.history()
    try #require(names.count == 2)
    let history = TreeState.of(root.snapshotsDirectory(root.keys[0]))
    let incoming = TreeState.of(root.incoming)

    // More unchanged pushes than `retain hourly 5` keeps: a snapshot per push would have
    // rotated "first" away.
    for _ in 0..<6 {
      let same = try root.push()
      #expect(same.status == 0, "client stderr: \(same.err)")
      #expect(same.err.isEmpty, "no snapshot message: \(same.err)")
    }
    #expect(TreeState.of(root.snapshotsDirectory(root.keys[0])).differences(from: history) == [])
    #expect(TreeState.of(root.incoming).differences(from: incoming) == [])
    #expect(root.history() == names)
    #expect(read(root.snapshotFile(names[1], "a.txt")) == "first\n")
    let unchanged = root.records("transfer-ended").dropFirst(2)
    #expect(unchanged.count == 6)
    for ended in unchanged {
      #expect(ended["status"] as? Int == 0)
      #expect(ended["activity"] as? String == "unchanged")
      expectNoChanges(ended)
      #expect(ended["snapshot"] as? String == "skipped")
      #expect(ended["snapshot_reason"] as? String == "unchanged")
    }
    #expect(root.records("snapshot-ended").count == 2)
    // A successful session: `pushgate log --failed` lists none of them.
    let failed = try run(
      Binaries.pushgate, ["log", "--config", root.config, "--failed", "--json"],
      environment: adminEnvironment)
    #expect(failed.status == 0, "log: \(failed.err)")
    #expect(failed.out.isEmpty, "failed sessions: \(failed.out)")
  }

  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func detachModeReleasesTheClientAndSnapshotsAfterwards(_ engine: Engine) throws {
    let root = try BackupRoot(settings: ["snapshot_mode = detach"], engine: engine)
    defer { root.remove() }
    try root.writeSource("a.txt", "detached\n")

    let push = try root.push()
    #expect(push.status == 0, "client stderr: \(push.err)")
    #expect(!push.err.contains("snapshot"), "the client does not wait for the snapshot")
    let ended = eventually(within: 20) { !root.records("snapshot-ended").isEmpty }
    try #require(ended, "no snapshot-ended record within 20 s; log: \(read(root.auditLog))")

    let history = root.history()
    try #require(history.count == 1)
    #expect(read(root.snapshotFile(history[0], "a.txt")) == "detached\n")
    root.expectSealedSnapshots()
    let records = root.records
    #expect(
      records.map { $0["event"] as? String } == ["allowed", "transfer-ended", "snapshot-ended"])
    #expect(Set(records.compactMap { $0["session"] as? String }).count == 1, "one session id")
    #expect(records[1]["snapshot"] as? String == "due")
    let snapshot = try #require(records.last)
    #expect(snapshot["mode"] as? String == "detach")
    #expect(snapshot["result"] as? String == "ok")
    #expect(snapshot["snapshot"] as? String == (engine == .btrfs ? history[0] : nil))
    #expect(snapshot["key"] as? String == "laptop")
    #expect(
      eventually(within: 10) { root.names(in: root.path + "/.pushgate") == [] },
      "evidence files are consumed")
  }

  @Test(.enabled(if: realProgramsInstalled))
  func aFailedSnapshotIsReportedToTheClientAndTheDataStays() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    // After authorize: its configtest runs the rsnapshot setting too.
    try root.addSettings(["rsnapshot = /bin/false"])
    try root.writeSource("a.txt", "kept\n")

    let push = try root.push()
    #expect(push.status == 69, "client stderr: \(push.err)")
    #expect(
      lines(push.err).contains(
        "pushgate: snapshot not taken: its sync failed (status 1); the history is unchanged and your data arrived and is kept for the next snapshot"
      ),
      "client stderr: \(push.err)")
    #expect(read(root.incoming + "/a.txt") == "kept\n")
    #expect(root.snapshots == [])
    let snapshot = try #require(root.records("snapshot-ended").last)
    #expect(snapshot["result"] as? String == "sync-failed")
    #expect(snapshot["status"] as? Int == 1)
    #expect(
      read(root.state(root.keys[0]) + "/pending") == "complete\n",
      "the pushed tree waits for a snapshot")
  }
}

/// Expects a transfer-ended record to count no change at all.
func expectNoChanges(_ ended: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
  for field in ["created", "changed", "deleted", "bytes_received"] {
    #expect(ended[field] as? Int == 0, "\(field): \(ended)", sourceLocation: sourceLocation)
  }
}
