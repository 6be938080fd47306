// What alice (one key) tries against bob's area (another key of the same root), as rows:
// paths with '..', absolute paths and other modules; rsync's destination options pointing
// anywhere; server options smuggled with -M; symlinks pushed into alice's own area and then
// pushed through, snapshotted and restored through. Each row is one real rsync client run.
import Foundation
import Glibc
import TestSupport

/// One client run of alice's: a name for the failure message and rsync's arguments after
/// `-e fake-ssh --rsync-path=...` (`DEST` is replaced by a fresh local directory).
struct IsolationAttempt: Sendable {
  let name: String
  let arguments: [String]
}

/// Sources the attempts push, in `attack`: an empty tree, a tree of symlinks leading out of
/// alice's area (`links`) into bob's (`ROOT/keys/bob`), directories named like those symlinks
/// (`through`, pushed with --keep-dirlinks), and one file (`pwn.txt`).
func prepareAttackSources(_ attack: String, bobArea: String) throws {
  let files = FileManager.default
  for directory in [
    "empty", "links", "through/rel", "through/abs", "through/abssnap/hourly.0",
    "through/up/keys/bob/incoming",
  ] {
    try files.createDirectory(atPath: attack + "/" + directory, withIntermediateDirectories: true)
  }
  let links = [
    "rel": "../../bob/incoming", "relsnap": "../../bob/snapshots", "up": "../../..",
    "deep": "../../../../../../../../../..", "abs": bobArea + "/incoming",
    "abssnap": bobArea + "/snapshots",
    "absfile": bobArea + "/incoming/bob.txt",
  ]
  for (name, target) in links {
    try files.createSymbolicLink(atPath: attack + "/links/" + name, withDestinationPath: target)
  }
  try write("alice's links\n", to: attack + "/links/plain.txt")
  for directory in ["rel", "abs", "abssnap/hourly.0", "up/keys/bob/incoming"] {
    try write("pwned by alice\n", to: attack + "/through/" + directory + "/pwn.txt")
  }
  try write("pwned by alice\n", to: attack + "/pwn.txt")
}

/// The symlinks of alice's own that lead back to the top of her module, where rsync following
/// them (-L, --copy-unsafe-links) would recurse without end.
let withoutLoops = [
  "--exclude=/up", "--exclude=/deep", "--exclude=/hourly.*/up", "--exclude=/hourly.*/deep",
]

/// Every attempt, in order: later rows push through and restore through the symlinks that
/// the row "symlinks out of the area" stored (and snapshotted) in alice's area.
func isolationAttempts(_ root: BackupRoot) -> [IsolationAttempt] {
  let source = root.source("alice") + "/"
  let attack = root.temporary.path + "/attack"
  let bobIncoming = root.incoming("bob")
  let bobSnapshots = root.snapshotsDirectory("bob")
  let push = { (name: String, options: [String], destination: String) in
    IsolationAttempt(name: name, arguments: ["-a"] + options + [source, destination])
  }
  let pull = { (name: String, options: [String], from: String) in
    IsolationAttempt(name: name, arguments: ["-a"] + options + [from, "DEST"])
  }
  var rows = [
    IsolationAttempt(
      name: "--delete of an empty tree",
      arguments: ["-a", "--delete", attack + "/empty/", "localhost::push"]),
    push("push/../", [], "localhost::push/../"),
    push("push/../../bob/incoming/", [], "localhost::push/../../bob/incoming/"),
    push("push/../../../keys/bob/incoming/", [], "localhost::push/../../../keys/bob/incoming/"),
    push("push/ + bob's absolute path", [], "localhost::push" + bobIncoming + "/"),
    push("unknown module bob", [], "localhost::bob/"),
    push("unknown module keys", [], "localhost::keys/bob/incoming/"),
    push("module ..", [], "localhost::../keys/bob/incoming/"),
    push("module %PUSHGATE_KEY%", [], "localhost::%PUSHGATE_KEY%/"),
    // alice's own area beside incoming/: the gate's state and rsnapshot's configuration.
    push("push/../state/", [], "localhost::push/../state/"),
    IsolationAttempt(
      name: "push/../rsnapshot.conf",
      arguments: ["-a", attack + "/pwn.txt", "localhost::push/../rsnapshot.conf"]),
  ]
  let pathsIntoBob = [
    ("bob's absolute path", bobIncoming), ("../../bob/incoming", "../../bob/incoming"),
    ("../../../keys/bob/incoming", "../../../keys/bob/incoming"),
  ]
  for (label, path) in pathsIntoBob {
    rows += [
      push("--link-dest=\(label)", ["--link-dest=" + path], "localhost::push/"),
      push("--compare-dest=\(label)", ["--compare-dest=" + path], "localhost::push/"),
      push("--copy-dest=\(label)", ["--copy-dest=" + path], "localhost::push/"),
      push("--temp-dir=\(label)", ["--temp-dir=" + path], "localhost::push/"),
      push(
        "--partial-dir=\(label) with --delay-updates",
        ["--delay-updates", "--partial-dir=" + path], "localhost::push/"),
      push(
        "--backup-dir=\(label) with --delete", ["-b", "--delete", "--backup-dir=" + path],
        "localhost::push/"),
      push("-M--temp-dir=\(label)", ["-M--temp-dir=" + path], "localhost::push/"),
      push("-M--backup-dir=\(label)", ["-b", "-M--backup-dir=" + path], "localhost::push/"),
      pull(
        "--files-from=:\(label)/list.txt", ["--files-from=:" + path + "/list.txt"],
        "localhost::snapshots/"),
    ]
  }
  rows += [
    push(
      "--link-dest=bob's latest snapshot", ["--link-dest=" + bobSnapshots + "/hourly.0"],
      "localhost::push/"),
    push(
      "-M--log-file into bob's incoming", ["-M--log-file=" + bobIncoming + "/log"],
      "localhost::push/"),
    pull("pull snapshots/../../bob/snapshots/", [], "localhost::snapshots/../../bob/snapshots/"),
    pull("pull snapshots/../", [], "localhost::snapshots/../"),
    pull("pull snapshots/ + bob's absolute path", [], "localhost::snapshots" + bobSnapshots + "/"),
    pull("pull push/../../bob/incoming/", [], "localhost::push/../../bob/incoming/"),
    pull("pull unknown module bob", [], "localhost::bob/"),
    IsolationAttempt(name: "module list", arguments: ["localhost::"]),
    IsolationAttempt(
      name: "symlinks out of the area", arguments: ["-a", attack + "/links/", "localhost::push/"]),
  ]
  for link in [
    "rel", "relsnap", "up/keys/bob/snapshots", "deep" + bobSnapshots, "abs", "abssnap", "absfile",
  ] {
    rows.append(pull("restore through \(link)", [], "localhost::snapshots/hourly.0/" + link + "/"))
  }
  // up and deep lead to the top of alice's own module: following them recurses forever.
  rows += [
    pull("restore -L through every link", ["-L"] + withoutLoops, "localhost::snapshots/hourly.0/"),
    pull(
      "restore --copy-unsafe-links", ["--copy-unsafe-links"] + withoutLoops,
      "localhost::snapshots/hourly.0/"),
    pull("restore -K", ["-K"], "localhost::snapshots/hourly.0/"),
    IsolationAttempt(
      name: "-K push into the symlinked directories",
      arguments: ["-aK", attack + "/through/", "localhost::push/"]),
    IsolationAttempt(
      name: "push through rel/", arguments: ["-a", attack + "/pwn.txt", "localhost::push/rel/"]),
    IsolationAttempt(
      name: "push through abs/", arguments: ["-a", attack + "/pwn.txt", "localhost::push/abs/"]),
    IsolationAttempt(
      name: "push through up/keys/bob/incoming/",
      arguments: ["-a", attack + "/pwn.txt", "localhost::push/up/keys/bob/incoming/"]),
    IsolationAttempt(
      name: "push onto the symlink absfile",
      arguments: ["-a", attack + "/pwn.txt", "localhost::push/absfile"]),
  ]
  return rows
}
