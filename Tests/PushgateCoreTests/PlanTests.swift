// Session plans as data: exact argv, environment and directories for rsync and the snapshot.
import Testing

@testable import PushgateCore

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

private func context(
  connection: [UInt8]? = b("203.0.113.7 51234 192.0.2.1 22"),
  client: [UInt8]? = b("203.0.113.7 51234 22"),
  executable: String = "/usr/local/bin/pushgate-serve"
) -> SessionContext {
  SessionContext(
    session: "0123456789abcdef", key: "laptop",
    originalCommand: b("cd /backup && rsync --server --daemon ."),
    sshConnection: connection, sshClient: client, home: "/home/backup", user: "backup",
    executable: executable, transferTag: "feedface00c0ffee")
}

private let account = ["HOME=/home/backup", "USER=backup", "LOGNAME=backup"]
private let preHook =
  "/usr/local/bin/pushgate-serve --hook pre-xfer /backup/.pushgate/slot-0"
private let transferLog = [
  "--dparam=transfer logging=yes",
  "--dparam=log file=/backup/.pushgate/slot-0.transfer",
  "--dparam=log format=pushgate-feedface00c0ffee %m %o %i %b",
]

@Test func defaultPlanIsExact() throws {
  let settings = Settings(root: "/backup")
  let plan = try SessionPlan(settings: settings, context: context())
  #expect(plan.settings == settings)
  #expect(plan.evidencePath == "/backup/.pushgate/slot-0")
  #expect(plan.transferLogPath == "/backup/.pushgate/slot-0.transfer")
  #expect(plan.transferTag == "feedface00c0ffee")
  #expect(plan.area == Area(keysDirectory: "/backup/keys", label: "laptop"))
  #expect(
    plan.rsync
      == ProgramRun(
        path: "/usr/bin/rsync",
        arguments: [
          "/usr/bin/rsync", "--server", "--daemon", "--config=/backup/rsyncd.conf",
          "--dparam=timeout=600", "--dparam=pre-xfer exec=" + preHook,
        ] + transferLog + ["."],
        environment: ["PATH=/usr/bin:/bin"] + account + [
          "SSH_CONNECTION=203.0.113.7 51234 192.0.2.1 22", "SSH_CLIENT=203.0.113.7 51234 22",
          "PUSHGATE_SESSION=0123456789abcdef", "PUSHGATE_KEY=laptop",
        ],
        directory: "/backup"))
  #expect(
    plan.snapshot
      == ProgramRun(
        path: "/usr/bin/rsnapshot",
        arguments: ["/usr/bin/rsnapshot", "-c", "/backup/keys/laptop/rsnapshot.conf", "hourly"],
        environment: ["PATH=/usr/bin:/bin:/usr/sbin:/sbin"] + account + [
          "PUSHGATE_SESSION=0123456789abcdef"
        ],
        directory: "/backup/keys/laptop"))
  #expect(
    plan.detachedSnapshot(config: "/backup/pushgate.conf", context: context())
      == ProgramRun(
        path: "/usr/local/bin/pushgate-serve",
        arguments: [
          "/usr/local/bin/pushgate-serve", "--config", "/backup/pushgate.conf", "--key", "laptop",
          "--snapshot-session", "0123456789abcdef",
        ],
        environment: plan.rsync.environment, directory: "/backup"))
}

@Test func customSettingsAndNoTimeout() throws {
  var settings = Settings(root: "/srv/b")
  settings.rsync = "/opt/bin/rsync"
  settings.rsyncdConf = "/etc/pushgate/rsyncd.conf"
  settings.ioTimeout = 0
  settings.rsnapshot = "/opt/bin/rsnapshot"
  settings.retain = [RetainLevel(name: "daily", count: 7)]
  let plan = try SessionPlan(settings: settings, context: context(connection: nil, client: nil))
  #expect(plan.evidencePath == "/srv/b/.pushgate/slot-0")
  #expect(
    plan.rsync
      == ProgramRun(
        path: "/opt/bin/rsync",
        arguments: [
          "/opt/bin/rsync", "--server", "--daemon", "--config=/etc/pushgate/rsyncd.conf",
          "--dparam=pre-xfer exec=/usr/local/bin/pushgate-serve --hook pre-xfer /srv/b/.pushgate/slot-0",
          "--dparam=transfer logging=yes",
          "--dparam=log file=/srv/b/.pushgate/slot-0.transfer",
          "--dparam=log format=pushgate-feedface00c0ffee %m %o %i %b",
          ".",
        ],
        environment: ["PATH=/usr/bin:/bin"] + account + [
          "PUSHGATE_SESSION=0123456789abcdef", "PUSHGATE_KEY=laptop",
        ],
        directory: "/srv/b"))
  #expect(!plan.rsync.arguments.contains { $0.contains("timeout") })
  #expect(
    plan.snapshot
      == ProgramRun(
        path: "/opt/bin/rsnapshot",
        arguments: ["/opt/bin/rsnapshot", "-c", "/srv/b/keys/laptop/rsnapshot.conf", "daily"],
        environment: ["PATH=/usr/bin:/bin:/usr/sbin:/sbin"] + account + [
          "PUSHGATE_SESSION=0123456789abcdef"
        ],
        directory: "/srv/b/keys/laptop"))
}

struct PeerEnvironmentCase: Sendable, CustomTestStringConvertible {
  let name: String
  let connection: [UInt8]?
  let client: [UInt8]?
  let expected: [String]
  var testDescription: String { name }
}

private let goodConnection = "SSH_CONNECTION=203.0.113.7 51234 192.0.2.1 22"
private let goodClient = "SSH_CLIENT=203.0.113.7 51234 22"

private func peerCase(_ name: String, connection: String?, client: String?, passes: [String])
  -> PeerEnvironmentCase
{
  PeerEnvironmentCase(
    name: name, connection: connection.map(b), client: client.map(b), expected: passes)
}

let peerEnvironmentCases: [PeerEnvironmentCase] = [
  peerCase(
    "both well-formed", connection: "203.0.113.7 51234 192.0.2.1 22",
    client: "203.0.113.7 51234 22",
    passes: [goodConnection, goodClient]),
  peerCase(
    "IPv6", connection: "2001:db8::1 51234 2001:db8::2 22", client: "2001:db8::1 51234 22",
    passes: ["SSH_CONNECTION=2001:db8::1 51234 2001:db8::2 22", "SSH_CLIENT=2001:db8::1 51234 22"]),
  peerCase(
    // rsync 3.5.0 exits 10 on an UNKNOWN peer (seen through a real sshd -i).
    "sshd -i", connection: "UNKNOWN 65535 UNKNOWN 65535", client: "UNKNOWN 65535 65535",
    passes: []),
  peerCase("both unset", connection: nil, client: nil, passes: []),
  peerCase(
    "connection with three fields", connection: "203.0.113.7 51234 192.0.2.1",
    client: "203.0.113.7 51234 22", passes: [goodClient]),
  peerCase(
    "connection with a shell command", connection: "203.0.113.7 51234 192.0.2.1 22; id",
    client: "203.0.113.7 51234 22", passes: [goodClient]),
  peerCase(
    "connection with $(...)", connection: "$(id) 51234 192.0.2.1 22", client: nil, passes: []),
  peerCase(
    "connection with a newline", connection: "203.0.113.7 51234 192.0.2.1 22\nLD_PRELOAD=/x",
    client: nil,
    passes: []),
  peerCase(
    "connection with double spaces", connection: "203.0.113.7  51234 192.0.2.1 22", client: nil,
    passes: []),
  peerCase(
    "connection port 65536", connection: "203.0.113.7 65536 192.0.2.1 22", client: nil, passes: []),
  peerCase("empty connection", connection: "", client: nil, passes: []),
  peerCase(
    "client with four fields", connection: "203.0.113.7 51234 192.0.2.1 22",
    client: "203.0.113.7 51234 192.0.2.1 22", passes: [goodConnection]),
  peerCase("client with two fields", connection: nil, client: "203.0.113.7 51234", passes: []),
  peerCase("client port 70000", connection: nil, client: "203.0.113.7 70000 22", passes: []),
  peerCase("client with junk", connection: nil, client: "evil.example 1 2", passes: []),
  peerCase(
    "client with a trailing space", connection: nil, client: "203.0.113.7 51234 22 ", passes: []),
  PeerEnvironmentCase(
    name: "client with 0xFF", connection: nil, client: b("203.0.113.7 51234 22") + [0xFF],
    expected: []),
  PeerEnvironmentCase(
    name: "connection with NUL", connection: b("203.0.113.7 51234 192.0.2.1 22") + [0],
    client: nil, expected: []),
]

@Test(arguments: peerEnvironmentCases)
func passesOnlyWellFormedPeerVariables(_ c: PeerEnvironmentCase) throws {
  let plan = try SessionPlan(
    settings: Settings(root: "/backup"),
    context: context(connection: c.connection, client: c.client))
  #expect(
    plan.rsync.environment == ["PATH=/usr/bin:/bin"] + account + c.expected + [
      "PUSHGATE_SESSION=0123456789abcdef", "PUSHGATE_KEY=laptop",
    ])
  for entry in plan.rsync.environment + plan.snapshot.environment {
    for banned in ["LANG=", "LC_", "RSYNC_", "REMOTE_HOST=", "LD_", "SSH_ORIGINAL_COMMAND="] {
      #expect(!entry.hasPrefix(banned), "\(entry)")
    }
  }
}

struct SelfPathCase: Sendable, CustomTestStringConvertible {
  let name: String
  let executable: String
  let shown: String
  var testDescription: String { name }
}

let selfPathCases: [SelfPathCase] = [
  SelfPathCase(
    name: "a space", executable: "/usr/local/bin/push gate", shown: "/usr/local/bin/push gate"),
  SelfPathCase(
    name: "a newline", executable: "/usr/local/bin/pg\nid", shown: "/usr/local/bin/pg\\nid"),
  SelfPathCase(name: "relative", executable: "pushgate-serve", shown: "pushgate-serve"),
  SelfPathCase(name: "a semicolon", executable: "/tmp/x;id", shown: "/tmp/x;id"),
  SelfPathCase(name: "a quote", executable: "/tmp/it's", shown: "/tmp/it's"),
  SelfPathCase(name: "a dollar", executable: "/tmp/$HOME", shown: "/tmp/$HOME"),
  SelfPathCase(
    name: "a .. part", executable: "/usr/../tmp/pushgate-serve", shown: "/usr/../tmp/pushgate-serve"
  ),
  SelfPathCase(
    name: "non-ASCII", executable: "/opt/p\u{E9}/serve", shown: "/opt/p\\xc3\\xa9/serve"),
  SelfPathCase(name: "empty", executable: "", shown: ""),
]

@Test(arguments: selfPathCases)
func unusableExecutablePathThrows(_ c: SelfPathCase) {
  #expect(
    throws: Failure.selfPath(
      detail:
        "pushgate-serve runs from '\(c.shown)'; install it at a path of letters, digits and / . _ - + , @ :"
    )
  ) {
    try SessionPlan(settings: Settings(root: "/backup"), context: context(executable: c.executable))
  }
}

@Test func selfPathFailureIsAnOSError() {
  let failure = Failure.selfPath(detail: "x")
  #expect(failure.code == "self-path")
  #expect(failure.exitStatus == 71)
}
