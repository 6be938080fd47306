// Shared steps of the fault tests: a first snapshot to lose nothing of, a slow push caught in
// the middle of its transfer, and the checks that the root recovered.
import Foundation
import Glibc
import TestSupport
import Testing

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

  /// Writes `bigsrc/`: a new a.txt, which rsync receives whole (and logs as changed) before it
  /// starts on big.dat (names are sent sorted), and big.dat of `megabytes` random bytes.
  ///
  /// A push cut short in big.dat has then always changed the area. (rsync logs the top directory's
  /// new time late, or not at all when the connection breaks: it cannot be relied on.)
  func writeBigSource(megabytes: Int) throws {
    try writeRandom("big.dat", megabytes: megabytes, in: path + "/bigsrc")
    try write("cut short\n", to: path + "/bigsrc/a.txt")
  }

  /// Starts pushing `bigsrc/` (a.txt, then 16 MiB at 500 KiB/s: half a minute) and waits until
  /// the gate logged `allowed` and rsync's temporary file of big.dat in incoming/ has data.
  func startSlowPush() throws -> SlowPush {
    try writeBigSource(megabytes: 16)
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
  var partialFiles: [String] { files(in: incoming).filter { $0.hasPrefix(".big.dat.") } }

  var partialBytes: Int {
    partialFiles.reduce(0) {
      $0
        + ((try? FileManager.default.attributesOfItem(atPath: incoming + "/" + $1)[.size] as? Int)
          ?? 0)
    }
  }

  /// The session's records once its gate and everything it started are gone.
  func settledRecords(_ push: SlowPush) -> [[String: Any]] {
    #expect(
      eventually(within: 30) { isGone(push.gate) && children(of: push.gate).isEmpty },
      "gate \(push.gate) still runs")
    #expect(push.client.wait(within: 30) != nil, "the client still runs")
    return records(session: push.session)
  }

  /// Expects the transfer-ended record of a push cut short after rsync had changed the area (a.txt
  /// arrived whole; big.dat never completes): a non-zero status (`reason` rsync-status, 12 or 13
  /// observed) or a signal (`rsync-signaled`), and no snapshot: the area is left pending, marked
  /// incomplete, for the next whole push.
  ///
  /// `created` is 1 when a.txt was new where it landed (an empty file system over incoming/).
  func expectFailedTransfer(
    _ ended: [String: Any], reason: String = "rsync-status", created: Int = 0,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let status = ended["status"] as? Int
    if reason == "rsync-signaled" {
      #expect(
        status == nil && ended["signal"] != nil, "log: \(read(auditLog))",
        sourceLocation: sourceLocation)
    } else {
      #expect(
        status != nil && status != 0, "log: \(read(auditLog))", sourceLocation: sourceLocation)
      #expect(ended["signal"] == nil, sourceLocation: sourceLocation)
    }
    #expect(ended["module"] as? String == "push", sourceLocation: sourceLocation)
    #expect(ended["activity"] as? String == "pushed", "\(ended)", sourceLocation: sourceLocation)
    #expect(
      ended["created"] as? Int == created, "only a.txt, never big.dat: \(ended)",
      sourceLocation: sourceLocation)
    if created == 0 {
      #expect(
        (ended["changed"] as? Int ?? 0) >= 1, "a.txt arrived: \(ended)",
        sourceLocation: sourceLocation)
    }
    #expect(ended["snapshot"] as? String == "pending", sourceLocation: sourceLocation)
    #expect(ended["snapshot_reason"] as? String == reason, sourceLocation: sourceLocation)
    #expect(read(area + "/state/pending") == "incomplete\n", sourceLocation: sourceLocation)
    #expect(
      files(in: root + "/.pushgate") == [], "evidence files are consumed",
      sourceLocation: sourceLocation)
  }

  /// After a cut-short push: no partial data left, the first snapshot untouched, cron's rotate
  /// takes no snapshot of the cut-short tree (`rotateReason`: incomplete, or unchanged when the
  /// gate died before it could record anything), the slot is free, and the next push is served
  /// and snapshotted without any of the cut-short data.
  func expectRecovered(
    rotateReason: String = "incomplete", sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    #expect(
      eventually(within: 10) { partialFiles.isEmpty }, "left in incoming/: \(partialFiles)",
      sourceLocation: sourceLocation)
    #expect(!files(in: incoming).contains("big.dat"), sourceLocation: sourceLocation)
    #expect(snapshots == ["hourly.0"], sourceLocation: sourceLocation)
    #expect(
      files(in: snapshotsDirectory + "/hourly.0") == ["a.txt"], sourceLocation: sourceLocation)
    #expect(
      read(snapshotsDirectory + "/hourly.0/a.txt") == "baseline\n", sourceLocation: sourceLocation)

    // As cron.d runs it: as the backup account.
    let rotate = try account.run(Binaries.pushgate, ["rotate", "hourly", "--config", config])
    #expect(
      rotate.status == 0 && rotate.out.isEmpty && rotate.err.isEmpty, "rotate: \(rotate.err)",
      sourceLocation: sourceLocation)
    let rotated = records("rotate-ended").last
    #expect(rotated?["result"] as? String == "skipped", sourceLocation: sourceLocation)
    #expect(
      rotated?["reason"] as? String == rotateReason, "\(String(describing: rotated))",
      sourceLocation: sourceLocation)
    #expect(snapshots == ["hourly.0"], sourceLocation: sourceLocation)

    try write("after the fault\n", to: source + "/a.txt")
    let next = try push()
    #expect(next.status == 0, "client: \(next.err)", sourceLocation: sourceLocation)
    #expect(next.err.contains("pushgate: snapshot taken"), sourceLocation: sourceLocation)
    #expect(records("allowed").last?["slot"] as? Int == 0, sourceLocation: sourceLocation)
    #expect(snapshots == ["hourly.0", "hourly.1"], sourceLocation: sourceLocation)
    #expect(
      files(in: snapshotsDirectory + "/hourly.0") == ["a.txt"], sourceLocation: sourceLocation)
    #expect(
      read(snapshotsDirectory + "/hourly.0/a.txt") == "after the fault\n",
      sourceLocation: sourceLocation)
    #expect(
      read(snapshotsDirectory + "/hourly.1/a.txt") == "baseline\n", sourceLocation: sourceLocation)
    #expect(
      !FileManager.default.fileExists(atPath: area + "/state/pending"),
      sourceLocation: sourceLocation)
  }
}
