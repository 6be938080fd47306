// Shared steps of the fault tests: a first snapshot to lose nothing of, a slow push caught in
// the middle of its transfer, and the checks that the root recovered.
import Foundation
import Glibc
import Testing
import TestSupport

/// A push of a big random file, slowed with --bwlimit, caught while rsync writes it.
struct SlowPush {
  /// The client rsync (its own process group: ssh and the ProxyCommand's sshd -i with it).
  let client: Background
  /// The session's pushgate-serve, from its `allowed` record.
  let gate: pid_t
  let session: String
}

extension SSHDSetup {
  /// Pushes `baseline\n` as a.txt and expects the first snapshot.
  func pushBaseline() throws {
    try write("baseline\n", to: source + "/a.txt")
    let first = try push()
    #expect(first.status == 0, "client: \(first.err)")
    #expect(snapshots == ["hourly.0"])
  }

  /// Starts pushing a 16 MiB file at 500 KiB/s (half a minute) and waits until the gate logged
  /// `allowed` and rsync's temporary file in incoming/ has data.
  func startSlowPush() throws -> SlowPush {
    try writeRandom("big.dat", megabytes: 16, in: path + "/bigsrc")
    let before = records("allowed").count
    let client = try startPush(path + "/bigsrc", options: ["-a", "--bwlimit=500"], name: "slow")
    let allowed = try #require(waitForRecord("allowed", count: before + 1), "client: \(client.err)")
    let gate = try #require((allowed["pid"] as? Int).map { pid_t($0) })
    let session = try #require(allowed["session"] as? String)
    let growing = eventually(within: 30) { !partialFiles.isEmpty && partialBytes > 0 }
    try #require(growing, "no temporary file in incoming/; client: \(client.err)")
    try #require(client.isRunning, "the slow push ended too early: \(client.err)")
    return SlowPush(client: client, gate: gate, session: session)
  }

  /// rsync's temporary files in incoming/ (`.big.dat.XXXXXX`).
  var partialFiles: [String] { files(in: incoming).filter { $0.hasPrefix(".") } }

  var partialBytes: Int {
    partialFiles.reduce(0) {
      $0 + ((try? FileManager.default.attributesOfItem(atPath: incoming + "/" + $1)[.size] as? Int) ?? 0)
    }
  }

  /// The session's records once its gate and everything it started are gone.
  func settledRecords(_ push: SlowPush) -> [[String: Any]] {
    #expect(eventually(within: 30) { isGone(push.gate) && children(of: push.gate).isEmpty }, "gate \(push.gate) still runs")
    #expect(push.client.wait(within: 30) != nil, "the client still runs")
    return records(session: push.session)
  }

  /// Expects the transfer-ended record of a transfer cut short with an rsync error: a non-zero
  /// status (12 or 13 observed), the same status seen by the post-xfer hook when it ran, no snapshot.
  func expectFailedTransfer(_ ended: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
    let status = ended["status"] as? Int
    #expect(status != nil && status != 0, "log: \(read(auditLog))", sourceLocation: sourceLocation)
    #expect(ended["signal"] == nil, sourceLocation: sourceLocation)
    if let hook = ended["hook_status"] as? String { #expect(hook == status.map(String.init), sourceLocation: sourceLocation) }
    #expect(ended["module"] as? String == "push", sourceLocation: sourceLocation)
    #expect(ended["snapshot"] as? String == "skipped", sourceLocation: sourceLocation)
    #expect(ended["snapshot_reason"] as? String == "rsync-status", sourceLocation: sourceLocation)
    #expect(files(in: root + "/.pushgate") == [], "evidence files are consumed", sourceLocation: sourceLocation)
  }

  /// After a cut-short push: no partial data left, the first snapshot untouched, the slot free,
  /// and the next push is served and snapshotted without any of the cut-short data.
  func expectRecovered(sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(eventually(within: 10) { partialFiles.isEmpty }, "left in incoming/: \(partialFiles)", sourceLocation: sourceLocation)
    #expect(!files(in: incoming).contains("big.dat"), sourceLocation: sourceLocation)
    #expect(snapshots == ["hourly.0"], sourceLocation: sourceLocation)
    #expect(files(in: root + "/snapshots/hourly.0") == ["a.txt"], sourceLocation: sourceLocation)
    #expect(read(root + "/snapshots/hourly.0/a.txt") == "baseline\n", sourceLocation: sourceLocation)

    try write("after the fault\n", to: source + "/a.txt")
    let next = try push()
    #expect(next.status == 0, "client: \(next.err)", sourceLocation: sourceLocation)
    #expect(next.err.contains("pushgate: snapshot taken"), sourceLocation: sourceLocation)
    #expect(records("allowed").last?["slot"] as? Int == 0, sourceLocation: sourceLocation)
    #expect(snapshots == ["hourly.0", "hourly.1"], sourceLocation: sourceLocation)
    #expect(files(in: root + "/snapshots/hourly.0") == ["a.txt"], sourceLocation: sourceLocation)
    #expect(read(root + "/snapshots/hourly.0/a.txt") == "after the fault\n", sourceLocation: sourceLocation)
    #expect(read(root + "/snapshots/hourly.1/a.txt") == "baseline\n", sourceLocation: sourceLocation)
  }
}
