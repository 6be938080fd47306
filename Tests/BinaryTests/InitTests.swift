// pushgate init and the areas pushgate authorize makes, run as the built binaries in a temporary
// directory, with the real rsnapshot.
import Foundation
import Glibc
import TestSupport
import Testing

/// Whether rsnapshot is here; without it the tests that need configtest are skipped loudly.
private let initHasRsnapshot = installed("/usr/bin/rsnapshot")
private let initRunsAsRoot = geteuid() == 0
private let initHasSetpriv = installed("/usr/bin/setpriv")

/// The options every run passes, so that the printed lines do not depend on this machine.
private let fixedOptions = ["--host", "nas.example.org"]

private func pushgateInit(_ arguments: [String], directory: String? = nil) throws -> Finished {
  try run(
    Binaries.pushgate, ["init"] + arguments, environment: ["PATH": "/usr/bin:/bin"],
    directory: directory)
}

/// The paths init manages, in the order it reports them.
private func managedPaths(_ root: String) -> [String] {
  [root, root + "/keys", root + "/rsyncd.conf", root + "/pushgate.conf"]
}

/// The paths of `label`'s area, in the order authorize reports them.
private func areaPaths(_ root: String, _ label: String) -> [String] {
  let area = root + "/keys/" + label
  return [area, area + "/incoming", area + "/snapshots", area + "/state", area + "/rsnapshot.conf"]
}

/// `pushgate authorize` of a fresh ed25519 key for `label` into `temporary/authorized_keys`.
private func authorize(
  _ root: String, _ label: String, in temporary: String, extra: [String] = [],
  keyFile: String? = nil
) throws -> Finished {
  let key = temporary + "/" + (keyFile ?? label) + "-key"
  if !FileManager.default.fileExists(atPath: key + ".pub") {
    let made = try makeSSHKey(key, comment: label)
    #expect(made.status == 0, "\(made.err)")
  }
  return try run(
    Binaries.pushgate,
    [
      "authorize", "--config", root + "/pushgate.conf", "--key=\(label)", "--serve", Binaries.serve,
      "--authorized-keys", temporary + "/authorized_keys",
    ] + extra + [key + ".pub"], environment: ["PATH": "/usr/bin:/bin"])
}

private func fileStatus(_ path: String) -> stat? {
  var info = stat()
  return lstat(path, &info) == 0 ? info : nil
}

/// What a rerun must not change: inode, mtime and ctime (ctime moves with chmod and chown too).
private func fingerprint(_ path: String) -> [Int] {
  guard let info = fileStatus(path) else { return [] }
  return [
    Int(info.st_ino), info.st_mtim.tv_sec, info.st_mtim.tv_nsec, info.st_ctim.tv_sec,
    info.st_ctim.tv_nsec,
  ]
}

private func currentUser() -> String {
  getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "?"
}

/// A temporary directory with a backup root path inside it; removed at the end of the test.
private func withRoot(_ body: (String, String) throws -> Void) throws {
  let temporary = try TemporaryDirectory()
  defer { temporary.remove() }
  try body(temporary.path + "/backup", temporary.path)
}

@Suite(.blocking) struct InitTests {
  @Test func theBinariesAreBesideTheTestRunner() throws {
    let runner = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    #expect(runner.hasSuffix(".xctest"), "runner is \(runner)")
    #expect(FileManager.default.isExecutableFile(atPath: Binaries.pushgate))
    #expect(FileManager.default.isExecutableFile(atPath: Binaries.serve))
  }

  // Where the temporary directory is not on btrfs (ext4 or tmpfs here), `--snapshots btrfs`
  // refuses with the file system's name and what to do, and makes nothing.
  @Test func btrfsSnapshotsOnAnotherFileSystemAreRefusedWithTheFix() throws {
    try withRoot { root, _ in
      let result = try pushgateInit([root, "--snapshots", "btrfs"] + fixedOptions)
      #expect(result.status == 64, "\(result.err) (is the temporary directory on btrfs here?)")
      let said = result.err.split(separator: "\n").map(String.init)
      #expect(said.first?.hasPrefix("pushgate: \(root) is on ") == true, "\(result.err)")
      #expect(
        said.first?.hasSuffix(", not btrfs; --snapshots btrfs needs a btrfs file system") == true)
      #expect(
        said.dropFirst().first
          == "hint: mount one there first (mkfs.btrfs DEVICE && mount DEVICE \(root)), or use "
          + "--snapshots rsnapshot")
      #expect(fileStatus(root) == nil, "init made \(root)")
    }
  }

  @Test func firstRunCreatesAWorkingRoot() throws {
    try withRoot { root, _ in
      let result = try pushgateInit([root] + fixedOptions)
      #expect(result.status == 0, "\(result.err)")
      #expect(result.err == "")
      let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(
        String.init)
      for path in managedPaths(root) {
        #expect(lines.contains { $0.hasPrefix("created    \(path) (") }, "\(path)")
        #expect(fileStatus(path) != nil)
      }
      let user = currentUser()
      let admin = Binaries.pushgate
      #expect(
        lines.contains(
          "\(admin) authorize --config \(root)/pushgate.conf\(initRunsAsRoot ? " --account \(user)" : "") "
            + "--key LABEL CLIENT-KEY.pub"))
      #expect(
        lines.contains(
          "rsync -a -e ssh --rsync-path='cd \(root) && rsync' SRC/ \(user)@nas.example.org::push"))
      for (schedule, level) in [
        ("0 * * * *", "hourly"), ("0 3 * * *", "daily"), ("30 3 * * 1", "weekly"),
      ] {
        #expect(
          lines.contains(
            "\(schedule)  \(user)  \(admin) rotate \(level) --config \(root)/pushgate.conf"))
      }
      #expect(!lines.contains("nothing to change"))
      #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/keys") == [])
      #expect(fileStatus(root + "/rsnapshot.conf") == nil, "each area has its own")
      #expect(fileStatus(root + "/incoming") == nil, "each area has its own")
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func authorizeCreatesAnAreaThatRsnapshotAccepts() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      let result = try authorize(root, "laptop", in: temporary)
      #expect(result.status == 0, "\(result.err)")
      let lines = result.out.split(separator: "\n").map(String.init)
      #expect(lines.contains("unchanged  \(root)/keys"))
      for path in areaPaths(root, "laptop") {
        #expect(lines.contains { $0.hasPrefix("created    \(path) (") }, "\(path)")
      }
      let conf = root + "/keys/laptop/rsnapshot.conf"
      #expect(lines.contains("checked    \(conf) (rsnapshot configtest: Syntax OK)"))
      #expect(lines.last == "added 'laptop' to '\(temporary)/authorized_keys' (line 1)")
      let check = try run("/usr/bin/rsnapshot", ["-c", conf, "configtest"])
      #expect(check.status == 0)
      #expect(check.out == "Syntax OK\n")
      #expect(read(conf).contains("backup\t\(root)/keys/laptop/incoming/\t./\n"))
      #expect(read(conf).contains("sync_first\t1\n"))
      #expect(!read(conf).contains("\nlockfile\t"))
      #expect(fileStatus(root + "/keys/laptop/state").map { $0.st_mode & 0o7777 } == 0o700)
      #expect(read(temporary + "/authorized_keys").contains("--key laptop\""))
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func authorizingAgainNeverTouchesTheAreasData() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      #expect(try authorize(root, "laptop", in: temporary).status == 0)
      let area = root + "/keys/laptop"
      try write("pushed\n", to: area + "/incoming/file")
      #expect(mkdir(area + "/snapshots/hourly.0", 0o755) == 0)
      try write("kept\n", to: area + "/snapshots/hourly.0/file")
      try write(
        read(area + "/rsnapshot.conf") + "# the administrator's edit\n",
        to: area + "/rsnapshot.conf")
      let again = try authorize(root, "laptop", in: temporary, extra: ["--replace"])
      #expect(again.status == 0, "\(again.err)")
      #expect(again.out.contains("kept       \(area)/rsnapshot.conf (content differs)\n"))
      #expect(
        again.err.contains(
          "pushgate: warning: kept '\(area)/rsnapshot.conf': it differs from what authorize writes\n"
        ))
      #expect(read(area + "/incoming/file") == "pushed\n")
      #expect(read(area + "/snapshots/hourly.0/file") == "kept\n")
      #expect(read(area + "/rsnapshot.conf").hasSuffix("# the administrator's edit\n"))
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func aBrokenAreaConfigurationIsNotAuthorized() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      #expect(mkdir(root + "/keys/laptop", 0o750) == 0)
      try write("config_version 1.2\n", to: root + "/keys/laptop/rsnapshot.conf")
      let result = try authorize(root, "laptop", in: temporary)
      #expect(result.status == 78)
      #expect(
        result.err.contains(
          "pushgate: rsnapshot configtest rejects '\(root)/keys/laptop/rsnapshot.conf' (exit status 1):\n"
        ))
      #expect(fileStatus(temporary + "/authorized_keys") == nil, "no key without a working area")
    }
  }

  @Test func authorizeRefusesALabelThatIsNotOnePathComponent() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      for label in ["..", ".hidden", "a/b", "-x"] {
        let result = try authorize(root, label, in: temporary, keyFile: "client")
        #expect(result.status == 64, "\(label)")
        #expect(result.err == "pushgate: '--key' must be 1-64 letters, digits or . _ - @ +\n")
      }
      #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/keys") == [])
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func aRerunChangesNothing() throws {
    try withRoot { root, _ in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      let before = managedPaths(root).map(fingerprint)
      let again = try pushgateInit([root] + fixedOptions)
      #expect(again.status == 0)
      #expect(again.err == "")
      let lines = again.out.split(separator: "\n").map(String.init)
      #expect(Array(lines.prefix(4)) == managedPaths(root).map { "unchanged  \($0)" })
      #expect(lines.last == "nothing to change")
      #expect(managedPaths(root).map(fingerprint) == before)
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func keepsAnEditedFileUntilForced() throws {
    try withRoot { root, _ in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      let conf = root + "/rsyncd.conf"
      let original = read(conf)
      try write(original + "# the administrator's edit\n", to: conf)

      let kept = try pushgateInit([root] + fixedOptions)
      #expect(kept.status == 1)
      #expect(kept.out.contains("kept       \(conf) (content differs; use --force to replace)\n"))
      #expect(
        kept.err
          == "pushgate: kept '\(conf)': it differs from what init writes; use --force to replace it\n"
      )
      #expect(!kept.out.contains("nothing to change"))
      #expect(read(conf) == original + "# the administrator's edit\n")

      let forced = try pushgateInit([root, "--force"] + fixedOptions)
      #expect(forced.status == 0, "\(forced.err)")
      #expect(forced.out.contains("updated    \(conf) (file, mode 0644, "))
      #expect(read(conf) == original)
      let rerun = try pushgateInit([root] + fixedOptions)
      #expect(rerun.status == 0)
      #expect(rerun.out.hasSuffix("nothing to change\n"))
    }
  }

  // `mkfs.btrfs DEVICE && mkdir -p /backup && mount DEVICE /backup`, then init (the README's
  // btrfs lines): the fresh file system's top directory is root's, 0755 and empty (ext4's has
  // lost+found). init takes it over; a directory with anything else in it stays kept.
  @Test(.enabled(if: initHasRsnapshot && initRunsAsRoot))
  func takesOverAFreshMountPointButKeepsADirectoryInUse() throws {
    try withRoot { root, _ in
      #expect(mkdir(root, 0o755) == 0)
      #expect(mkdir(root + "/lost+found", 0o700) == 0)
      let fresh = try pushgateInit([root] + fixedOptions)
      #expect(fresh.status == 0, "\(fresh.err)")
      #expect(fresh.out.hasPrefix("updated    \(root) (directory, mode 0750, "), "\(fresh.out)")
      #expect(fileStatus(root).map { $0.st_mode & 0o7777 } == 0o750)
      #expect(fileStatus(root + "/lost+found").map { $0.st_mode & 0o7777 } == 0o700)
    }
    try withRoot { root, _ in
      #expect(mkdir(root, 0o755) == 0)
      try write("the administrator's\n", to: root + "/notes")
      let kept = try pushgateInit([root] + fixedOptions)
      #expect(kept.status == 1)
      #expect(kept.out.contains("kept       \(root) (mode 0755, not 0750"), "\(kept.out)")
      #expect(fileStatus(root).map { $0.st_mode & 0o7777 } == 0o755)
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func keepsAChangedModeUntilForced() throws {
    try withRoot { root, _ in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      chmod(root + "/pushgate.conf", 0o664)
      let kept = try pushgateInit([root] + fixedOptions)
      #expect(kept.status == 1)
      #expect(
        kept.out.contains(
          "kept       \(root)/pushgate.conf (mode 0664, not 0644; use --force to replace)\n"))
      #expect(try pushgateInit([root, "--force"] + fixedOptions).status == 0)
      #expect(fileStatus(root + "/pushgate.conf").map { $0.st_mode & 0o7777 } == 0o644)
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func refusesASymlinkInPlaceOfAFile() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      let conf = root + "/pushgate.conf"
      let target = temporary + "/elsewhere"
      try write("not rsnapshot's\n", to: target)
      unlink(conf)
      #expect(symlink(target, conf) == 0)
      for force in [[], ["--force"]] {
        let result = try pushgateInit([root] + force + fixedOptions)
        #expect(result.status == 71)
        #expect(
          result.err
            == "pushgate: refusing '\(conf)': it is a symbolic link; replace it with the real "
            + "directory or file, or remove it, and run init again\n")
        #expect(read(target) == "not rsnapshot's\n")
        #expect(fileStatus(conf).map { $0.st_mode & S_IFMT } == S_IFLNK)
      }
    }
  }

  @Test func neverCreatesThroughADanglingSymlink() throws {
    try withRoot { root, temporary in
      #expect(mkdir(root, 0o750) == 0)
      #expect(symlink(temporary + "/planted", root + "/rsyncd.conf") == 0)
      let result = try pushgateInit([root] + fixedOptions)
      #expect(result.status == 71)
      #expect(
        result.err.hasPrefix("pushgate: refusing '\(root)/rsyncd.conf': it is a symbolic link"))
      #expect(fileStatus(temporary + "/planted") == nil)
      #expect(fileStatus(root + "/pushgate.conf") == nil)
    }
  }

  @Test func refusesASymlinkedRoot() throws {
    try withRoot { root, temporary in
      #expect(mkdir(temporary + "/real", 0o750) == 0)
      #expect(symlink(temporary + "/real", root) == 0)
      let result = try pushgateInit([root] + fixedOptions)
      #expect(result.status == 71)
      #expect(result.err.hasPrefix("pushgate: refusing '\(root)': it is a symbolic link"))
      #expect(try FileManager.default.contentsOfDirectory(atPath: temporary + "/real") == [])
    }
  }

  @Test func aRelativeRootIsAUsageError() throws {
    try withRoot { _, temporary in
      let result = try pushgateInit(["backup"] + fixedOptions, directory: temporary)
      #expect(result.status == 64)
      #expect(result.out == "")
      #expect(
        result.err
          == "pushgate: root must be an absolute path of letters, digits and / . _ - + , @ : "
          + "without '//', '.' or '..' parts or a trailing '/', not 'backup'\n")
      #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
    }
  }

  @Test func badRetentionIsAUsageError() throws {
    try withRoot { root, _ in
      let result = try pushgateInit(
        [root, "--retain", "hourly=1", "--retain", "daily=7"] + fixedOptions)
      #expect(result.status == 64)
      #expect(
        result.err
          == "pushgate: --retain hourly=1 cannot feed 'daily': rsnapshot needs at least 2 "
          + "snapshots of the first level when a higher level follows\n")
      #expect(fileStatus(root) == nil)
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func rsnapshotSnapshotsAnAreasIncomingFlat() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      #expect(try authorize(root, "laptop", in: temporary).status == 0)
      let area = root + "/keys/laptop"
      #expect(mkdir(area + "/incoming/docs", 0o755) == 0)
      try write("version 1\n", to: area + "/incoming/docs/a.txt")
      // What the gate runs: sync, then the level.
      let sync = ["-c", area + "/rsnapshot.conf", "sync"]
      let rsnapshot = ["-c", area + "/rsnapshot.conf", "hourly"]
      let synced = try run("/usr/bin/rsnapshot", sync)
      #expect(synced.status == 0, "\(synced.out)\(synced.err)")
      let first = try run("/usr/bin/rsnapshot", rsnapshot)
      #expect(first.status == 0, "\(first.out)\(first.err)")
      #expect(read(area + "/snapshots/hourly.0/docs/a.txt") == "version 1\n")
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: area + "/snapshots/hourly.0") == [
          "docs"
        ])

      #expect(try run("/usr/bin/rsnapshot", sync).status == 0)
      let second = try run("/usr/bin/rsnapshot", rsnapshot)
      #expect(second.status == 0)
      let newer = fileStatus(area + "/snapshots/hourly.0/docs/a.txt")
      let older = fileStatus(area + "/snapshots/hourly.1/docs/a.txt")
      #expect(newer?.st_ino != nil && newer?.st_ino == older?.st_ino, "link_dest makes hard links")
      #expect(fileStatus(area + "/state/rsnapshot.pid") == nil)
    }
  }

  /// As root for another account, authorize never runs rsnapshot on what the account can
  /// change (an include_conf with backquotes would run as root), and checks the area's own
  /// file as the account, as the gate and rotate run rsnapshot.
  @Test(.enabled(if: initHasRsnapshot && initRunsAsRoot && initHasSetpriv))
  func authorizeNeverRunsWhatTheAccountWrote() throws {
    try withRoot { root, temporary in
      guard let nobody = getpwnam("nobody")?.pointee else { return }
      chmod(temporary, 0o755)
      // The account's own keys/ (as if root's were missing), with a hostile rsnapshot.conf.
      #expect(try pushgateInit([root, "--account", "nobody"] + fixedOptions).status == 0)
      #expect(rmdir(root + "/keys") == 0)
      let marker = temporary + "/ran-as-root"
      let planted = [
        "--reuid=\(nobody.pw_uid)", "--regid=\(nobody.pw_gid)", "--clear-groups", "/bin/sh", "-c",
        "mkdir -p \(root)/keys/carol && printf 'config_version\\t1.2\\ninclude_conf\\t`id -u > \(marker)`\\n'"
          + " > \(root)/keys/carol/rsnapshot.conf",
      ]
      #expect(try run("/usr/bin/setpriv", planted).status == 0)
      let refused = try authorize(root, "carol", in: temporary, extra: ["--account", "nobody"])
      #expect(refused.status == 71)
      #expect(
        refused.err.contains(
          "pushgate: refusing to check or use the area: \(root)/keys/carol/rsnapshot.conf is owned by nobody\n"
        ))
      #expect(fileStatus(marker) == nil, "rsnapshot ran the account's include_conf")
      #expect(fileStatus(temporary + "/authorized_keys") == nil)

      // A sound area: configtest runs as the account.
      #expect(system("rm -rf '\(root)/keys'") == 0)
      #expect(try pushgateInit([root, "--account", "nobody"] + fixedOptions).status == 0)
      let wrapper = temporary + "/rsnapshot-as"
      try write(
        "#!/bin/sh\nid -u > \(temporary)/configtest-uid\nexec /usr/bin/rsnapshot \"$@\"\n",
        to: wrapper, mode: 0o755)
      try write("", to: temporary + "/configtest-uid", mode: 0o666)
      try write(
        read(root + "/pushgate.conf") + "rsnapshot = \(wrapper)\n", to: root + "/pushgate.conf")
      let made = try authorize(root, "laptop", in: temporary, extra: ["--account", "nobody"])
      #expect(made.status == 0, "\(made.err)")
      #expect(read(temporary + "/configtest-uid") == "\(nobody.pw_uid)\n")
    }
  }

  /// As root for another account: the account owns the data, root the policy, and the sticky
  /// root directory and root's keys/ keep the account from replacing root's files.
  @Test(.enabled(if: initHasRsnapshot && initRunsAsRoot && initHasSetpriv))
  func anotherAccountCannotReplaceItsPolicy() throws {
    try withRoot { root, temporary in
      guard let nobody = getpwnam("nobody")?.pointee else { return }
      chmod(temporary, 0o755)
      let result = try pushgateInit([root, "--account", "nobody"] + fixedOptions)
      #expect(result.status == 0, "\(result.err)")
      let made = try authorize(root, "laptop", in: temporary, extra: ["--account", "nobody"])
      #expect(made.status == 0, "\(made.err)")
      let owners = (managedPaths(root) + areaPaths(root, "laptop")).compactMap(fileStatus).map {
        [Int($0.st_uid), Int($0.st_gid), Int($0.st_mode & 0o7777)]
      }
      let (uid, gid) = (Int(nobody.pw_uid), Int(nobody.pw_gid))
      #expect(
        owners == [
          [0, gid, 0o1770], [0, gid, 0o750], [0, 0, 0o644], [0, 0, 0o644],
          [0, gid, 0o750], [uid, gid, 0o750], [uid, gid, 0o750], [uid, gid, 0o700], [0, 0, 0o644],
        ])
      #expect(read(root + "/rsyncd.conf").contains("\nuse chroot = no\n"))

      let area = root + "/keys/laptop"
      try write("pushed\n", to: area + "/incoming/file")
      chown(area + "/incoming/file", nobody.pw_uid, nobody.pw_gid)
      let asNobody = [
        "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "/bin/sh", "-c",
        "rm -f \(root)/pushgate.conf \(area)/rsnapshot.conf; mv \(root)/rsyncd.conf \(root)/x; "
          + "mv \(area)/incoming \(area)/x; mkdir \(root)/keys/evil; "
          + "touch \(root)/pushgate.log && /usr/bin/rsnapshot -c \(area)/rsnapshot.conf sync "
          + "&& /usr/bin/rsnapshot -c \(area)/rsnapshot.conf hourly",
      ]
      let attempt = try run("/usr/bin/setpriv", asNobody, environment: ["PATH": "/usr/bin:/bin"])
      #expect(attempt.status == 0, "\(attempt.err)")
      #expect(fileStatus(root + "/pushgate.conf")?.st_uid == 0)
      #expect(fileStatus(root + "/rsyncd.conf")?.st_uid == 0)
      #expect(fileStatus(area + "/rsnapshot.conf")?.st_uid == 0)
      #expect(fileStatus(area + "/incoming")?.st_uid == nobody.pw_uid)
      #expect(fileStatus(root + "/keys/evil") == nil)
      #expect(fileStatus(root + "/pushgate.log")?.st_uid == nobody.pw_uid)
      #expect(read(area + "/snapshots/hourly.0/file") == "pushed\n")
    }
  }
}
