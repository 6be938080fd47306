// pushgate init and authorize as data: the exact files they write and the plans' owners and modes.
import PushgateAdminCore
import PushgateCore
import Testing

private let backupAccount = SetupAccount(name: "backup", uid: 34, gid: 34, group: "backup")
private let rootAccount = SetupAccount(name: "root", uid: 0, gid: 0, group: "root")

private func setupRequest(
  _ account: SetupAccount = backupAccount, runsAsRoot: Bool = true, interval: String = "hourly",
  retain: [String] = [], restore: Bool = false
) throws -> SetupRequest {
  try SetupRequest(
    root: "/backup", account: account, runsAsRoot: runsAsRoot, interval: interval,
    retain: retain, restore: restore)
}

/// The lines that are not comments or blank.
private func setupSettingLines(_ text: String) -> [Substring] {
  text.split(separator: "\n").filter { !$0.hasPrefix("#") }
}

private let rsyncdHeader = """
  # rsyncd.conf for the backup root /backup, written by 'pushgate init'.
  # pushgate-serve starts rsync with --config=/backup/rsyncd.conf and sets, with
  # --dparam, the pre-xfer hook, the transfer log and the timeout. A module must not set
  # 'pre-xfer exec', 'post-xfer exec', 'transfer logging', 'log file' or 'log format'
  # (a module's value wins over --dparam and would hide what rsync did), and every
  # module's path must stay inside /backup/keys/%PUSHGATE_KEY%/: pushgate-serve refuses to serve otherwise.
  # %PUSHGATE_KEY% is the key label pushgate-serve was started with (--key), so each key
  # reaches only its own area, /backup/keys/LABEL.
  # No 'max connections' or 'lock file': pushgate-serve counts the connection slots.

  """

private let pushModule = """

  [push]
    comment = backups pushed by clients; a push that changes something is snapshotted
    path = /backup/keys/%PUSHGATE_KEY%/incoming
    read only = no
    write only = yes
    list = no
    # Every pushed file stays readable by the backup account: a file a client made
    # unreadable would fail every snapshot's sync (rsync 23).
    incoming chmod = Du+rwx,Fu+rw

  """

private let snapshotsModule = """

  [snapshots]
    comment = this key's snapshots, read-only, for restores
    path = /backup/keys/%PUSHGATE_KEY%/snapshots
    read only = yes
    list = no
    # .sync is the next snapshot while rsnapshot builds it: never restore from it.
    exclude = /.sync/

  """

private let rsnapshotExpected = """
  # rsnapshot.conf of the key 'laptop' in /backup, written by 'pushgate authorize'.
  # rsnapshot needs a TAB between fields; check a change with
  # 'rsnapshot -c /backup/keys/laptop/rsnapshot.conf configtest'.
  # A push that changes the area runs 'sync' and then the first level (hourly);
  # cron runs 'pushgate rotate LEVEL' for every level, which takes the area's lock first.
  config_version\t1.2
  snapshot_root\t/backup/keys/laptop/snapshots/
  # authorize creates snapshot_root; if it is missing, the disk is not mounted.
  no_create_root\t1
  cmd_cp\t/bin/cp
  cmd_rm\t/bin/rm
  cmd_rsync\t/usr/bin/rsync
  retain\thourly\t24
  retain\tdaily\t7
  retain\tweekly\t4
  verbose\t2
  loglevel\t3
  # No lockfile: the area's lock (state/lock), held by the gate and 'pushgate rotate'
  # and inherited by rsnapshot, keeps runs apart; a pid file left by a killed run would
  # only fail the next one. Run the levels with 'pushgate rotate', never by hand.
  # Unchanged files become hard links to the previous snapshot (rsync --link-dest), and
  # the level is a rename of the finished .sync (never a copy).
  link_dest\t1
  # A snapshot is 'rsnapshot sync' into snapshot_root/.sync, then, only if it succeeded,
  # the first level: a sync cut short never enters the history. Keep it.
  sync_first\t1
  # The default rsync_long_args include --relative, which would nest every snapshot
  # under the full source path. --modify-window=-1 compares modification times to the
  # nanosecond: a file rewritten at the same size within the same second would otherwise
  # be hard-linked to its old content in the new snapshot.
  rsync_long_args\t--delete --numeric-ids --delete-excluded --modify-window=-1
  # Destination './': a snapshot holds the pushed tree itself, hourly.0/<pushed files>,
  # exactly as incoming/ (and the 'snapshots' module) show it. Keep the one backup point.
  backup\t/backup/keys/laptop/incoming/\t./

  """

private let laptop = Settings(root: "/backup").area("laptop")

/// Every pushgate init core test; the second half is in SetupRetainTests.swift.
@Suite struct SetupTests {}

extension SetupTests {
  @Test func rsyncdConfForABackupAccount() throws {
    let expected =
      rsyncdHeader + """
        # The daemon runs as 'backup', which can neither chroot nor switch users.
        # Without chroot rsync stores symlinks with a '/rsyncd-munged/' prefix so that they
        # cannot lead outside the module; a restore through rsync removes the prefix again.
        use chroot = no

        """ + pushModule
    #expect(try setupRequest().rsyncdConfText == expected)
    #expect(try setupRequest(restore: true).rsyncdConfText == expected + snapshotsModule)
  }

  @Test func rsyncdConfForRootSetsUidAndGid() throws {
    let expected =
      rsyncdHeader + """
        # The daemon runs as root. Without uid and gid it would use the modules as 'nobody'
        # and every push would fail with 'mkstemp ... Permission denied'.
        uid = root
        gid = root

        """ + pushModule
    #expect(try setupRequest(rootAccount).rsyncdConfText == expected)
    #expect(
      try setupRequest(rootAccount, restore: true).rsyncdConfText == expected + snapshotsModule)
  }

  @Test(arguments: [false, true], [false, true])
  func rsyncdConfPassesTheGatesOwnCheck(root: Bool, restore: Bool) throws {
    let request = try setupRequest(root ? rootAccount : backupAccount, restore: restore)
    let conf = RsyncdConf.parse(request.rsyncdConfText)
    #expect(RsyncdPolicy.problems(conf, settings: request.settings) == [])
    for line in setupSettingLines(request.rsyncdConfText) {
      for word in ["max connections", "lock file", "log", "pre-xfer", "post-xfer", "exec"] {
        #expect(!line.contains(word), "\(line)")
      }
    }
    #expect(request.rsyncdConfText.contains("use chroot = no") == !root)
  }

  @Test func anAreasRsnapshotConfWithDefaultLevels() {
    #expect(Settings(root: "/backup").rsnapshotConfText(laptop) == rsnapshotExpected)
  }

  @Test func anAreasRsnapshotConfWithOtherLevels() throws {
    var settings = Settings(root: "/backup")
    settings.retain = try RetainLevel.levels(
      interval: "often", retain: ["often=2", "daily=1", "monthly=12"])
    let expected =
      rsnapshotExpected
      .replacingFirst("first level (hourly)", "first level (often)")
      .replacingFirst(
        "retain\thourly\t24\nretain\tdaily\t7\nretain\tweekly\t4\n",
        "retain\toften\t2\nretain\tdaily\t1\nretain\tmonthly\t12\n"
      )
      .replacingFirst("hourly.0/<pushed files>", "often.0/<pushed files>")
    #expect(settings.rsnapshotConfText(laptop) == expected)
  }

  @Test func rsnapshotConfSeparatesFieldsWithTabsOnly() {
    let lines = setupSettingLines(Settings(root: "/backup").rsnapshotConfText(laptop))
    #expect(lines.count == 15)
    for line in lines {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      #expect(fields.count >= 2, "\(line)")
      #expect(!fields[0].contains(" "), "\(line)")
      #expect(fields.allSatisfy { !$0.isEmpty && !$0.hasPrefix(" ") && !$0.hasSuffix(" ") })
    }
    #expect(!lines.contains { $0.contains("--relative") })
    #expect(
      lines.filter { $0.hasPrefix("backup\t") } == ["backup\t/backup/keys/laptop/incoming/\t./"])
  }

  @Test func pushgateConfParsesToTheDefaults() throws {
    let request = try setupRequest()
    let text = request.pushgateConfText
    let parsed = try SettingsParser.parse(Array(text.utf8), file: "/backup/pushgate.conf")
    #expect(parsed == Settings(root: "/backup"))
    #expect(setupSettingLines(text) == ["root = /backup"])
    for name in SettingsParser.names.dropFirst() {
      #expect(text.contains("\n# \(name) = "), "\(name) is not shown")
    }
  }

  @Test func pushgateConfSetsRetainOnlyForOtherLevels() throws {
    let text = try setupRequest(interval: "daily").pushgateConfText
    var expected = Settings(root: "/backup")
    expected.retain = [RetainLevel(name: "daily", count: 7), RetainLevel(name: "weekly", count: 4)]
    #expect(try SettingsParser.parse(Array(text.utf8), file: "f") == expected)
    #expect(setupSettingLines(text) == ["root = /backup", "retain = daily=7 weekly=4"])
    #expect(try setupRequest(interval: "daily").settings == expected)
  }

  @Test func pushgateConfShowsTheRealDefaults() throws {
    // Removing every '# ' in front of a setting must not change what the file means.
    let text = try setupRequest().pushgateConfText
    let names = SettingsParser.names
    let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      let body = line.dropFirst(2)
      let isSetting = line.hasPrefix("# ") && names.contains { body.hasPrefix($0 + " = ") }
      return isSetting ? String(body) : String(line)
    }.joined(separator: "\n")
    #expect(uncommented != text)
    let parsed = try SettingsParser.parse(Array(uncommented.utf8), file: "f")
    #expect(parsed == Settings(root: "/backup"))
  }
}

private func setupStep(
  _ path: String, _ kind: SetupStep.Kind, _ mode: UInt32, _ owner: SetupOwner
) -> SetupStep {
  SetupStep(path: path, kind: kind, mode: mode, owner: owner)
}

private let backup = SetupOwner(uid: 34, gid: 34, description: "backup:backup")
private let rootBackup = SetupOwner(uid: 0, gid: 34, description: "root:backup")

extension SetupTests {
  @Test func planForAnotherAccountAsRoot() throws {
    let request = try setupRequest(restore: true)
    let expected = [
      setupStep("/backup", .directory(followsPushes: false), 0o1770, rootBackup),
      setupStep("/backup/keys", .directory(followsPushes: false), 0o750, rootBackup),
      setupStep("/backup/rsyncd.conf", .file(request.rsyncdConfText), 0o644, .root),
      setupStep("/backup/pushgate.conf", .file(request.pushgateConfText), 0o644, .root),
    ]
    #expect(SetupPlan(request).steps == expected)
    #expect(expected[0].summary == "directory, mode 1770, root:backup")
    #expect(expected[2].summary == "file, mode 0644, root:root")
  }

  @Test func planForTheInvokingUser() throws {
    let me = SetupAccount(name: "alice", uid: 1000, gid: 100, group: "users")
    let request = try setupRequest(me, runsAsRoot: false)
    let alice = SetupOwner(uid: 1000, gid: 100, description: "alice:users")
    let steps = SetupPlan(request).steps
    #expect(steps.map(\.owner) == Array(repeating: alice, count: 4))
    #expect(steps.map(\.mode) == [0o750, 0o750, 0o644, 0o644])
  }

  @Test func planForRootAsRoot() throws {
    let steps = SetupPlan(try setupRequest(rootAccount)).steps
    #expect(steps.map(\.owner) == Array(repeating: .root, count: 4))
    #expect(steps.map(\.mode) == [0o750, 0o750, 0o644, 0o644])
    #expect(steps[2].contents == Array(try setupRequest(rootAccount).rsyncdConfText.utf8))
    #expect(steps[0].contents.isEmpty)
  }

  @Test func anAreaForAnotherAccountAsRoot() {
    let settings = Settings(root: "/backup")
    let expected = [
      setupStep("/backup/keys", .directory(followsPushes: false), 0o750, rootBackup),
      setupStep("/backup/keys/laptop", .directory(followsPushes: false), 0o750, rootBackup),
      setupStep("/backup/keys/laptop/incoming", .directory(followsPushes: true), 0o750, backup),
      setupStep("/backup/keys/laptop/snapshots", .directory(followsPushes: false), 0o750, backup),
      setupStep("/backup/keys/laptop/state", .directory(followsPushes: false), 0o700, backup),
      setupStep(
        "/backup/keys/laptop/rsnapshot.conf", .file(settings.rsnapshotConfText(laptop)), 0o644,
        .root),
    ]
    #expect(
      SetupPlan(area: laptop, settings: settings, account: backupAccount, runsAsRoot: true).steps
        == expected)
  }

  @Test func anAreaOfTheInvokingUser() {
    let me = SetupAccount(name: "alice", uid: 1000, gid: 100, group: "users")
    let alice = SetupOwner(uid: 1000, gid: 100, description: "alice:users")
    let steps = SetupPlan(
      area: laptop, settings: Settings(root: "/backup"), account: me, runsAsRoot: false
    )
    .steps
    #expect(steps.map(\.owner) == Array(repeating: alice, count: 6))
    #expect(steps.map(\.mode) == [0o750, 0o750, 0o750, 0o750, 0o700, 0o644])
  }
}

extension String {
  fileprivate func replacingFirst(_ old: String, _ new: String) -> String {
    guard let range = firstRange(of: old) else { return self + "\n<missing: \(old)>" }
    var copy = self
    copy.replaceSubrange(range, with: new)
    return copy
  }
}
