// pushgate init, run as the built binary in a temporary directory, with the real rsnapshot.
import Foundation
import Glibc
import TestSupport
import Testing

/// Whether rsnapshot is here; without it the tests that need configtest are skipped loudly.
private let initHasRsnapshot = installed("/usr/bin/rsnapshot")
private let initRunsAsRoot = geteuid() == 0
private let initHasSetpriv = installed("/usr/bin/setpriv")

/// The options every run passes, so that the printed lines do not depend on this machine.
private let fixedOptions = [
  "--serve", "/usr/local/bin/pushgate-serve", "--host", "nas.example.org", "--key", "laptop",
]

private func pushgateInit(_ arguments: [String], directory: String? = nil) throws -> Finished {
  try run(
    Binaries.pushgate, ["init"] + arguments, environment: ["PATH": "/usr/bin:/bin"],
    directory: directory)
}

/// The paths init manages, in the order it reports them.
private func managedPaths(_ root: String) -> [String] {
  [root, root + "/incoming", root + "/snapshots"]
    + ["rsyncd.conf", "rsnapshot.conf", "pushgate.conf"].map { root + "/" + $0 }
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

@Suite struct InitTests {
  @Test func theBinariesAreBesideTheTestRunner() throws {
    let runner = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    #expect(runner.hasSuffix(".xctest"), "runner is \(runner)")
    #expect(FileManager.default.isExecutableFile(atPath: Binaries.pushgate))
    #expect(FileManager.default.isExecutableFile(atPath: Binaries.serve))
  }

  @Test(.enabled(if: initHasRsnapshot))
  func firstRunCreatesAWorkingRoot() throws {
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
      #expect(lines.contains("checked    \(root)/rsnapshot.conf (rsnapshot configtest: Syntax OK)"))
      #expect(
        lines.contains(
          "restrict,command=\"/usr/local/bin/pushgate-serve --config \(root)/pushgate.conf "
            + "--key laptop\" <paste the client's public key here>"))
      #expect(
        lines.contains(
          "rsync -a -e ssh --rsync-path='cd \(root) && rsync' SRC/ \(user)@nas.example.org::push"))
      #expect(
        lines.contains("0 3 * * *  \(user)  /usr/bin/rsnapshot -c \(root)/rsnapshot.conf daily"))
      #expect(
        lines.contains("30 3 * * 1  \(user)  /usr/bin/rsnapshot -c \(root)/rsnapshot.conf weekly"))
      #expect(!lines.contains("nothing to change"))
      let check = try run("/usr/bin/rsnapshot", ["-c", root + "/rsnapshot.conf", "configtest"])
      #expect(check.status == 0)
      #expect(check.out == "Syntax OK\n")
      #expect(read(root + "/rsnapshot.conf").contains("backup\t\(root)/incoming/\t./\n"))
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
      #expect(Array(lines.prefix(6)) == managedPaths(root).map { "unchanged  \($0)" })
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
  func aKeptBrokenRsnapshotConfFailsConfigtest() throws {
    try withRoot { root, _ in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      let conf = root + "/rsnapshot.conf"
      try write(read(conf) + "retain hourly 5\n", to: conf)
      let result = try pushgateInit([root] + fixedOptions)
      #expect(result.status == 78)
      #expect(result.out.contains("kept       \(conf) (content differs; use --force to replace)"))
      #expect(
        result.err.hasPrefix("pushgate: rsnapshot configtest rejects '\(conf)' (exit status 1):\n"))
      #expect(result.err.contains("sure you don't have spaces where only tabs should be"))
      #expect(try pushgateInit([root, "--force"] + fixedOptions).status == 0)
    }
  }

  @Test(.enabled(if: initHasRsnapshot))
  func refusesASymlinkInPlaceOfAFile() throws {
    try withRoot { root, temporary in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      let conf = root + "/rsnapshot.conf"
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
      #expect(fileStatus(root + "/rsnapshot.conf") == nil)
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
  func rsnapshotSnapshotsIncomingFlat() throws {
    try withRoot { root, _ in
      #expect(try pushgateInit([root] + fixedOptions).status == 0)
      #expect(mkdir(root + "/incoming/docs", 0o755) == 0)
      try write("version 1\n", to: root + "/incoming/docs/a.txt")
      let rsnapshot = ["-c", root + "/rsnapshot.conf", "hourly"]
      let first = try run("/usr/bin/rsnapshot", rsnapshot)
      #expect(first.status == 0, "\(first.out)\(first.err)")
      #expect(read(root + "/snapshots/hourly.0/docs/a.txt") == "version 1\n")
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: root + "/snapshots/hourly.0") == [
          "docs"
        ])

      let second = try run("/usr/bin/rsnapshot", rsnapshot)
      #expect(second.status == 0)
      let newer = fileStatus(root + "/snapshots/hourly.0/docs/a.txt")
      let older = fileStatus(root + "/snapshots/hourly.1/docs/a.txt")
      #expect(newer?.st_ino != nil && newer?.st_ino == older?.st_ino, "link_dest makes hard links")
      #expect(fileStatus(root + "/rsnapshot.pid") == nil)
    }
  }

  /// As root for another account: the account owns the data, root the policy, and the sticky
  /// root directory keeps the account from replacing root's files.
  @Test(.enabled(if: initHasRsnapshot && initRunsAsRoot && initHasSetpriv))
  func anotherAccountCannotReplaceItsPolicy() throws {
    try withRoot { root, temporary in
      guard let nobody = getpwnam("nobody")?.pointee else { return }
      chmod(temporary, 0o755)
      let result = try pushgateInit([root, "--account", "nobody"] + fixedOptions)
      #expect(result.status == 0, "\(result.err)")
      let owners = managedPaths(root).compactMap(fileStatus).map {
        [Int($0.st_uid), Int($0.st_gid), Int($0.st_mode & 0o7777)]
      }
      let (uid, gid) = (Int(nobody.pw_uid), Int(nobody.pw_gid))
      #expect(
        owners == [
          [0, gid, 0o1770], [uid, gid, 0o750], [uid, gid, 0o750], [0, 0, 0o644], [0, 0, 0o644],
          [0, 0, 0o644],
        ])
      #expect(read(root + "/rsyncd.conf").contains("\nuse chroot = no\n"))

      try write("pushed\n", to: root + "/incoming/file")
      chown(root + "/incoming/file", nobody.pw_uid, nobody.pw_gid)
      let asNobody = [
        "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "/bin/sh", "-c",
        "rm -f \(root)/pushgate.conf; mv \(root)/rsyncd.conf \(root)/x; "
          + "touch \(root)/pushgate.log && /usr/bin/rsnapshot -c \(root)/rsnapshot.conf hourly",
      ]
      let attempt = try run("/usr/bin/setpriv", asNobody, environment: ["PATH": "/usr/bin:/bin"])
      #expect(attempt.status == 0, "\(attempt.err)")
      #expect(fileStatus(root + "/pushgate.conf")?.st_uid == 0)
      #expect(fileStatus(root + "/rsyncd.conf")?.st_uid == 0)
      #expect(fileStatus(root + "/pushgate.log")?.st_uid == nobody.pw_uid)
      #expect(read(root + "/snapshots/hourly.0/file") == "pushed\n")
    }
  }
}
