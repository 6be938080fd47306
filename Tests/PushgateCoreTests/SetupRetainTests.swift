// pushgate init's options (retention levels, paths, names) and the printed instructions.
import Testing

@testable import PushgateCore

private let retainAccount = SetupAccount(name: "backup", uid: 34, gid: 34, group: "backup")

struct RetainCase: Sendable, CustomTestStringConvertible {
  let name: String
  let interval: String
  let retain: [String]
  let expected: Result<[RetainLevel], SetupError>
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private func levels(
  _ name: String, _ interval: String, _ retain: [String], _ expected: [(String, Int)],
  sourceLocation: SourceLocation = #_sourceLocation
) -> RetainCase {
  RetainCase(
    name: name, interval: interval, retain: retain,
    expected: .success(expected.map { RetainLevel(name: $0.0, count: $0.1) }),
    sourceLocation: sourceLocation)
}

private func refused(
  _ name: String, _ interval: String, _ retain: [String], _ message: String,
  sourceLocation: SourceLocation = #_sourceLocation
) -> RetainCase {
  RetainCase(
    name: name, interval: interval, retain: retain, expected: .failure(SetupError(message)),
    sourceLocation: sourceLocation)
}

let retainCases: [RetainCase] = [
  levels("defaults", "hourly", [], [("hourly", 24), ("daily", 7), ("weekly", 4)]),
  levels("defaults from the interval up", "daily", [], [("daily", 7), ("weekly", 4)]),
  levels("only the highest default", "weekly", [], [("weekly", 4)]),
  levels("one level of one", "hourly", ["hourly=1"], [("hourly", 1)]),
  levels(
    "a higher level of one is fine for rsnapshot", "hourly", ["hourly=6", "daily=1", "weekly=2"],
    [("hourly", 6), ("daily", 1), ("weekly", 2)]),
  levels("largest count", "push", ["push=999"], [("push", 999)]),
  levels("leading zero", "hourly", ["hourly=024"], [("hourly", 24)]),
  refused(
    "first level of one feeding another", "hourly", ["hourly=1", "daily=7"],
    "--retain hourly=1 cannot feed 'daily': rsnapshot needs at least 2 snapshots of the first "
      + "level when a higher level follows"),
  refused(
    "interval not first", "hourly", ["daily=7", "hourly=24"],
    "the interval 'hourly' must be the first --retain level, not 'daily'"),
  refused(
    "interval missing", "hourly", ["daily=7"],
    "the interval 'hourly' must be the first --retain level, not 'daily'"),
  refused(
    "no default for an unusual interval", "push", [],
    "no default retention for interval 'push'; give --retain push=COUNT first, then any higher "
      + "levels"),
  refused(
    "count zero", "hourly", ["hourly=0"],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not '0'"),
  refused(
    "count too large", "hourly", ["hourly=1000"],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not '1000'"),
  refused(
    "negative count", "hourly", ["hourly=-3"],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not '-3'"),
  refused(
    "empty count", "hourly", ["hourly="],
    "--retain count for 'hourly' must be a whole number from 1 to 999, not ''"),
  refused(
    "no equals sign", "hourly", ["hourly24"],
    "--retain expects LEVEL=COUNT, such as 'daily=7', not 'hourly24'"),
  refused(
    "two equals signs", "hourly", ["hourly=2=4"],
    "--retain expects LEVEL=COUNT, such as 'daily=7', not 'hourly=2=4'"),
  refused(
    "upper case name", "hourly", ["hourly=24", "Daily=7"],
    "level name 'Daily' must be 1 to 32 lower-case letters a-z"),
  refused(
    "digit in name", "hourly", ["hourly=24", "day2=7"],
    "level name 'day2' must be 1 to 32 lower-case letters a-z"),
  refused("empty name", "hourly", ["=7"], "level name '' must be 1 to 32 lower-case letters a-z"),
  refused(
    "tab in interval", "hourly\t", [],
    "level name 'hourly\\t' must be 1 to 32 lower-case letters a-z"),
  refused(
    "rsnapshot command as level", "hourly", ["hourly=24", "sync=7"],
    "level name 'sync' is an rsnapshot command; choose another name"),
  refused(
    "rsnapshot command as interval", "du", [],
    "level name 'du' is an rsnapshot command; choose another name"),
  refused(
    "level twice", "hourly", ["hourly=24", "daily=7", "daily=3"],
    "level 'daily' is given twice in --retain"),
]

extension SetupTests {
  @Test(arguments: retainCases)
  func checksRetainLevels(_ c: RetainCase) {
    let result = Result { () throws(SetupError) in
      try RetainLevel.levels(interval: c.interval, retain: c.retain)
    }
    #expect(result == c.expected, sourceLocation: c.sourceLocation)
  }

  @Test func setupErrorsAreUsageErrors() {
    #expect(SetupError("x").exitStatus == 64)
  }

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
        "cron lines for every level (/etc/cron.d/pushgate); each takes the area's lock, so it",
        "never runs while that key pushes or snapshots:",
        "0 * * * *  backup  /usr/bin/pushgate rotate hourly --config /backup/pushgate.conf",
        "0 3 * * *  backup  /usr/bin/pushgate rotate daily --config /backup/pushgate.conf",
        "30 3 * * 1  backup  /usr/bin/pushgate rotate weekly --config /backup/pushgate.conf",
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
