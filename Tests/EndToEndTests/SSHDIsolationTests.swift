// Two client keys through a real OpenSSH sshd: each key's authorized_keys line (written by
// `pushgate authorize`) puts its sessions in its own area; restores return only the key's own
// data, and alice's attempts at bob's area change and reveal nothing of it.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking) struct SSHDIsolationTests {
  @Test(.tags(.slow), .skippedInQuickRun, .enabled(if: sshdAndRealProgramsInstalled))
  func twoKeysThroughSSHDAreIsolated() throws {
    let setup = try SSHDSetup(keys: ["alice", "bob"])
    defer { setup.remove() }
    let user = "\(setup.user)@localhost::"
    let sources = ["alice": setup.path + "/src-alice", "bob": setup.path + "/src-bob"]
    for (key, text) in [("alice", "alice's own\n"), ("bob", "BOB-SECRET-CONTENT\n")] {
      try FileManager.default.createDirectory(
        atPath: sources[key] ?? "", withIntermediateDirectories: true)
      try write(text, to: (sources[key] ?? "") + "/\(key).txt")
      let pushed = try setup.push(sources[key], key: key)
      #expect(pushed.status == 0, "\(key): \(pushed.err)")
      #expect(setup.snapshots(of: key) == ["hourly.0"])
    }

    // Each key's restore holds its own data only.
    for key in ["alice", "bob"] {
      let destination = setup.path + "/restore-" + key
      let restored = try setup.rsync(["-a", user + "snapshots/", destination + "/"], key: key)
      #expect(restored.status == 0, "\(key): \(restored.err)")
      let files = TreeState.of(destination).entries.filter { $0.value.type == "f" }.keys.sorted()
      #expect(files == ["hourly.0/\(key).txt"], "\(key) restored \(files)")
    }

    // alice tries: paths and modules leading to bob, dest options, symlinks stored in her area
    // and pushed, snapshotted and restored through.
    let attack = setup.path + "/attack"
    try prepareAttackSources(attack, bobArea: setup.area("bob"))
    let bob = TreeState.of(setup.area("bob"))
    let alice = (sources["alice"] ?? "") + "/"
    let attempts: [(String, [String])] = [
      ("push/../../bob/incoming/", ["-a", alice, user + "push/../../bob/incoming/"]),
      ("module bob", ["-a", alice, user + "bob/"]),
      (
        "--link-dest into bob",
        ["-a", "--link-dest=" + setup.area("bob") + "/incoming", alice, user + "push/"]
      ),
      (
        "--backup-dir into bob",
        ["-a", "-b", "--delete", "--backup-dir=../../bob/incoming", alice, user + "push/"]
      ),
      (
        "pull snapshots/../../bob/snapshots/",
        ["-a", user + "snapshots/../../bob/snapshots/", "DEST"]
      ),
      ("symlinks out of the area", ["-a", attack + "/links/", user + "push/"]),
      ("restore through abssnap", ["-a", user + "snapshots/hourly.0/abssnap/", "DEST"]),
      ("restore through relsnap", ["-a", user + "snapshots/hourly.0/relsnap/", "DEST"]),
      ("restore -L", ["-aL"] + withoutLoops + [user + "snapshots/hourly.0/", "DEST"]),
      ("-K push into the symlinked directories", ["-aK", attack + "/through/", user + "push/"]),
    ]
    for (index, (name, arguments)) in attempts.enumerated() {
      let destination = setup.path + "/dest-\(index)"
      try FileManager.default.createDirectory(
        atPath: destination, withIntermediateDirectories: true)
      try write("alice \(index)\n", to: alice + "alice.txt")
      let result = try setup.rsync(
        arguments.map { $0 == "DEST" ? destination + "/" : $0 }, key: "alice")
      let label = "\(name) (rsync \(result.status)): \(result.err)"
      #expect(
        TreeState.of(setup.area("bob")).differences(from: bob) == [], "bob's area changed: \(label)"
      )
      #expect(!(result.out + result.err).contains("BOB-SECRET"), "\(label)")
      #expect(TreeState.of(destination).filesContaining("BOB-SECRET") == [], "\(label)")
    }
    #expect(setup.snapshots(of: "bob") == ["hourly.0"])
    #expect(TreeState.of(setup.area("alice")).filesContaining("BOB-SECRET") == [])

    // The label of every session is the one of the key that connected: alice's line, alice's key.
    let allowed = setup.records("allowed")
    #expect(allowed.count == 4 + attempts.count)
    for key in ["alice", "bob"] {
      let publicKey = String(
        read(setup.path + "/" + SSHDSetup.identity(key, first: "alice") + ".pub").split(
          separator: " ")[1])
      let mine = allowed.filter { $0["pubkey"] as? String == publicKey }
      #expect(mine.count == (key == "bob" ? 2 : 2 + attempts.count))
      #expect(mine.allSatisfy { $0["key"] as? String == key }, "\(key): \(mine)")
    }
  }
}
