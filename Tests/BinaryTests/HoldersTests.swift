// Monitoring without the lock file: the gate publishes slot holders in a group-readable
// holders file; a monitoring account's read locks there never delay or refuse a session.
import Foundation
import Glibc
import TestSupport
import Testing

/// Takes a classic shared lock on every byte of every file under the root it can open, then
/// writes the list to `ready` and holds the locks until killed.
private let lockEverything = #"""
  import fcntl, os, sys, time
  root, ready = sys.argv[1], sys.argv[2]
  locked = []
  for directory, _, names in os.walk(root):
      for name in names:
          path = os.path.join(directory, name)
          try:
              fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
          except OSError:
              continue
          try:
              fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 0, 0)
              locked.append(path)
          except OSError:
              os.close(fd)
  with open(ready + ".tmp", "w") as out:
      out.write("\n".join(locked) + "\n")
  os.rename(ready + ".tmp", ready)
  time.sleep(120)
  """#

@Test(
  "a monitoring account's read locks never hold a session up, and it sees the live holder",
  .blocking)
func monitoringReadsHolders() throws {
  try #require(geteuid() == 0, "the test adds a monitoring account")
  let root = try Root(settings: ["max_connections = 2"])
  defer {
    killLeftovers(root)
    root.remove()
  }
  let monitor = try TestAccount()
  defer { monitor.remove() }
  let holders = root.path + "/pushgate.holders"

  // The first session makes the holders file: 0640, beside the 0600 lock file.
  #expect(try root.serve(root.allowedCommand).status == 0)
  var info = stat()
  try #require(lstat(holders, &info) == 0)
  #expect(info.st_mode & 0o7777 == 0o640)
  try #require(lstat(root.lockFile, &info) == 0)
  #expect(info.st_mode & 0o7777 == 0o600)

  // The administrator gives the monitoring account read access to the log and the holders
  // file (ACLs on a real host, pushgate-status(8); here the root's mode and the files' group).
  #expect(chmod(root.path, 0o755) == 0)
  for file in [root.log, holders] { #expect(chown(file, 0, monitor.gid) == 0) }
  try write(lockEverything, to: root.path + "/lock-everything.py", mode: 0o644)
  let ready = "/tmp/pushgate-locker-\(monitor.name)"
  defer { unlink(ready) }
  let locker = try SpawnedProcess(
    [
      "/usr/bin/setpriv", "--reuid", String(monitor.uid), "--regid", String(monitor.gid),
      "--init-groups", "--", "/usr/bin/python3", root.path + "/lock-everything.py", root.path,
      ready,
    ],
    environment: ["PATH": "/usr/bin:/bin"], output: ready + "-output")
  defer {
    if locker.isRunning { kill(locker.pid, SIGKILL) }
    unlink(ready + "-output.out")
    unlink(ready + "-output.err")
  }
  try #require(eventually { FileManager.default.fileExists(atPath: ready) }, "\(locker.err)")
  let locked = read(ready).split(separator: "\n").map(String.init)
  #expect(locked.contains(holders))
  #expect(!locked.contains(root.lockFile), "the lock file is the account's alone")

  // Every slot's mark is read-locked by the monitor: sessions are served all the same, at once.
  for _ in 0..<2 {
    let started = Date()
    let result = try root.serve(root.allowedCommand)
    #expect(result.status == 0)
    #expect(Date().timeIntervalSince(started) < 3)
  }
  #expect(root.records("allowed").count == 3)

  // With the monitor's locks gone, a running session shows in its pushgate status.
  kill(locker.pid, SIGKILL)
  #expect(eventually { !locker.isRunning })
  var long = Scenario()
  long.sleep = 30
  try root.setScenario(long)
  let serve = try root.startServe(root.allowedCommand, name: "long")
  defer {
    serve.signal(SIGTERM)
    _ = serve.wait()
  }
  try #require(eventually { root.records("allowed").count == 4 })
  let status = try monitor.run(Binaries.pushgate, ["status", "--config", root.config])
  #expect(status.status == 0, "\(status.err)")
  #expect(status.out.contains("1 of 2 in use"), "\(status.out)")
  #expect(status.out.contains("pid \(serve.pid)"), "\(status.out)")
  // The lock file stayed unreadable to the monitor: status read the holders file.
  #expect(try monitor.run("/usr/bin/cat", [root.lockFile]).status != 0)
}

@Test(
  "a monitoring account that may pass through ROOT but not list it reads every rotation of the log",
  .blocking)
func monitoringReadsRotationsWithoutListingTheRoot() throws {
  try #require(geteuid() == 0, "the test adds a monitoring account")
  let root = try Root()
  defer { root.remove() }
  let monitor = try TestAccount()
  defer { monitor.remove() }
  // Three sessions, rotated as logrotate does: the oldest compressed, the next renamed.
  #expect(try root.serve(root.allowedCommand).status == 0)
  #expect(rename(root.log, root.log + ".2") == 0)
  #expect(try run("/bin/gzip", ["-n", root.log + ".2"]).status == 0)
  #expect(try root.serve(root.allowedCommand).status == 0)
  #expect(rename(root.log, root.log + ".1") == 0)
  #expect(try root.serve(root.allowedCommand).status == 0)
  // What the ACLs of pushgate-status(8) give: passage through ROOT (here its mode), read on
  // the log files (here their group), no listing.
  #expect(chmod(root.path, 0o711) == 0)
  for file in [root.log, root.log + ".1", root.log + ".2.gz"] {
    #expect(chown(file, 0, monitor.gid) == 0)
    #expect(chmod(file, 0o640) == 0)
  }
  #expect(try monitor.run("/bin/ls", [root.path]).status != 0, "the monitor cannot list ROOT")
  let log = try monitor.run(Binaries.pushgate, ["log", "--file", root.log, "--json"])
  #expect(log.status == 0, "\(log.err)")
  let sessions = log.out.split(separator: "\n").filter { $0.contains(#""event":"allowed""#) }
  #expect(sessions.count == 3, "\(log.out)")
  // status counts what root (who may list ROOT) counts.
  let arguments = ["status", "--file", root.log, "--format", "prometheus"]
  let seen = try monitor.run(Binaries.pushgate, arguments)
  let rootSees = try run(Binaries.pushgate, arguments)
  #expect(seen.status == 0, "\(seen.err)")
  #expect(rootSees.status == 0, "\(rootSees.err)")
  #expect(seen.out == rootSees.out)
  #expect(seen.out.contains("pushgate_pushes_total{key=\"laptop\"} 3\n"), "\(seen.out)")
}
