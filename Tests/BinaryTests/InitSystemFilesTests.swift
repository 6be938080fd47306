// pushgate init --system-files into a temporary etc directory (--etc): the two files appear as
// root's 0644, a rerun changes nothing, an edited file is kept without --force, and a symlink
// is never followed (issue #12).
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking, .enabled(if: geteuid() == 0)) struct InitSystemFilesTests {
  let temporary: TemporaryDirectory
  var root: String { temporary.path + "/backup" }
  var etc: String { temporary.path + "/etc" }
  /// The files' NAME for `root`: its path's parts joined by '-', a '.' made '_'.
  var name: String {
    "pushgate-" + root.split(separator: "/").joined(separator: "-").replacing(".", with: "_")
  }
  var stanza: String { etc + "/logrotate.d/" + name }
  var cron: String { etc + "/cron.d/" + name }

  init() throws {
    temporary = try TemporaryDirectory()
    for directory in [etc + "/logrotate.d", etc + "/cron.d"] {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
  }

  func initialize(_ extra: [String] = []) throws -> Finished {
    try run(
      Binaries.pushgate,
      ["init", root, "--host", "nas.example.org", "--system-files", "--etc", etc] + extra,
      environment: ["PATH": "/usr/bin:/bin"])
  }

  @Test func writesBothFilesOnceAndKeepsAnEditedOne() throws {
    defer { temporary.remove() }
    let first = try initialize()
    #expect(first.status == 0, "\(first.err)")
    for path in [stanza, cron] {
      #expect(first.out.contains("created    \(path) (file, mode 0644, root:root)"), "\(first.out)")
      var info = stat()
      #expect(lstat(path, &info) == 0 && info.st_uid == 0 && info.st_mode & 0o7777 == 0o644)
    }
    #expect(read(stanza).contains("\(root)/pushgate.log {\n    su root root\n"))
    #expect(read(cron).contains("  root  "))
    let again = try initialize()
    #expect(again.status == 0 && again.out.contains("unchanged  \(cron)\n"))
    #expect(again.out.contains("nothing to change"))

    try write("# mine\n", to: cron)
    let kept = try initialize()
    #expect(kept.status == 1)
    #expect(kept.err.contains("kept '\(cron)'"), "\(kept.err)")
    #expect(read(cron) == "# mine\n")
    let forced = try initialize(["--force"])
    #expect(forced.status == 0 && forced.out.contains("updated    \(cron)"), "\(forced.out)")
    #expect(read(cron) != "# mine\n")
  }

  @Test func neverWritesThroughASymlink() throws {
    defer { temporary.remove() }
    let target = temporary.path + "/target"
    try write("target\n", to: target)
    #expect(symlink(target, stanza) == 0)
    let refused = try initialize()
    #expect(refused.status == 71)
    #expect(refused.err.contains("refusing '\(stanza)': it is a symbolic link"), "\(refused.err)")
    #expect(read(target) == "target\n")

    // A symlinked directory is refused before anything is made.
    unlink(stanza)
    try FileManager.default.removeItem(atPath: etc + "/cron.d")
    #expect(symlink(temporary.path, etc + "/cron.d") == 0)
    let directory = try initialize()
    #expect(directory.status == 71 && directory.err.contains("it is not a directory"))
  }

  @Test func etcNeedsSystemFiles() throws {
    defer { temporary.remove() }
    let finished = try run(
      Binaries.pushgate, ["init", root, "--host", "nas.example.org", "--etc", etc],
      environment: ["PATH": "/usr/bin:/bin"])
    #expect(finished.status == 64 && finished.err == "pushgate: --etc needs --system-files\n")
    #expect(!FileManager.default.fileExists(atPath: root))
  }
}
