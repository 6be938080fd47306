// Load tests' helpers: a backup root whose rsync and rsnapshot are wrapped by measuring
// scripts that count each other per key, and processes started all at once (not through
// Foundation, which cannot start dozens of children without a thread each).
import Foundation
import Glibc
import TestSupport

/// Wraps `/usr/bin/rsync` (its daemon side only) and `/usr/bin/rsnapshot` (its level runs only) in
/// `directory` with /bin/sh scripts that count each other: each creates
/// `running/<kind>-<key>-<pid>` on start, counts the files there (all, and its key's), appends the
/// counts (and its own descriptors) to `concurrency.log`, runs the real program with the same argv
/// and environment, removes its file and exits with the program's status.
///
/// The file exists strictly inside the time the gate holds the slot (or the area), so two runs that
/// overlap always see each other: the later one counts after the earlier one's file is made and
/// before it is removed.
struct LoadWrappers {
  let directory: String
  var rsync: String { directory + "/rsync-wrapper" }
  var rsnapshot: String { directory + "/rsnapshot-wrapper" }
  /// The settings that put both wrappers in place.
  var settings: [String] { ["rsync = \(rsync)", "rsnapshot = \(rsnapshot)"] }

  init(directory: String) throws {
    self.directory = directory
    try FileManager.default.createDirectory(
      atPath: directory + "/running", withIntermediateDirectories: true)
    // rsnapshot runs cmd_rsync itself; configtest (authorize) is no snapshot.
    try write(
      script(
        kind: "rsync", program: "/usr/bin/rsync", key: #"$PUSHGATE_KEY"#,
        passThrough: #"[ "$1" = --server ] || exec /usr/bin/rsync "$@""#), to: rsync, mode: 0o755)
    try write(
      script(
        kind: "snapshot", program: "/usr/bin/rsnapshot", key: #"$(basename "$(dirname "$2")")"#,
        passThrough: #"[ "$3" = configtest ] && exec /usr/bin/rsnapshot "$@""#), to: rsnapshot,
      mode: 0o755)
  }

  private func script(kind: String, program: String, key: String, passThrough: String) -> String {
    #"""
    #!/bin/sh
    \#(passThrough)
    D='\#(directory)'
    key=\#(key)
    fds=
    for f in /proc/$$/fd/*; do fds="$fds${fds:+ }${f##*/}"; done
    count() {
      c=0
      for f in "$D/running/"$1; do [ -e "$f" ] && c=$((c + 1)); done
    }
    : > "$D/running/\#(kind)-$key-$$"
    count 'rsync-*'; r=$c
    count 'snapshot-*'; s=$c
    count "rsync-$key-*"; kr=$c
    count "snapshot-$key-*"; ks=$c
    echo "\#(kind) $key $r $s $kr $ks $fds" >> "$D/concurrency.log"
    \#(program) "$@"
    status=$?
    rm -f "$D/running/\#(kind)-$key-$$"
    exit "$status"

    """#
  }

  /// What the wrappers measured, in the order they started.
  func measurements() -> [LoadMeasurement] {
    LoadMeasurement.all(in: directory + "/concurrency.log")
  }

  /// Wrappers still running (their files in `running/`).
  func stillRunning() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/running")) ?? []).sorted()
  }
}

/// Processes anywhere on the machine whose command line mentions `text` (a root's path), as
/// `pid: command line`; the test's own process is left out.
func processesMentioning(_ text: String) -> [String] {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return names.compactMap { name -> String? in
    guard let pid = Int32(name), pid != getpid(),
      let raw = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
    else { return nil }
    let line = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    return line.contains(text) ? "\(pid): \(line)" : nil
  }
}

/// The test process's open descriptors, as numbers and link targets.
func ownDescriptors() -> [(Int, String)] {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
  return names.compactMap { name in
    guard let fd = Int(name) else { return nil }
    let target =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name)) ?? "?"
    return (fd, target)
  }
}

/// Children of the test process (pid and state letter), from /proc/<pid>/stat.
func ownChildren() -> [(pid: Int32, state: Character, command: String)] {
  let me = getpid()
  let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return names.compactMap { name in
    guard let pid = Int32(name),
      let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
      let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 2, Int32(fields[1]) == me, let state = fields[0].first else { return nil }
    return (pid, state, String(stat[stat.index(after: open)..<close]))
  }
}
