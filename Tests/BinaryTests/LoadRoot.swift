// Load tests' backup root: a fake rsync and rsnapshot that count each other while they run,
// and pushgate-serve processes started all at once with stdin at EOF.
import Foundation
import Glibc
import TestSupport
import Testing

/// A backup root whose fake rsync and rsnapshot count each other in `running/`: each creates
/// `running/<kind>-<pid>` on start, counts the files there, appends the counts to
/// `concurrency.log`, and removes its file before it exits (so strictly inside the time its
/// gate holds the slot or the tree).
struct LoadRoot {
  let directory: TemporaryDirectory
  var path: String { directory.path }
  var config: String { path + "/pushgate.conf" }
  var lockFile: String { path + "/pushgate.lock" }
  var allowedCommand: String { "cd \(path) && rsync --server --daemon ." }

  /// How many keys (k0, k1, ...) the attempts are spread over, each with its area.
  let keys: Int

  init(settings: [String], keys: Int) throws {
    directory = try TemporaryDirectory()
    self.keys = keys
    for name in ["running", "out"] {
      try FileManager.default.createDirectory(
        atPath: "\(path)/\(name)", withIntermediateDirectories: false)
    }
    for key in 0..<keys {
      for name in ["incoming", "snapshots", "state"] {
        try FileManager.default.createDirectory(
          atPath: "\(path)/keys/k\(key)/\(name)", withIntermediateDirectories: true)
      }
    }
    try writeExecutable(Array(rsyncScript.utf8), to: path + "/load-rsync")
    try writeExecutable(Array(rsnapshotScript.utf8), to: path + "/load-rsnapshot")
    let lines = [
      "root = \(path)", "rsync = \(path)/load-rsync", "rsnapshot = \(path)/load-rsnapshot",
    ]
    try write((lines + settings).joined(separator: "\n") + "\n", to: config, mode: 0o644)
    try write(Root.rsyncdConf(path), to: path + "/rsyncd.conf", mode: 0o644)
  }

  func setScenario(hooks: Bool, hold: Bool) throws {
    try write(
      "HOOKS=\(hooks ? "yes" : "no")\nHOLD=\(hold ? "yes" : "no")\n", to: path + "/scenario")
  }

  /// Lets held fake rsyncs go on.
  func release() throws { try write("", to: path + "/release") }

  /// Starts attempt `index` as key `k(index % keys)`.
  func start(_ index: Int) throws -> SpawnedProcess {
    let output = "\(path)/out/\(index)"
    return try SpawnedProcess(
      [Binaries.serve, "--config", config, "--key", "k\(index % keys)"],
      environment: sshEnvironment(command: allowedCommand), output: output)
  }

  /// What the fakes measured, in the order they started.
  func measurements() -> [LoadMeasurement] { LoadMeasurement.all(in: path + "/concurrency.log") }

  /// The audit records grouped by session, each group in log order.
  func sessions() throws -> [String: [[String: Any]]] {
    let lines = read(path + "/pushgate.log").split(separator: "\n")
    let records = auditRecords(path + "/pushgate.log")
    #expect(records.count == lines.count, "some log lines are not JSON objects")
    return Dictionary(grouping: records) { $0["session"] as? String ?? "" }
  }

  /// Whatever a finished burst must not leave: measuring files of fakes still running, and
  /// evidence files in `.pushgate/`.
  func leftovers() -> [String] {
    let files = FileManager.default
    let running = ((try? files.contentsOfDirectory(atPath: path + "/running")) ?? []).map {
      "running/" + $0
    }
    let evidence = ((try? files.contentsOfDirectory(atPath: path + "/.pushgate")) ?? []).map {
      ".pushgate/" + $0
    }
    return (running + evidence).sorted()
  }

  /// Processes whose command line mentions this root (pushgate-serve, the fakes, a detached
  /// snapshot), as `pid: command line`; zombies have no command line and are not listed.
  func processes() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return names.compactMap { name -> String? in
      guard let pid = Int32(name), pid != getpid(),
        let raw = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
      else { return nil }
      let line = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
      return line.contains(path + "/") ? "\(pid): \(line)" : nil
    }
  }

  /// Kills fakes a failed test left running (pids from `running/`, only while they still work
  /// in this root), then removes the directory.
  func cleanUp() {
    try? release()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path + "/running")) ?? []
    for name in names {
      guard let pid = name.split(separator: "-").last.flatMap({ Int32($0) }), !isGone(pid) else {
        continue
      }
      if (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains(path)
        == true
      {
        kill(pid, SIGKILL)
      }
    }
    directory.remove()
  }

  /// A stand-in for rsync.
  ///
  /// With HOOKS=yes it runs our pre-xfer hook and writes a changed file into the transfer log as
  /// rsync does for a push into `push` (so a snapshot is due); with HOLD=yes it waits (polling, at
  /// most 120 s) for `release`; then it runs for 0.2 s.
  private var rsyncScript: String {
    #"""
    #!/bin/sh
    set -f
    R='\#(path)'
    . "$R/scenario"
    K=$PUSHGATE_KEY
    count() {
      c=0
      set +f
      for f in "$R/running/$1"-*; do [ -e "$f" ] && c=$((c + 1)); done
      set -f
    }
    : > "$R/running/rsync-$K-$$"
    count rsync; r=$c
    count snapshot; s=$c
    count "rsync-$K"; kr=$c
    count "snapshot-$K"; ks=$c
    echo "rsync $K $r $s $kr $ks" >> "$R/concurrency.log"
    pre= logfile= tag=
    for a in "$@"; do
      case "$a" in
      "--dparam=pre-xfer exec="*) pre=${a#*exec=} ;;
      "--dparam=log file="*) logfile=${a#*log file=} ;;
      "--dparam=log format="*) tag=${a#*log format=}; tag=${tag%% *} ;;
      esac
    done
    if [ "$HOOKS" = yes ]; then
      (
        export RSYNC_MODULE_NAME=push RSYNC_MODULE_PATH="$R/incoming" RSYNC_HOST_ADDR=203.0.113.7 \
          RSYNC_HOST_NAME=UNDETERMINED RSYNC_USER_NAME= RSYNC_PID=$$ RSYNC_REQUEST=push/ \
          RSYNC_ARG0=rsyncd RSYNC_ARG1=--server RSYNC_ARG2=-logDtpre.iLsfxCIvu RSYNC_ARG3=. RSYNC_ARG4=.
        exec /bin/sh -c "$pre"
      )
      echo "2026/11/30 12:00:00 [$$] $tag push recv >f.st...... 42" >> "$logfile"
    fi
    # rsync's closing line: without it the gate cannot trust an empty log (no changes).
    echo "2026/11/30 12:00:00 [$$] sent 24 bytes  received 95 bytes  total size 3" >> "$logfile"
    i=0
    while [ "$HOLD" = yes ] && [ ! -e "$R/release" ] && [ "$i" -lt 2400 ]; do
      sleep 0.05
      i=$((i + 1))
    done
    sleep 0.2
    rm -f "$R/running/rsync-$K-$$"
    exit 0

    """#
  }

  /// A stand-in for rsnapshot (`-c ROOT/keys/KEY/rsnapshot.conf LEVEL`): measures, runs for
  /// 0.1 s, exits 0.
  private var rsnapshotScript: String {
    #"""
    #!/bin/sh
    R='\#(path)'
    K=${2%/rsnapshot.conf}; K=${K##*/}
    count() {
      c=0
      for f in "$R/running/$1"-*; do [ -e "$f" ] && c=$((c + 1)); done
    }
    : > "$R/running/snapshot-$K-$$"
    count rsync; r=$c
    count snapshot; s=$c
    count "rsync-$K"; kr=$c
    count "snapshot-$K"; ks=$c
    echo "snapshot $K $r $s $kr $ks" >> "$R/concurrency.log"
    sleep 0.1
    rm -f "$R/running/snapshot-$K-$$"
    exit 0

    """#
  }
}
