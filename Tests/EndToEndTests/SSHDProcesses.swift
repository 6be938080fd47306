// Processes for the SSHD and Fault tests: clients started in the background, and what /proc
// tells about processes (children, groups, sessions), for finding and killing what a test started.
import Foundation
import Glibc
import TestSupport
import Testing

/// A program started in the background the way a user starts it: no signal blocked, every signal at
/// its default, its own process group, stdin from /dev/null, stdout and stderr into `<output>.out`
/// and `<output>.err`.
///
/// Killed (SIGKILL) and reaped when released.
final class Background {
  let pid: pid_t
  private let output: String
  private var status: Int32?

  init(_ argv: [String], environment: [String: String], output: String) throws {
    self.output = output
    pid = try spawnAsSSHDWould(
      argv, environment: environment, output: output, ownProcessGroup: true)
  }

  deinit {
    if status == nil {
      Glibc.kill(-pid, SIGKILL)
      var raw: Int32 = 0
      while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
    }
  }

  /// The exit status (or 128 + signal) once it ended within `seconds`; nil if still running.
  func wait(within seconds: Double = 60) -> Int32? {
    _ = eventually(within: seconds) {
      if status != nil { return true }
      var raw: Int32 = 0
      if waitpid(pid, &raw, WNOHANG) == pid {
        status = decodeWaitStatus(raw)
      }
      return status != nil
    }
    return status
  }

  var isRunning: Bool { wait(within: 0) == nil }

  /// What it wrote to stderr (so far).
  var err: String { read(output + ".err") }
  /// What it wrote to stdout (so far).
  var out: String { read(output + ".out") }
}

/// One line of /proc/PID/stat, split after the command name: [state, ppid, pgrp, session, ...].
private func statFields(_ pid: pid_t) -> [Substring]? {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return nil }
  return stat[stat.index(after: close)...].split(separator: " ")
}

/// Every process id in /proc.
func allPids() -> [pid_t] {
  ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
}

/// The live children of `parent`.
func children(of parent: pid_t) -> [pid_t] {
  allPids().filter { statFields($0)?[1] == "\(parent)"[...] && !isGone($0) }
}

/// The live members of process group `group`.
func processGroupMembers(_ group: pid_t) -> [pid_t] {
  allPids().filter { statFields($0)?[2] == "\(group)"[...] && !isGone($0) }
}

/// The session id of a process.
func sessionID(_ pid: pid_t) -> pid_t? { statFields(pid).flatMap { pid_t($0[3]) } }

/// A process's command line, NUL separators as spaces.
func commandLine(_ pid: pid_t) -> String {
  let data = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
  return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
}

/// The program a process runs (the `comm` name).
func programName(_ pid: pid_t) -> String {
  read("/proc/\(pid)/comm").trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Waits for a live child of `parent` named `name`, such as "rsync" or "ssh".
func waitForChild(of parent: pid_t, named name: String, within seconds: Double = 30) -> pid_t? {
  var found: pid_t?
  _ = eventually(within: seconds) {
    found = children(of: parent).first { programName($0) == name }
    return found != nil
  }
  return found
}

/// SIGKILLs every process (but this one) whose command line names `path` or whose working directory
/// is below it: the ssh, sshd -i, gate, rsync and snapshot processes of one test's temporary
/// directory, which no other test shares.
///
/// Repeats until none is left (10 s at most).
func killProcesses(under path: String) {
  let me = getpid()
  _ = eventually(within: 10) {
    let left = allPids().filter { pid in
      guard pid != me, !isGone(pid) else { return false }
      let cwd =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
      return commandLine(pid).contains(path) || cwd == path || cwd.hasPrefix(path + "/")
    }
    left.forEach { kill($0, SIGKILL) }
    return left.isEmpty
  }
}

/// Mount points at or below `path`, deepest first.
func mounts(under path: String) -> [String] {
  read("/proc/self/mounts").split(separator: "\n").compactMap { line in
    let fields = line.split(separator: " ")
    guard fields.count > 1 else { return nil }
    let point = String(fields[1])
    return point == path || point.hasPrefix(path + "/") ? point : nil
  }.sorted { $0.count > $1.count }
}

/// Whether this machine lets us mount a tmpfs (not in every container); says why not, loudly.
let tmpfsMountWorks: Bool = {
  guard let probe = try? TemporaryDirectory() else { return false }
  defer { probe.remove() }
  let mounted = try? run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path])
  guard mounted?.status == 0 else {
    FileHandle.standardError.write(
      Data(
        "SKIPPING: cannot mount a tmpfs here (\(mounted?.err ?? "no /bin/mount")); the out-of-space test needs it\n"
          .utf8))
    return false
  }
  _ = try? run("/bin/umount", [probe.path])
  return true
}()
