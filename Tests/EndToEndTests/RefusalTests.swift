// Refusals as the real rsync client shows them: busy slots and commands the key may not run.
import Foundation
import Testing
import TestSupport

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

@Suite struct RefusalTests {
  @Test(.enabled(if: realProgramsInstalled))
  func busySlotIsRefusedLikeARealDaemonThenPushWorksAfterRelease() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    try root.writeSource("a.txt", "waiting\n")

    let held = try HeldLock.slot(0, of: root)
    defer { held.release() }
    let refused = try (0..<refusalAttempts).map { _ in try root.push() }
    expectDaemonRefusal(refused, line: "@ERROR: max connections (1) reached -- try again later")
    #expect(root.names(in: root.incoming) == [])
    #expect(root.snapshots == [])
    let records = root.records
    #expect(records.map { $0["event"] as? String } == Array(repeating: "refused", count: refusalAttempts))
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
    let root = try BackupRoot(extraSettings: ["max_connections = 2"])
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

  @Test(.enabled(if: realProgramsInstalled))
  func aWaitingSnapshotRefusesNewPushes() throws {
    let root = try BackupRoot()
    defer { root.remove() }
    try root.writeSource("a.txt", "later\n")

    // A snapshot waiting for the tree holds the gate; with slot_wait 0 a push is refused at once.
    let gate = try HeldLock.gate(of: root)
    defer { gate.release() }
    let refused = try (0..<refusalAttempts).map { _ in try root.push() }
    expectDaemonRefusal(refused, line: "@ERROR: a snapshot is running -- try again later")
    #expect(root.names(in: root.incoming) == [])
    #expect(
      root.records.map { $0["reason"] as? String }
        == Array(repeating: "snapshot-running", count: refusalAttempts))

    // The refused sessions' slots died with them: the next push gets slot 0.
    gate.release()
    let accepted = try root.push()
    #expect(accepted.status == 0, "client stderr: \(accepted.err)")
    #expect(root.records("allowed").map { $0["slot"] as? Int } == [0])
    #expect(root.snapshots == ["hourly.0"])
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
