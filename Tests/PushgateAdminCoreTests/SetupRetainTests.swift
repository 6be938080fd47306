// pushgate init's options (paths, names) and the printed instructions; the retention levels are
// PushgateCoreTests/RetainLevelTests.swift.
import PushgateAdminCore
import PushgateCore
import Testing

private let retainAccount = SetupAccount(name: "backup", uid: 34, gid: 34, group: "backup")

extension SetupTests {
  @Test(arguments: [
    "", "backup", "/", "/backup/", "//backup", "/backup/../etc", "/back up", "/b;c",
  ])
  func refusesAnUnsafeRoot(_ root: String) {
    #expect(throws: SetupError.self) {
      try SetupRequest(
        root: root, account: retainAccount, runsAsRoot: true, interval: "hourly", retain: [],
        restore: false)
    }
  }

  @Test func relativeRootMessage() {
    #expect(
      throws: SetupError(
        "root must be an absolute path of letters, digits and / . _ - + , @ : without '//', '.' or "
          + "'..' parts or a trailing '/', not 'backup'")
    ) {
      try SetupRequest(
        root: "backup", account: retainAccount, runsAsRoot: true, interval: "hourly", retain: [],
        restore: false)
    }
  }

  @Test(arguments: [
    ("backup", true), ("svc-backup", true), ("b.k_1", true), ("", false), ("-x", false),
    ("a b", false), ("a:b", false), ("a@b", false), ("a/b", false),
    (String(repeating: "a", count: 33), false),
  ])
  func checksAccountNames(_ name: String, usable: Bool) {
    #expect(SetupAccount.isUsableName(name) == usable)
  }

}

private func instructions(
  account: SetupAccount = retainAccount, interval: String = "hourly", retain: [String] = [],
  admin: String = "/usr/bin/pushgate", host: String = "nas.example.org",
  shell: String? = "/bin/sh", runsAsRoot: Bool = true
) throws -> SetupInstructions {
  let request = try SetupRequest(
    root: "/backup", account: account, runsAsRoot: runsAsRoot, interval: interval,
    retain: retain, restore: false)
  return try SetupInstructions(request: request, admin: admin, host: host, shell: shell)
}

extension SetupTests {
  @Test func printsTheLinesToCopy() throws {
    let text = try instructions()
    #expect(
      text.lines == [
        "",
        "each client key gets its own area and its authorized_keys line with:",
        "/usr/bin/pushgate authorize --config /backup/pushgate.conf --account backup "
          + "--key LABEL CLIENT-KEY.pub",
        "",
        "client command:",
        "rsync -a -e ssh --rsync-path='cd /backup && rsync' SRC/ backup@nas.example.org::push",
        "",
        "cron lines for every level (/etc/cron.d/pushgate-backup); each takes the area's lock, so",
        "it never runs while that key pushes or snapshots:",
        "0 * * * *  backup  /usr/bin/pushgate rotate hourly --config /backup/pushgate.conf",
        "0 3 * * *  backup  /usr/bin/pushgate rotate daily --config /backup/pushgate.conf",
        "30 3 * * 1  backup  /usr/bin/pushgate rotate weekly --config /backup/pushgate.conf",
        "",
        "logrotate stanza for the audit log (/etc/logrotate.d/pushgate-backup); the new log must be",
        "the account's (create), and never copied and truncated:",
        "/backup/pushgate.log {",
        "    su backup backup",
        "    create 0640 backup backup",
        "    weekly",
        "    rotate 12",
        "    compress",
        "    delaycompress",
        "    missingok",
        "    notifempty",
        "}",
        "",
        "'pushgate init --system-files', as root, writes both files",
        "",
        "note: the login shell of 'backup' must be /bin/sh: sshd runs the forced command through "
          + "it; nologin runs nothing and bash may print from .bashrc into the rsync protocol",
      ])
  }

  @Test func clientCommandMatchesTheAllowedCommand() throws {
    // sshd receives exactly the --rsync-path text followed by " --server --daemon .".
    let command = try instructions().clientCommand
    let quoted = command.split(separator: "'")[1]
    #expect(Array((quoted + " --server --daemon .").utf8) == AllowedCommand(root: "/backup").bytes)
  }

  @Test func cronLinesForOtherLevels() throws {
    let text = try instructions(
      interval: "often", retain: ["often=4", "hourly=24", "monthly=6", "fortnightly=2"])
    let rotate = "/usr/bin/pushgate rotate"
    #expect(
      text.cronLines == [
        "# choose a schedule  backup  \(rotate) often --config /backup/pushgate.conf",
        "0 * * * *  backup  \(rotate) hourly --config /backup/pushgate.conf",
        "0 4 1 * *  backup  \(rotate) monthly --config /backup/pushgate.conf",
        "# choose a schedule  backup  \(rotate) fortnightly --config /backup/pushgate.conf",
      ])
    // The lowest level has its cron line too: it takes pending changes and retries.
    #expect(
      try instructions(retain: ["hourly=5"]).cronLines == [
        "0 * * * *  backup  \(rotate) hourly --config /backup/pushgate.conf"
      ])
  }

  @Test func theAuthorizeCommandNamesTheAccountOnlyWhenRootRunsInit() throws {
    #expect(try instructions().authorizeCommand.contains(" --account backup "))
    #expect(!(try instructions(runsAsRoot: false).authorizeCommand.contains("--account")))
  }

  @Test func shellNotes() throws {
    let base =
      "the login shell of 'backup' must be /bin/sh: sshd runs the forced command through it; "
      + "nologin runs nothing and bash may print from .bashrc into the rsync protocol"
    #expect(try instructions(shell: nil).shellNote == base)
    #expect(
      try instructions(shell: "/usr/sbin/nologin").shellNote
        == base + "; it is '/usr/sbin/nologin': run 'usermod -s /bin/sh backup'")
    let root = try instructions(
      account: SetupAccount(name: "root", uid: 0, gid: 0, group: "root"), shell: "/bin/bash")
    #expect(
      root.shellNote.hasSuffix(
        "; it is '/bin/bash': a separate backup account with /bin/sh is safer than root"))
  }

  @Test func refusesUnsafeInstructionValues() {
    #expect(
      throws: SetupError(
        "pushgate's own path 'bin/pushgate' is not a safe absolute path; install it at a path "
          + "of letters, digits and / . _ - + , @ :")
    ) { try instructions(admin: "bin/pushgate") }
    #expect(
      throws: SetupError(
        "host 'a\"b' must be a host name or address of letters, digits, . and -; give --host NAME")
    ) { try instructions(host: "a\"b") }
    #expect(throws: SetupError.self) { try instructions(host: "") }
    #expect(throws: SetupError.self) { try instructions(host: "a:b") }
  }
}
