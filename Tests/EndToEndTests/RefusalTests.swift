// Refusals as the real rsync client shows them: busy slots and commands the key may not run.
import Foundation
import TestSupport
import Testing

/// Runs the refused push several times, so the race above shows reliably.
let refusalAttempts = 12

/// Expects every attempt to be refused the way a real daemon refuses: rc 5 and the exact line.
func expectDaemonRefusal(_ attempts: [Finished], line: String) {
  // Run several times: a gate that replied and exited before reading the client's module
  // line made about one refusal in three end in EPIPE (rc 12) instead.
  for attempt in attempts {
    #expect(attempt.status == 5, "client stderr: \(attempt.err)")
    #expect(lines(attempt.err).contains(line), "client stderr: \(attempt.err)")
  }
}

@Suite(.blocking) struct RefusalTests {
  @Test(.enabled(if: realProgramsInstalled))
  func busySlotIsRefusedLikeARealDaemonThenPushWorksAfterRelease() throws {
    let root = try BackupRoot(settings: ["max_connections = 1"])
    defer { root.remove() }
    try root.writeSource("a.txt", "waiting\n")

    let held = try HeldLock.slot(0, of: root)
    defer { held.release() }
    let refused = try (0..<refusalAttempts).map { _ in try root.push() }
    expectDaemonRefusal(refused, line: "@ERROR: max connections (1) reached -- try again later")
    #expect(root.names(in: root.incoming) == [])
    #expect(root.snapshots == [])
    let records = root.records
    #expect(
      records.map { $0["event"] as? String } == Array(repeating: "refused", count: refusalAttempts))
    #expect(records.allSatisfy { $0["reason"] as? String == "busy" })

    held.release()
    let accepted = try root.push()
    #expect(accepted.status == 0, "client stderr: \(accepted.err)")
    #expect(accepted.err.contains("pushgate: snapshot taken"))
    #expect(root.names(in: root.incoming) == ["a.txt"])
    #expect(root.snapshots == ["hourly.0"])
    #expect(root.records("allowed").first?["slot"] as? Int == 0)
  }

  @Test(.enabled(if: realProgramsInstalled))
  func aHeldSlotLeavesTheNextSlotFree() throws {
    let root = try BackupRoot(settings: ["max_connections = 2"])
    defer { root.remove() }
    try root.writeSource("a.txt", "second slot\n")

    let held = try HeldLock.slot(0, of: root)
    defer { held.release() }
    let push = try root.push()
    #expect(push.status == 0, "client stderr: \(push.err)")
    #expect(root.records("allowed").map { $0["slot"] as? Int } == [1])
    #expect(root.records("snapshot-ended").first?["result"] as? String == "ok")
    #expect(root.snapshots == ["hourly.0"])
  }

  // Replaces "a waiting snapshot refuses new pushes" of the single-tree model: there is no
  // tree lock any more; a snapshot (or a running session) holds only its own key's area.
  @Test(.enabled(if: realProgramsInstalled))
  func aSnapshotOrSessionOfAKeyRefusesOnlyThatKey() throws {
    let root = try BackupRoot(keys: ["laptop", "desktop"])
    defer { root.remove() }
    try root.writeSource("a.txt", "later\n")
    try root.writeSource("d.txt", "desktop\n", key: "desktop")

    // A snapshot of laptop's area: with slot_wait 0 a laptop push is refused at once.
    let snapshot = try HeldLock.snapshot(of: "laptop", in: root)
    defer { snapshot.release() }
    let refused = try (0..<refusalAttempts).map { _ in try root.push() }
    expectDaemonRefusal(
      refused, line: "@ERROR: a snapshot of this key's backups is running -- try again later")
    #expect(root.names(in: root.incoming) == [])
    #expect(
      root.records.map { $0["reason"] as? String }
        == Array(repeating: "snapshot-running", count: refusalAttempts))
    #expect(root.records.allSatisfy { $0["key"] as? String == "laptop" })
    // Another key pushes and snapshots meanwhile, in slot 0: refused sessions hold no slot.
    let desktop = try root.push(key: "desktop")
    #expect(desktop.status == 0, "client stderr: \(desktop.err)")
    #expect(desktop.err.contains("pushgate: snapshot taken"))
    #expect(root.records("allowed").map { $0["slot"] as? Int } == [0])
    #expect(root.snapshots("desktop") == ["hourly.0"])
    snapshot.release()

    // A session of laptop running: the next laptop session is turned away as key-busy.
    let session = try HeldLock.session(of: "laptop", in: root)
    defer { session.release() }
    let busy = try (0..<3).map { _ in try root.push() }
    expectDaemonRefusal(
      busy, line: "@ERROR: another session of this key is running -- try again later")
    #expect(root.records("refused").suffix(3).allSatisfy { $0["reason"] as? String == "key-busy" })
    #expect(root.names(in: root.incoming) == [])
    session.release()

    let accepted = try root.push()
    #expect(accepted.status == 0, "client stderr: \(accepted.err)")
    #expect(root.records("allowed", key: "laptop").map { $0["slot"] as? Int } == [0])
    #expect(root.snapshots == ["hourly.0"])
    #expect(root.snapshots("desktop") == ["hourly.0"])
  }

  @Test(.enabled(if: realProgramsInstalled))
  func aLabelWithoutAreaOrWithoutKeyIsNotServed() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    try root.writeSource("a.txt", "nowhere\n")
    let source = [root.source + "/", "localhost::push"]

    // A label authorize never created an area for: refused in the daemon protocol.
    let ghost = try root.client(
      ["-a"] + source, forcedCommand: "\(Binaries.serve) --config \(root.config) --key ghost")
    #expect(ghost.status == 5, "client stderr: \(ghost.err)")
    #expect(
      lines(ghost.err).contains(
        "@ERROR: no backup area for this key -- ask the administrator to run 'pushgate authorize'"),
      "client stderr: \(ghost.err)")
    #expect(!FileManager.default.fileExists(atPath: root.path + "/keys/ghost"))
    #expect(root.records.last?["reason"] as? String == "no-area")

    // No --key at all: a server failure (78), never a session in some shared place.
    let unlabelled = try root.client(
      ["-a"] + source, forcedCommand: "\(Binaries.serve) --config \(root.config)")
    #expect(unlabelled.status == 5, "client stderr: \(unlabelled.err)")
    #expect(
      lines(unlabelled.err).contains(
        "pushgate: server error: this key has no --key label; the administrator must fix it"),
      "client stderr: \(unlabelled.err)")
    #expect(root.records.last?["event"] as? String == "failed")
    #expect(root.records.last?["reason"] as? String == "key-missing")

    // A module leading out of the areas: the gate refuses to serve at all (78).
    let conf = root.path + "/rsyncd.conf"
    try write(read(conf) + "\n[all]\n  path = \(root.path)/keys\n  read only = yes\n", to: conf)
    let unsafe = try root.push()
    #expect(unsafe.status == 5, "client stderr: \(unsafe.err)")
    #expect(
      lines(unsafe.err).contains(
        "pushgate: server error: the rsync daemon's settings are unsafe; the administrator must fix them"
      ),
      "client stderr: \(unsafe.err)")
    let failed = try #require(root.records.last)
    #expect(failed["reason"] as? String == "rsyncd-conf")
    #expect((failed["detail"] as? String ?? "").contains("module 'all'"), "\(failed)")
    #expect(root.names(in: root.incoming) == [])
    #expect(root.records("allowed").isEmpty)
  }

  @Test(.enabled(if: realProgramsInstalled))
  func nonDaemonPushIsRefusedAndWritesNothing() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    try root.writeSource("a.txt", "sneaky\n")

    // `host:/path` makes the client ask for `rsync --server ... . /path` (FIELD-NOTES §1).
    let refused = try root.client(
      ["-a", root.source + "/", "localhost:" + root.incoming + "/"], daemonForm: false)
    #expect(refused.status != 0)
    #expect(
      refused.err.contains("pushgate: refused: command not allowed for this key"),
      "client stderr: \(refused.err)")
    #expect(root.names(in: root.incoming) == [])
    #expect(root.snapshots == [])
    let records = root.records
    #expect(records.map { $0["event"] as? String } == ["refused"])
    #expect(records.first?["reason"] as? String == "not-allowed")
  }

  @Test(.enabled(if: realProgramsInstalled))
  func daemonPushWithoutTheRootsRsyncPathIsRefused() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    try root.writeSource("a.txt", "no cd\n")

    // Sends `rsync --server --daemon .`: not byte-identical to `cd R && rsync --server --daemon .`.
    let refused = try root.client(["-a", root.source + "/", "localhost::push"], daemonForm: false)
    #expect(refused.status != 0)
    #expect(
      refused.err.contains("pushgate: refused: command not allowed for this key"),
      "client stderr: \(refused.err)")
    #expect(!refused.err.contains("protocol version mismatch"))
    #expect(root.names(in: root.incoming) == [])
    #expect(root.records.map { $0["reason"] as? String } == ["not-allowed"])
  }
}
