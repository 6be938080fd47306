// The cron.d and logrotate.d files init prints and writes with --system-files (issue #12): their
// names, their exact text, and doctor's logrotate check passing the stanza.
import PushgateAdminCore
import PushgateCore
import Testing

private let pushAccount = SetupAccount(
  name: "backup-push", uid: 990, gid: 990, group: "backup-push")

private func systemFiles(
  root: String = "/backup", account: SetupAccount = pushAccount,
  snapshots: SnapshotEngine = .rsnapshot, etc: String = "/etc"
) throws -> SystemFiles {
  let request = try SetupRequest(
    root: root, account: account, runsAsRoot: true, interval: "hourly", retain: [],
    restore: false, snapshots: snapshots)
  let instructions = try SetupInstructions(
    request: request, admin: "/usr/bin/pushgate", host: "nas.example.org", shell: "/bin/sh")
  return SystemFiles(request: request, cronLines: instructions.cronLines, etc: etc)
}

@Test(arguments: [
  ("/backup", "pushgate-backup"),
  ("/srv/backup", "pushgate-srv-backup"),
  ("/srv/backup.d", "pushgate-srv-backup_d"),
  ("/tmp/pushgate-test.Ab9/root", "pushgate-tmp-pushgate-test_Ab9-root"),
  ("/a+b,c@d:e", "pushgate-a_b_c_d_e"),
  ("/x_y-z", "pushgate-x_y-z"),
])
func namesTheFilesAfterTheRoot(_ root: String, _ name: String) throws {
  #expect(SystemFiles.fileName(root: root) == name)
  #expect(name.utf8.allSatisfy(SystemFiles.isCronNameByte))
  let files = try systemFiles(root: root)
  #expect(files.logrotatePath == "/etc/logrotate.d/" + name)
  #expect(files.cronPath == "/etc/cron.d/" + name)
}

@Test func aLongRootKeepsTheEndOfItsName() {
  let root = "/" + String(repeating: "d/", count: 150) + "backup"
  let name = SystemFiles.fileName(root: root)
  #expect(name.utf8.count == "pushgate-".utf8.count + 200)
  #expect(name.hasSuffix("-d-backup"))
}

@Test func theLogrotateStanzaGivesTheNewLogToTheAccount() throws {
  let files = try systemFiles()
  #expect(
    files.logrotateText == """
      # the audit log of pushgate (written by pushgate init; see docs/audit-log.md)
      /backup/pushgate.log {
          su backup-push backup-push
          create 0640 backup-push backup-push
          weekly
          rotate 12
          compress
          delaycompress
          missingok
          notifempty
      }

      """)
  #expect(!files.logrotateText.contains("copytruncate"))
}

@Test func theCronFileHoldsRotateForEveryLevel() throws {
  let rotate = "/usr/bin/pushgate rotate"
  #expect(
    try systemFiles().cronText == """
      # pushgate rotate for the backup root /backup (written by pushgate init)
      0 * * * *  backup-push  \(rotate) hourly --config /backup/pushgate.conf
      0 3 * * *  backup-push  \(rotate) daily --config /backup/pushgate.conf
      30 3 * * 1  backup-push  \(rotate) weekly --config /backup/pushgate.conf

      """)
  #expect(
    try systemFiles(snapshots: .btrfs).cronText == """
      # pushgate rotate for the backup root /backup (written by pushgate init)
      17 * * * *  root  \(rotate) --config /backup/pushgate.conf

      """)
}

@Test func bothFilesAreRootsAndWorldReadableOnly() throws {
  let files = try systemFiles(etc: "/tmp/etc")
  #expect(
    files.steps == [
      SetupStep(
        path: "/tmp/etc/logrotate.d/pushgate-backup", kind: .file(files.logrotateText),
        mode: 0o644, owner: .root),
      SetupStep(
        path: "/tmp/etc/cron.d/pushgate-backup", kind: .file(files.cronText), mode: 0o644,
        owner: .root),
    ])
  #expect(files.directories == ["/tmp/etc/logrotate.d", "/tmp/etc/cron.d"])
}

@Test func doctorPassesTheStanzaInitWrites() throws {
  var facts = healthyFacts()
  let files = try systemFiles(
    account: SetupAccount(name: "backup", uid: 34, gid: 34, group: "backup"))
  facts.logrotateFiles = [
    LogrotateFile(path: "/etc/logrotate.conf", text: "weekly\ninclude /etc/logrotate.d\n"),
    LogrotateFile(path: files.logrotatePath, text: files.logrotateText),
  ]
  #expect(
    DoctorChecks.run(facts).filter { $0.name == "logrotate" } == [
      DoctorResult(.ok, "logrotate", "\(files.logrotatePath):2 rotates /backup/pushgate.log")
    ])
}
