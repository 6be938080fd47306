// The built `pushgate authorize` against a temporary home: modes, refusals, --replace, --print.
import Foundation
import Glibc
import TestSupport
import Testing

/// A temporary directory with a client key pair and a loadable settings file.
struct AuthorizeFixture {
  let directory: TemporaryDirectory
  var path: String { directory.path }
  var config: String { path + "/pushgate.conf" }
  var authorizedKeys: String { path + "/home/.ssh/authorized_keys" }

  init() throws {
    directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: path + "/home", withIntermediateDirectories: false)
    try write("root = \(path)\n", to: config)
    try makeKey("laptop")
  }

  /// `NAME` and `NAME.pub`, ed25519, comment `NAME@client`.
  func makeKey(_ name: String, type: String = "ed25519") throws {
    let result = try run(
      "/usr/bin/ssh-keygen",
      ["-q", "-t", type, "-N", "", "-C", "\(name)@client", "-f", path + "/" + name])
    #expect(result.status == 0, "\(result.err)")
  }

  /// Runs `pushgate authorize ARGS` with the fixture's config and file.
  @discardableResult
  func authorize(_ arguments: [String], input: Data = Data()) throws -> Finished {
    try run(
      Binaries.pushgate,
      ["authorize", "--config", config, "--authorized-keys", authorizedKeys] + arguments,
      input: input)
  }

  func mode(_ file: String) -> mode_t {
    var info = stat()
    return lstat(file, &info) == 0 ? info.st_mode & 0o7777 : 0
  }

  func keygen(_ file: String) throws -> String {
    try run("/usr/bin/ssh-keygen", ["-lf", file]).out
  }
}

/// `pushgate authorize`, run as a binary.
@Suite(.blocking) struct AuthorizeTests {
  @Test func createsTheFileAndDirectoryWithStrictModes() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    let result = try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    #expect(result.status == 0)
    #expect(result.err == "")
    let lines = result.out.split(separator: "\n").map(String.init)
    #expect(lines.first.map { $0 + "\n" } == (try f.keygen(f.path + "/laptop.pub")))
    #expect(lines.last == "added 'laptop' to '\(f.authorizedKeys)' (line 1)")
    // The key's area comes first: a key is never authorized without one.
    let area = f.path + "/keys/laptop"
    let steps = lines.dropFirst().dropLast().map {
      $0.split(separator: " (").first.map(String.init) ?? $0
    }
    #expect(
      steps == [
        "created    " + f.path + "/keys", "created    " + area, "created    " + area + "/incoming",
        "created    " + area + "/snapshots", "created    " + area + "/state",
        "created    " + area + "/rsnapshot.conf", "checked    " + area + "/rsnapshot.conf",
      ])
    #expect(f.mode(f.path + "/home/.ssh") == 0o700)
    #expect(f.mode(f.authorizedKeys) == 0o600)
    let words = read(f.path + "/laptop.pub").split(separator: " ")
    #expect(
      read(f.authorizedKeys)
        == "restrict,command=\"\(Binaries.serve) --config \(f.config) --key laptop\" \(words[0]) \(words[1]) laptop\n"
    )
    #expect(Binaries.serve.hasPrefix("/"))
  }

  @Test func refusesASecondLineForTheSameKeyOrLabel() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    let before = read(f.authorizedKeys)
    let again = try f.authorize(["--key", "other", f.path + "/laptop.pub"])
    #expect(again.status == 1)
    #expect(
      again.err == """
        pushgate: '\(f.authorizedKeys)': line 1 already holds this key (label 'laptop')
        pushgate: '\(f.authorizedKeys)' already authorizes this key or label; nothing changed
        hint: rerun with --replace to replace those lines

        """)
    #expect(
      !FileManager.default.fileExists(atPath: f.path + "/keys/other"), "no area for a refused key")
    try f.makeKey("desktop")
    let label = try f.authorize(["--key", "laptop", f.path + "/desktop.pub"])
    #expect(label.status == 1)
    #expect(
      label.err.hasPrefix(
        "pushgate: '\(f.authorizedKeys)': line 1 already uses this label for another key\n"))
    #expect(read(f.authorizedKeys) == before)
  }

  @Test func replacesTheLineInPlaceWithReplace() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try FileManager.default.createDirectory(
      atPath: f.path + "/home/.ssh", withIntermediateDirectories: false)
    try write("# admin\r\nssh-rsa AAAAB3x admin", to: f.authorizedKeys, mode: 0o640)
    try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    try f.makeKey("new")
    let result = try f.authorize(["--key", "laptop", "--replace", f.path + "/new.pub"])
    #expect(result.status == 0)
    #expect(result.out.hasSuffix("replaced line 3 of '\(f.authorizedKeys)' with 'laptop'\n"))
    let lines = read(f.authorizedKeys).utf8.split(separator: 10, omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    #expect(lines.count == 4 && lines[0] == "# admin\r" && lines[1] == "ssh-rsa AAAAB3x admin")
    #expect(lines[2].contains(String(read(f.path + "/new.pub").split(separator: " ")[1])))
    #expect(f.mode(f.authorizedKeys) == 0o640, "the file keeps its mode, without group write")
  }

  @Test func printWritesNothingAndReadsStdin() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    let key = Data(read(f.path + "/laptop.pub").utf8)
    let result = try f.authorize(
      ["--key", "laptop", "--from", "203.0.113.7,10.0.0.0/8", "--print", "-"], input: key)
    #expect(result.status == 0)
    let words = read(f.path + "/laptop.pub").split(separator: " ")
    #expect(
      result.out
        == "restrict,from=\"203.0.113.7,10.0.0.0/8\",command=\"\(Binaries.serve) --config \(f.config) "
        + "--key laptop\" \(words[0]) \(words[1]) laptop\n")
    #expect(result.err == "pushgate: key " + (try f.keygen(f.path + "/laptop.pub")))
    #expect(!FileManager.default.fileExists(atPath: f.path + "/home/.ssh"))
  }

  @Test func refusesBadKeysAndUsageWithTheirStatuses() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    let cases: [([String], Data, Int32, String)] = [
      (
        ["--key", "laptop", f.path + "/laptop"], Data(), 65,
        "pushgate: the input is a private key; give the public key (the '.pub' file)\n"
      ),
      (
        ["--key", "laptop"], Data("garbage\n".utf8), 65,
        "pushgate: the input is not a public key (expected 'TYPE BASE64 [COMMENT]')\n"
      ),
      (["--key", "laptop", "-"], Data(), 65, "pushgate: no public key in the input\n"),
      (
        ["--key", "my laptop", f.path + "/laptop.pub"], Data(), 64,
        "pushgate: '--key' must be 1-64 letters, digits or . _ - @ +\n"
      ),
      (
        ["--key", "laptop", "--from", "1.2.3.4\",command=\"sh", f.path + "/laptop.pub"], Data(), 64,
        "pushgate: '--from' must be sshd patterns without spaces, quotes or control characters\n"
      ),
      (
        ["--key", "laptop", "--serve", "relative/pushgate-serve", f.path + "/laptop.pub"], Data(),
        64,
        "pushgate: '--serve' must be an absolute path of letters, digits and / . _ - + , @ :\n"
      ),
      (
        ["--key", "laptop", "--account", "no-such-user-pushgate", f.path + "/laptop.pub"], Data(),
        64,
        "pushgate: unknown account 'no-such-user-pushgate'\n"
      ),
      (
        ["--key", "laptop", f.path + "/missing.pub"], Data(), 71,
        "pushgate: cannot open '\(f.path)/missing.pub': No such file or directory\n"
      ),
    ]
    for (arguments, input, status, message) in cases {
      let result = try f.authorize(arguments, input: input)
      #expect(result.status == status, "\(arguments)")
      #expect(result.err == message)
      #expect(result.out == "")
    }
    #expect(try f.authorize(["--key", "laptop", "--from", "a b", "-"]).status == 64)
    #expect(!FileManager.default.fileExists(atPath: f.authorizedKeys))
  }

  @Test func refusesASymlinkedAuthorizedKeysFile() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try FileManager.default.createDirectory(
      atPath: f.path + "/home/.ssh", withIntermediateDirectories: false)
    try write("", to: f.path + "/elsewhere")
    #expect(symlink(f.path + "/elsewhere", f.authorizedKeys) == 0)
    let result = try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    #expect(result.status == 71)
    #expect(
      result.err == "pushgate: '\(f.authorizedKeys)' is a symlink; refusing to write through it\n")
    #expect(read(f.path + "/elsewhere") == "")
    #expect(
      !FileManager.default.fileExists(atPath: f.path + "/keys/laptop"), "no area for a refused key")
  }

  @Test func settingsThatDoNotLoadChangeNothing() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    let result = try run(
      Binaries.pushgate,
      [
        "authorize", "--key", "laptop", "--config", f.path + "/nothing.conf", "--authorized-keys",
        f.authorizedKeys, f.path + "/laptop.pub",
      ])
    #expect(result.status == 78)
    #expect(
      result.err == "pushgate: settings '\(f.path)/nothing.conf' do not load: cannot read "
        + "settings '\(f.path)/nothing.conf': open: No such file or directory\n")
    #expect(!FileManager.default.fileExists(atPath: f.path + "/home/.ssh"))
    #expect(!FileManager.default.fileExists(atPath: f.path + "/keys"))
  }

  @Test(.enabled(if: geteuid() == 0, "needs root to give files away"))
  func givesNewFilesToTheAccountAsRoot() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    // The account must reach its area: authorize checks it with rsnapshot, as the account.
    chmod(f.path, 0o755)
    #expect(
      try f.authorize(["--key", "laptop", "--account", "nobody", f.path + "/laptop.pub"]).status
        == 0)
    for path in [f.path + "/home/.ssh", f.authorizedKeys] {
      var info = stat()
      #expect(lstat(path, &info) == 0 && info.st_uid == 65534 && info.st_gid == 65534, "\(path)")
    }
  }

  @Test func warnsWhenStrictModesWouldIgnoreTheDirectory() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try FileManager.default.createDirectory(
      atPath: f.path + "/home/.ssh", withIntermediateDirectories: false)
    #expect(chmod(f.path + "/home/.ssh", 0o777) == 0)
    let result = try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    #expect(result.status == 0)
    #expect(
      result.err == "pushgate: warning: '\(f.path)/home/.ssh' is writable by group or others; "
        + "sshd's StrictModes will ignore the keys\n")
  }
}
