// Processes and locks for the binary tests: starting the gate as sshd does, polling, and
// holding bytes of the lock file from the test process.
import Foundation
import Glibc
import TestSupport

/// A copy of pushgate-serve at `path` (for install-path tests).
func copyServe(to path: String) throws {
  let bytes = try Data(contentsOf: URL(fileURLWithPath: Binaries.serve))
  try writeExecutable(Array(bytes), to: path)
}

/// Runs a freshly written executable, retrying while a process another test started in the
/// same instant still holds it open (ETXTBSY, reported by Foundation as a Cocoa error).
func runFresh(_ attempt: () throws -> Finished) throws -> Finished {
  let deadline = Date().addingTimeInterval(10)
  while true {
    do { return try attempt() } catch  where Date() < deadline { usleep(50_000) }
  }
}

/// The running account, as pushgate-serve reads it from the password database.
func account() -> (user: String, home: String) {
  guard let entry = getpwuid(geteuid()) else { return ("", "") }
  return (String(cString: entry.pointee.pw_name), String(cString: entry.pointee.pw_dir))
}

/// The path pushgate-serve reports for itself (/proc/self/exe, symlinks resolved).
var servePath: String { URL(fileURLWithPath: Binaries.serve).resolvingSymlinksInPath().path }

/// Whether process `pid` has `path` open.
func hasOpen(_ pid: Int32, _ path: String) -> Bool {
  let directory = "/proc/\(pid)/fd"
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
  return names.contains {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0)) == path
  }
}

/// Kills the fake rsyncs (and their sleeps) a killed or stuck gate left behind.
///
/// Only processes still working in this root are killed, never a process that reused one of their
/// pids.
func killLeftovers(_ root: Root) {
  let pids =
    root.rsyncRuns().flatMap { [$0.pid, $0.sleepPid].compactMap { $0 } }
    + root.snapshotRuns().map(\.pid) + root.snapshotChildren()
  for pid in pids where !isGone(pid) {
    if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) == root.path
    {
      kill(pid, SIGKILL)
    }
  }
}
