// Two keys in one root, through fake-ssh with the real rsync client, daemon and rsnapshot:
// each key restores only its own data, and nothing one key asks rsync to do reaches, changes
// or reveals the other key's area. Run as root (rsync chroots into the module) and as an
// unprivileged backup account (no chroot: rsync munges symlinks and sanitizes paths).
import Foundation
import Glibc
import TestSupport
import Testing

/// Who runs the gate, rsync and rsnapshot.
enum Deployment: String, CaseIterable, Sendable, CustomTestStringConvertible {
  /// The backup account is root: `uid = root`, rsync's default `use chroot = yes`.
  case root
  /// A non-root backup account: `use chroot = no`.
  case account
  var testDescription: String { rawValue }

  /// A root for keys alice and bob in this deployment; nil (the test skips, loudly) when
  /// accounts cannot be added here, except with btrfs, where the test fails instead.
  func backupRoot(settings: [String] = [], engine: Engine = .rsnapshot) throws -> (
    BackupRoot, TestAccount?
  )? {
    guard self == .account else {
      return (try BackupRoot(keys: ["alice", "bob"], settings: settings, engine: engine), nil)
    }
    // A btrfs test never skips (BtrfsDisk): it needs root anyway.
    try #require(
      canAddAccounts || engine != .btrfs, "btrfs tests add a backup account: run as root")
    guard canAddAccounts else { return nil }
    let account = try TestAccount()
    do {
      return (
        try BackupRoot(
          keys: ["alice", "bob"], settings: settings, account: account, engine: engine),
        account
      )
    } catch {
      account.remove()
      throw error
    }
  }
}

/// What bob stores: contents and a name no attempt of alice's ever spells out, so finding
/// them anywhere alice can read means bob's data leaked.
private let bobMarker = "BOB-SECRET"
private let bobHiddenName = "nested-bob-only.txt"

/// Pushes bob's data (twice: two snapshots) and alice's first tree.
private func pushBothKeys(_ root: BackupRoot) throws {
  try FileManager.default.createDirectory(
    atPath: root.source("bob") + "/dir", withIntermediateDirectories: true)
  try root.writeSource("bob.txt", "\(bobMarker)-CONTENT\n", key: "bob")
  try root.writeSource("dir/\(bobHiddenName)", "\(bobMarker)-NESTED\n", key: "bob")
  // A file whose lines would be names to rsync, read through --files-from.
  try root.writeSource("list.txt", "\(bobMarker)-NAME-1\n\(bobMarker)-NAME-2\n", key: "bob")
  #expect(try root.push(key: "bob").status == 0)
  try root.writeSource("bob.txt", "\(bobMarker)-CONTENT, second version\n", key: "bob")
  #expect(try root.push(key: "bob").status == 0)
  #expect(root.history("bob").count == 2)
  try root.writeSource("alice.txt", "alice's own\n", key: "alice")
  #expect(try root.push(key: "alice").status == 0)
  #expect(root.history("alice").count == 1)
}

@Suite(.blocking) struct IsolationTests {
  @Test(
    .tags(.slow), .skippedInQuickRun, .enabled(if: realProgramsInstalled),
    arguments: Deployment.allCases, Engine.allCases)
  func eachKeyRestoresOnlyItsOwnData(_ deployment: Deployment, _ engine: Engine) throws {
    guard let (root, account) = try deployment.backupRoot(engine: engine) else { return }
    defer {
      root.remove()
      account?.remove()
    }
    try pushBothKeys(root)
    let alice = root.history("alice")
    let bob = root.history("bob")
    try #require(alice.count == 1 && bob.count == 2)
    root.expectSealedSnapshots("alice")
    root.expectSealedSnapshots("bob")

    for key in ["alice", "bob"] {
      let destination = root.temporary.path + "/restore-" + key
      let restored = try root.client(["-a", "localhost::snapshots/", destination + "/"], key: key)
      #expect(restored.status == 0, "\(key): \(restored.err)")
      let tree = TreeState.of(destination)
      let files = tree.entries.filter { $0.value.type == "f" }.keys.sorted()
      if key == "alice" {
        #expect(files == ["\(alice[0])/alice.txt"], "alice restored: \(files)")
        #expect(tree.filesContaining(bobMarker) == [])
      } else {
        #expect(
          files
            == bob.flatMap { name in
              ["bob.txt", "dir/\(bobHiddenName)", "list.txt"].map { name + "/" + $0 }
            }.sorted(),
          "bob restored: \(files)")
        #expect(tree.filesContaining("alice's own") == [])
      }
      let listing = try root.client(["-r", "localhost::snapshots/"], key: key)
      #expect(listing.status == 0, "\(key): \(listing.err)")
      #expect(listing.out.contains("alice.txt") == (key == "alice"), "\(key): \(listing.out)")
      #expect(listing.out.contains("bob.txt") == (key == "bob"), "\(key): \(listing.out)")
    }
    // Every session is logged under the key whose line ran it.
    let sessions = root.records("transfer-ended")
    #expect(sessions.filter { $0["key"] as? String == "alice" }.count == 3)
    #expect(sessions.filter { $0["key"] as? String == "bob" }.count == 4)
  }

  // Pushes of two keys at once, twice: each key's snapshots hold its own trees and nothing of
  // the other's, one snapshot per push (with btrfs, as an unprivileged backup account: the
  // snapshot ioctl as the owner of incoming/).
  @Test(.enabled(if: realProgramsInstalled), arguments: Engine.allCases)
  func twoKeysPushingAtOnceEachGetOnlyTheirOwnSnapshots(_ engine: Engine) throws {
    let deployment: Deployment = engine == .btrfs ? .account : .root
    guard let (root, account) = try deployment.backupRoot(engine: engine) else { return }
    defer {
      root.remove()
      account?.remove()
    }
    var trees: [String: [[String: Data]]] = [:]
    for round in 0..<2 {
      for key in root.keys {
        try root.writeSource("\(key)-\(round).txt", "\(key) round \(round)\n", key: key)
        trees[key, default: []].append(fileBytes(root.source(key)))
      }
      let clients = try root.keys.map { try root.startPush(key: $0) }
      for (client, key) in zip(clients, root.keys) {
        #expect(client.wait() == 0, "\(key): \(client.err)")
        #expect(root.saysSnapshotTaken(client.err), "\(key): \(client.err)")
      }
      #expect(root.waitForGates(), "\(root.gatesRunning)")
    }
    for key in root.keys {
      let history = root.history(key)
      try #require(history.count == 2, "\(key): \(history)")
      let directory = root.snapshotsDirectory(key)
      #expect(fileBytes(directory + "/" + history[0]) == trees[key]?[1], "\(key) newest")
      #expect(fileBytes(directory + "/" + history[1]) == trees[key]?[0], "\(key) first")
      let other = key == "alice" ? "bob" : "alice"
      #expect(TreeState.of(directory).filesContaining(other) == [], "\(key) holds \(other)'s")
      #expect(
        root.records("snapshot-ended", key: key).map { $0["result"] as? String } == ["ok", "ok"])
      root.expectSealedSnapshots(key)
    }
  }

  @Test(
    .tags(.slow), .skippedInQuickRun, .enabled(if: realProgramsInstalled),
    arguments: Deployment.allCases)
  func nothingAliceAsksReachesOrRevealsBobsArea(_ deployment: Deployment) throws {
    guard let (root, account) = try deployment.backupRoot() else { return }
    defer {
      root.remove()
      account?.remove()
    }
    try pushBothKeys(root)
    try prepareAttackSources(root.temporary.path + "/attack", bobArea: root.area("bob"))
    let bobArea = TreeState.of(root.area("bob"))
    let outside = rootOutsideAlice(root)
    let beside = root.names(in: root.temporary.path)
    let aliceConf = TreeState.of(root.area("alice") + "/rsnapshot.conf")
    var statuses: [String] = []

    for (index, attempt) in isolationAttempts(root).enumerated() {
      let destination = root.temporary.path + "/dest-\(index)"
      try FileManager.default.createDirectory(
        atPath: destination, withIntermediateDirectories: true)
      // Something new for every push, so dest options and temp files really come into play.
      try root.writeSource("alice-\(index).txt", "alice \(index)\n", key: "alice")
      try root.writeSource("alice.txt", "alice's own, version \(index)\n", key: "alice")
      let arguments = attempt.arguments.map { $0 == "DEST" ? destination + "/" : $0 }
      let result = try root.client(arguments, key: "alice", timeout: 20)
      statuses.append("\(attempt.name): \(result.status)")
      let label = "\(deployment) \(attempt.name) (rsync \(result.status)): \(result.err)"
      #expect(result.status != 124, "the client hung: \(label)")
      #expect(
        TreeState.of(root.area("bob")).differences(from: bobArea) == [],
        "bob's area changed: \(label)")
      #expect(
        rootOutsideAlice(root).differences(from: outside) == [],
        "the root outside alice's area changed: \(label)")
      #expect(
        root.names(in: root.temporary.path).filter { !$0.hasPrefix("dest-") } == beside, "\(label)")
      #expect(
        !(result.out + result.err).contains(bobMarker), "bob's data shown: \(label) \(result.out)")
      #expect(
        !(result.out + result.err).contains(bobHiddenName),
        "bob's file named: \(label) \(result.out)")
      let received = TreeState.of(destination)
      #expect(received.filesContaining(bobMarker) == [], "bob's data received: \(label)")
      #expect(!received.entries.keys.contains { $0.contains(bobHiddenName) }, "\(label)")
    }

    // Whatever alice's area now holds (links, partial files, backups), its restores hold
    // nothing of bob's: neither the tree nor the files its symlinks would lead to.
    for (index, options) in [
      ["-a"], ["-aL"] + withoutLoops, ["-a", "--copy-unsafe-links"] + withoutLoops,
    ].enumerated() {
      let destination = root.temporary.path + "/dest-final\(index)"
      let restored = try root.client(
        options + ["localhost::snapshots/", destination + "/"], key: "alice", timeout: 20)
      #expect(restored.status != 124, "\(options): \(restored.err)")
      #expect(
        TreeState.of(destination).filesContaining(bobMarker) == [], "\(deployment) \(options)")
    }
    #expect(TreeState.of(root.area("alice")).filesContaining(bobMarker) == [])
    // Nor did alice reach her own area's configuration or the gate's state for her.
    #expect(TreeState.of(root.area("alice") + "/rsnapshot.conf").differences(from: aliceConf) == [])
    #expect(
      root.names(in: root.area("alice")) == ["incoming", "rsnapshot.conf", "snapshots", "state"])
    let state = root.names(in: root.state("alice"))
    #expect(Set(state).isSubset(of: ["lock", "last-snapshot", "pending", "synced"]), "\(state)")
    #expect(TreeState.of(root.area("bob")).differences(from: bobArea) == [])
    #expect(
      root.records("allowed").allSatisfy {
        $0["key"] as? String == "alice" || $0["key"] as? String == "bob"
      })
    FileHandle.standardError.write(
      Data("ISOLATION (\(deployment)): \(statuses.joined(separator: ", "))\n".utf8))
  }
}

/// The whole root except alice's area and the files every session writes (log, lock,
/// evidence directory): none of it may change when alice pushes or pulls.
private func rootOutsideAlice(_ root: BackupRoot) -> TreeState {
  var state = TreeState.of(root.path)
  state.entries = state.entries.filter { name, _ in
    !(name == "keys/alice" || name.hasPrefix("keys/alice/") || name.hasPrefix("pushgate.")
      || name.hasPrefix(".pushgate"))
  }
  return state
}
