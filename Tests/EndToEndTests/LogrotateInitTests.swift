// The logrotate stanza `pushgate init --system-files` writes, run by the real logrotate on a
// root a backup account owns as `pushgate init --account` makes it (issue #12): logrotate
// accepts it (su, a group-writable sticky root), the new log is the account's, nothing is
// moved aside as `.backup`, and `pushgate log` and `status` still find every session.
import Foundation
import Glibc
import TestSupport
import Testing

/// Pushes, then a forced rotation, `rotations` times, then one more push: each push changes a
/// file, so every session is a `pushed` one.
private func pushAndRotate(
  _ root: BackupRoot, stanza: String, state: String, rotations: Int
) throws -> [Finished] {
  var rotated: [Finished] = []
  for index in 0...rotations {
    try root.writeSource("file-\(index).txt", "push \(index)\n")
    let pushed = try root.push()
    #expect(pushed.status == 0, "push \(index): \(pushed.err)")
    guard index < rotations else { break }
    rotated.append(try run("/usr/sbin/logrotate", ["-f", "-s", state, stanza]))
  }
  return rotated
}

@Test(
  "logrotate runs init's stanza on an account's root: every session is read from every file",
  .blocking,
  .enabled(if: realProgramsInstalled && installed("/usr/sbin/logrotate") && canAddAccounts))
func initsLogrotateStanzaRotatesTheAccountsLog() throws {
  let account = try TestAccount()
  defer { account.remove() }
  let root = try BackupRoot(account: account)
  defer { root.remove() }
  let etc = root.temporary.path + "/etc"
  for directory in [etc, etc + "/logrotate.d", etc + "/cron.d"] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }
  // The options BackupRoot gave init, so that only the system files are new.
  let initialized = try run(
    Binaries.pushgate,
    [
      "init", root.path, "--restore", "--host", "localhost", "--account", account.name,
      "--retain", "hourly=5", "--system-files", "--etc", etc,
    ], environment: ["PATH": "/usr/bin:/bin"])
  #expect(initialized.status == 0, "\(initialized.out)\(initialized.err)")
  let name = try #require(
    try FileManager.default.contentsOfDirectory(atPath: etc + "/logrotate.d").first)
  let stanza = etc + "/logrotate.d/" + name
  #expect(initialized.out.contains("created    \(stanza) (file, mode 0644, root:root)"))
  #expect(FileManager.default.fileExists(atPath: etc + "/cron.d/" + name))

  let rotated = try pushAndRotate(
    root, stanza: stanza, state: root.temporary.path + "/logrotate.state", rotations: 3)
  for (index, finished) in rotated.enumerated() {
    #expect(finished.status == 0, "logrotate \(index + 1): \(finished.out)\(finished.err)")
  }
  let logrotateSaid = rotated.map { $0.out + $0.err }.joined()
  #expect(logrotateSaid == "", "logrotate printed: \(logrotateSaid)")

  let names = root.names(in: root.path).filter { $0.hasPrefix("pushgate.log") }
  #expect(names == ["pushgate.log", "pushgate.log.1", "pushgate.log.2.gz", "pushgate.log.3.gz"])
  #expect(!root.names(in: root.path).contains { $0.contains(".backup") }, "moved aside")
  var info = stat()
  #expect(lstat(root.auditLog, &info) == 0)
  #expect(info.st_uid == account.uid && info.st_gid == account.gid)
  #expect(info.st_mode & 0o7777 == 0o640)

  // Four sessions, one per file: every record of each is read, whatever file holds it.
  let shown = try run(Binaries.pushgate, ["log", "--config", root.config, "--json"])
  #expect(shown.status == 0 && shown.err == "", "\(shown.err)")
  let records = shown.out.split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
  for event in ["allowed", "transfer-ended", "snapshot-ended"] {
    let sessions = Set(
      records.filter { $0["event"] as? String == event }.compactMap { $0["session"] as? String })
    #expect(sessions.count == 4, "\(event): \(sessions.count) sessions of 4")
  }
  let status = try run(
    Binaries.pushgate, ["status", "--config", root.config, "--format", "prometheus"])
  #expect(status.status == 0, "\(status.err)")
  #expect(status.out.contains("pushgate_pushes_total{key=\"laptop\"} 4\n"), "\(status.out)")
  #expect(status.out.contains("pushgate_failures_total{key=\"laptop\"} 0\n"), "\(status.out)")
}

@Test(
  "doctor passes the logrotate stanza init writes", .blocking,
  .enabled(if: realProgramsInstalled && geteuid() == 0))
func doctorPassesInitsLogrotateStanza() throws {
  let root = try BackupRoot()
  defer { root.remove() }
  let etc = root.temporary.path + "/etc"
  for directory in [etc, etc + "/logrotate.d", etc + "/cron.d"] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }
  let initialized = try run(
    Binaries.pushgate,
    [
      "init", root.path, "--restore", "--host", "localhost", "--retain", "hourly=5",
      "--system-files", "--etc", etc,
    ], environment: ["PATH": "/usr/bin:/bin"])
  #expect(initialized.status == 0, "\(initialized.out)\(initialized.err)")
  try write("weekly\ninclude \(etc)/logrotate.d\n", to: root.temporary.path + "/logrotate.conf")
  let doctor = try run(
    Binaries.pushgate,
    [
      "doctor", "--config", root.config, "--logrotate-config",
      root.temporary.path + "/logrotate.conf",
    ], environment: ["PATH": "/usr/bin:/bin"])
  let line = doctor.out.split(separator: "\n").first { $0.contains("  logrotate  ") }
  #expect(line?.lowercased().hasPrefix("ok") == true, "\(doctor.out)")
}
