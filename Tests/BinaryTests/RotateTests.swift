// pushgate rotate: what cron runs for every level, one area at a time under the area's lock.
import Foundation
import Glibc
import TestSupport
import Testing

private func rotate(_ root: Root, _ arguments: [String]) throws -> Finished {
  try run(
    Binaries.pushgate, ["rotate"] + arguments + ["--config", root.config],
    environment: ["PATH": "/usr/bin:/bin"])
}

@Suite(.blocking) struct RotateTests {
  @Test func aHigherLevelRunsForEveryAreaQuietly() throws {
    let root = try Root()
    defer { root.remove() }
    try root.makeArea("desktop")
    let result = try rotate(root, ["daily"])
    #expect(result.status == 0)
    #expect(result.out == "")
    #expect(result.err == "")
    #expect(
      root.snapshotRuns().map(\.argv) == [
        "\(root.path)/fake-rsnapshot -c \(root.path)/keys/desktop/rsnapshot.conf daily",
        "\(root.path)/fake-rsnapshot -c \(root.path)/keys/laptop/rsnapshot.conf daily",
      ])
    #expect(root.snapshotRuns().map(\.directory) == [root.path + "/keys/desktop", root.area])
    let records = root.records("rotate-ended")
    #expect(records.map { $0.text("key") } == ["desktop", "laptop"])
    #expect(records.allSatisfy { $0.text("level") == "daily" && $0.text("result") == "ok" })
    #expect(
      records.allSatisfy {
        $0.text("output")
          == "fake rsnapshot: -c \(root.path)/keys/\($0.text("key") ?? "")/rsnapshot.conf daily\\n"
      })
    #expect(Set(records.compactMap { $0.text("session") }).count == 2)
    // A higher level only moves snapshots up: it records no new snapshot.
    #expect(!root.exists("keys/laptop/state/last-snapshot"))
  }

  @Test func theLowestLevelTakesOnlyWholePendingTreesPastTheInterval() throws {
    let root = try Root(settings: ["snapshot_min_interval = 1h"])
    defer { root.remove() }
    for label in ["complete", "incomplete", "recent", "unchanged"] { try root.makeArea(label) }
    let state = { (label: String) in root.path + "/keys/\(label)/state" }
    try write("complete\n", to: state("complete") + "/pending", mode: 0o600)
    try write("2026-01-01T00:00:00Z\n", to: state("complete") + "/last-snapshot", mode: 0o600)
    try write("incomplete\n", to: state("incomplete") + "/pending", mode: 0o600)
    try write("complete\n", to: state("recent") + "/pending", mode: 0o600)
    try write(iso8601(Date()) + "\n", to: state("recent") + "/last-snapshot", mode: 0o600)

    let result = try rotate(root, ["hourly"])
    #expect(result.status == 0, "\(result.err)")
    #expect(result.out == "" && result.err == "")
    // The lowest level renames .sync into the history: only right after a sync.
    #expect(
      root.allSnapshotRuns().map(\.argv) == [
        "\(root.path)/fake-rsnapshot -c \(root.path)/keys/complete/rsnapshot.conf sync",
        "\(root.path)/fake-rsnapshot -c \(root.path)/keys/complete/rsnapshot.conf hourly",
      ])
    let results = root.records("rotate-ended").map {
      "\($0.text("key") ?? "") \($0.text("result") ?? "") \($0.text("reason") ?? "-")"
    }
    #expect(
      results == [
        "complete ok -", "incomplete skipped incomplete", "laptop skipped unchanged",
        "recent skipped min-interval", "unchanged skipped unchanged",
      ])
    #expect(!FileManager.default.fileExists(atPath: state("complete") + "/pending"))
    #expect(read(state("complete") + "/last-snapshot") != "2026-01-01T00:00:00Z\n")
    #expect(read(state("incomplete") + "/pending") == "incomplete\n")
    #expect(read(state("recent") + "/pending") == "complete\n")
  }

  @Test func aFailedAreaGetsOneLineAndTheStatus() throws {
    let root = try Root(snapshot: SnapshotScenario(status: 1))
    defer { root.remove() }
    try root.makeArea("desktop")
    let result = try rotate(root, ["weekly"])
    #expect(result.status == 1)
    #expect(result.out == "")
    let fake = "fake rsnapshot: -c \(root.path)/keys/%@/rsnapshot.conf weekly"
    #expect(
      result.err
        == "pushgate: rotate weekly of 'desktop' failed: rsnapshot failed: "
        + String(format: fake, "desktop") + "\n"
        + "pushgate: rotate weekly of 'laptop' failed: rsnapshot failed: "
        + String(format: fake, "laptop") + "\n")
    #expect(root.records("rotate-ended").map { $0.text("result") } == ["failed", "failed"])
    #expect(root.records("rotate-ended").map { $0.int("status") } == [1, 1])
  }

  @Test func waitsForTheAreaAndNeverRunsBesideItsSession() throws {
    let root = try Root(settings: ["snapshot_timeout = 30"])
    defer { root.remove() }
    let push = try ByteLock(root.area + "/state/lock", byte: 0)
    defer { push.close() }
    let started = try SpawnedProcess(
      [Binaries.pushgate, "rotate", "daily", "--config", root.config, "--key", "laptop"],
      environment: ["PATH": "/usr/bin:/bin"], output: root.path + "/rotate", holdingInput: true)
    try #require(
      eventually { hasOpen(started.pid, root.area + "/state/lock") || !started.isRunning })
    usleep(500_000)
    #expect(root.snapshotRuns().isEmpty, "rsnapshot ran while the key's session held its area")
    push.release()
    #expect(started.wait() == 0)
    #expect(root.snapshotRuns().count == 1)
    let record = try #require(root.records("rotate-ended").first)
    #expect(record.text("result") == "ok")
    #expect((record.int("wait_ms") ?? 0) >= 400)
  }

  @Test func anAreaBusyForTheWholeTimeoutFails() throws {
    let root = try Root(settings: ["snapshot_timeout = 1"])
    defer { root.remove() }
    let push = try ByteLock(root.area + "/state/lock", byte: 0)
    defer { push.close() }
    let result = try rotate(root, ["daily"])
    #expect(result.status == 1)
    #expect(
      result.err == "pushgate: rotate daily of 'laptop' failed: the area stayed busy for 1 s\n")
    #expect(root.records("rotate-ended").first?.text("result") == "busy")
    #expect(root.snapshotRuns().isEmpty)
  }

  @Test func usageMistakes() throws {
    let root = try Root()
    defer { root.remove() }
    let unknown = try rotate(root, ["monthly"])
    #expect(unknown.status == 64)
    #expect(
      unknown.err
        == "pushgate: 'monthly' is not a level of 'retain' in \(root.config) (hourly, daily, weekly)\n"
    )
    let noArea = try rotate(root, ["daily", "--key", "desktop"])
    #expect(noArea.status == 64)
    #expect(noArea.err == "pushgate: no area for key 'desktop' in \(root.path)/keys\n")
    #expect(root.snapshotRuns().isEmpty)
    #expect(!root.exists("pushgate.log"))
  }

  @Test(.enabled(if: geteuid() == 0, "needs root to own an area as another account"))
  func doesNothingAsAnotherAccountThanTheAreas() throws {
    let root = try Root()
    defer { root.remove() }
    #expect(chown(root.area + "/state", 65534, 65534) == 0)
    let result = try rotate(root, ["daily"])
    #expect(result.status == 64)
    #expect(
      result.err
        == "pushgate: run 'pushgate rotate' as uid 65534, the owner of \(root.area)/state "
        + "(the cron.d user field); nothing was done\n")
    #expect(root.snapshotRuns().isEmpty)
    // Root made no log of its own, which the account's gate could then not append to.
    #expect(!root.exists("pushgate.log"))
  }

  @Test func anAuditLogThatIsAFIFOFailsAtOnce() throws {
    let root = try Root()
    defer { root.remove() }
    #expect(mkfifo(root.log, 0o600) == 0)
    let result = try run(
      "/usr/bin/timeout", ["20", Binaries.pushgate, "rotate", "daily", "--config", root.config])
    #expect(result.status == 71)
    #expect(result.err.hasPrefix("pushgate: cannot write audit log '\(root.log)': "))
    #expect(root.snapshotRuns().isEmpty)
  }
}

private func iso8601(_ date: Date) -> String {
  let formatter = ISO8601DateFormatter()
  formatter.timeZone = TimeZone(identifier: "UTC")
  return formatter.string(from: date)
}
