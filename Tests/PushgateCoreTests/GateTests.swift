// The gate's checks of a session's key, its area and rsyncd.conf, before anything runs.
import Testing

@testable import PushgateCore

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

struct LabelCase: Sendable, CustomTestStringConvertible {
  let label: String
  let isUsable: Bool
  var testDescription: String { "'\(label)'" }
}

let labelCases: [LabelCase] = [
  LabelCase(label: "laptop", isUsable: true),
  LabelCase(label: "a", isUsable: true),
  LabelCase(label: "A1", isUsable: true),
  LabelCase(label: "9lives", isUsable: true),
  LabelCase(label: "anna@home", isUsable: true),
  LabelCase(label: "x+y", isUsable: true),
  LabelCase(label: "a.b_c-d", isUsable: true),
  LabelCase(label: "a..b", isUsable: true),
  LabelCase(label: String(repeating: "k", count: 64), isUsable: true),
  LabelCase(label: String(repeating: "k", count: 65), isUsable: false),
  LabelCase(label: "", isUsable: false),
  LabelCase(label: ".", isUsable: false),
  LabelCase(label: "..", isUsable: false),
  LabelCase(label: ".hidden", isUsable: false),
  LabelCase(label: "-rf", isUsable: false),
  LabelCase(label: "_x", isUsable: false),
  LabelCase(label: "@x", isUsable: false),
  LabelCase(label: "a/b", isUsable: false),
  LabelCase(label: "../bob", isUsable: false),
  LabelCase(label: "a b", isUsable: false),
  LabelCase(label: "a:b", isUsable: false),
  LabelCase(label: "a,b", isUsable: false),
  LabelCase(label: "%PUSHGATE_KEY%", isUsable: false),
  LabelCase(label: "a%b", isUsable: false),
  LabelCase(label: "a\nb", isUsable: false),
  LabelCase(label: "caf\u{E9}", isUsable: false),
  LabelCase(label: "\u{212A}ey", isUsable: false),
]

@Test(arguments: labelCases)
func acceptsKeyLabelsThatAreOneSafePathComponent(_ c: LabelCase) {
  #expect(Gate.isKeyLabel(c.label) == c.isUsable)
}

// MARK: rsyncd.conf

struct PolicyCase: Sendable, CustomTestStringConvertible {
  let name: String
  let text: String
  let expected: [String]
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let conf = "/backup/rsyncd.conf"
private let push =
  "[push]\npath = /backup/keys/%PUSHGATE_KEY%/incoming\nread only = no\nincoming chmod = Du+rwx,Fu+rw\n"
private let snapshots =
  "[snapshots]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots\nexclude = /.sync/\n"

private func policy(
  _ name: String, _ text: String, _ expected: [String] = [],
  sourceLocation: SourceLocation = #_sourceLocation
) -> PolicyCase {
  PolicyCase(name: name, text: text, expected: expected, sourceLocation: sourceLocation)
}

private func hides(_ line: Int, _ module: String, _ parameter: String) -> String {
  "\(conf):\(line): module '\(module)' sets '\(parameter)', which would hide what rsync did "
    + "from pushgate-serve; remove it"
}

private func outside(_ module: String, _ path: String) -> String {
  "\(conf): module '\(module)' has 'path = \(path)', outside /backup/keys/%PUSHGATE_KEY%/: "
    + "every module must stay inside the key's own area"
}

private let chmodMissing =
  "\(conf): module 'push' must end its 'incoming chmod' with 'Du+rwx,Fu+rw': a pushed file "
  + "the backup account cannot read fails every snapshot"

private func syncShown(_ module: String) -> String {
  "\(conf): module '\(module)' must have 'exclude = /.sync/': a client must never restore the "
    + "half-made next snapshot"
}

private func pushPath(_ found: String) -> String {
  "\(conf): module 'push' must have 'path = /backup/keys/%PUSHGATE_KEY%/incoming', not '\(found)'"
}

let policyCases: [PolicyCase] = [
  policy("push and snapshots modules", push + snapshots),
  policy(
    "a trailing slash on the path",
    "[push]\npath = /backup/keys/%PUSHGATE_KEY%/incoming/\nincoming chmod = Du+rwx,Fu+rw\n"),
  policy(
    "global settings are overridden by --dparam", "transfer logging = no\nlog file = /x\n" + push),
  policy(
    "a deeper module inside the snapshots",
    push + "[old]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots/daily.0\n"),
  policy(
    "a writable restore module", push + snapshots + "read only = no\n",
    ["\(conf): module 'snapshots' is writable: only 'push' may be; set 'read only = yes'"]),
  policy(
    "a writable module made so globally", "read only = no\n" + push + snapshots,
    ["\(conf): module 'snapshots' is writable: only 'push' may be; set 'read only = yes'"]),
  policy(
    "a module on the gate's state", push + "[state]\npath = /backup/keys/%PUSHGATE_KEY%/state\n",
    [
      "\(conf): module 'state' has 'path = /backup/keys/%PUSHGATE_KEY%/state': a module other "
        + "than 'push' must be in /backup/keys/%PUSHGATE_KEY%/snapshots/"
    ]),
  policy("no push module", snapshots, ["\(conf) has no [push] module"]),
  policy(
    "a push module without incoming chmod (rsyncd.conf from before sync-first)",
    "[push]\npath = /backup/keys/%PUSHGATE_KEY%/incoming\n", [chmodMissing]),
  policy(
    "incoming chmod whose last items take the rights away again",
    "[push]\npath = /backup/keys/%PUSHGATE_KEY%/incoming\nincoming chmod = Du+rwx,Fu+rw,u-r\n",
    [chmodMissing]),
  policy(
    "incoming chmod with more items before, and blanks",
    "[push]\npath = /backup/keys/%PUSHGATE_KEY%/incoming\nincoming chmod = go-w, Du+rwx, Fu+rw\n"),
  policy(
    "incoming chmod set globally",
    "incoming chmod = Du+rwx,Fu+rw\n[push]\npath = /backup/keys/%PUSHGATE_KEY%/incoming\n"),
  policy(
    "a snapshots module without the .sync exclude (rsyncd.conf from before sync-first)",
    push + "[snapshots]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots\n", [syncShown("snapshots")]),
  policy(
    "a snapshots module excluding something else",
    push + "[snapshots]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots/\nexclude = *.tmp\n",
    [syncShown("snapshots")]),
  policy(
    "the .sync exclude among others, unanchored",
    push + "[snapshots]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots\nexclude = *.tmp .sync/\n"),
  policy(
    "an include that rsync applies before the .sync exclude",
    push
      + "[snapshots]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots\ninclude = /.sync/\nexclude = /.sync/\n",
    [
      "\(conf): module 'snapshots' sets 'include', which rsync applies before 'exclude' and so "
        + "could show the half-made next snapshot (.sync); remove it"
    ]),
  policy(
    "a filter rule on the snapshots module",
    push
      + "[snapshots]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots\nexclude = /.sync/\nfilter = + /.sync/\n",
    [
      "\(conf): module 'snapshots' sets 'filter', which rsync applies before 'exclude' and so "
        + "could show the half-made next snapshot (.sync); remove it"
    ]),
  policy(
    "a module on .sync itself",
    push + "[next]\npath = /backup/keys/%PUSHGATE_KEY%/snapshots/.sync\n",
    [
      "\(conf): module 'next' has 'path = /backup/keys/%PUSHGATE_KEY%/snapshots/.sync': "
        + "snapshots/.sync/ is the half-made next snapshot, never a module"
    ]),
  policy(
    "the old single-area layout",
    "[push]\npath = /backup/incoming\nincoming chmod = Du+rwx,Fu+rw\n",
    [pushPath("/backup/incoming"), outside("push", "/backup/incoming")]),
  policy(
    "the push module in another area",
    "[push]\npath = /backup/keys/bob/incoming\nincoming chmod = Du+rwx,Fu+rw\n",
    [pushPath("/backup/keys/bob/incoming"), outside("push", "/backup/keys/bob/incoming")]),
  policy(
    "a shared module", push + "[shared]\npath = /srv/share\n", [outside("shared", "/srv/share")]),
  policy(
    "a module reaching out with ..", push + "[up]\npath = /backup/keys/%PUSHGATE_KEY%/../bob\n",
    [outside("up", "/backup/keys/%PUSHGATE_KEY%/../bob")]),
  policy(
    "a module naming another variable",
    push + "[x]\npath = /backup/keys/%PUSHGATE_KEY%/%HOME%\n",
    [outside("x", "/backup/keys/%PUSHGATE_KEY%/%HOME%")]),
  policy(
    "a module on the whole area", push + "[all]\npath = /backup/keys/%PUSHGATE_KEY%\n",
    [
      "\(conf): module 'all' has 'path = /backup/keys/%PUSHGATE_KEY%': a module other than "
        + "'push' must be in /backup/keys/%PUSHGATE_KEY%/snapshots/"
    ]),
  policy(
    "a module path from the global section", "path = /srv\n" + push + "[nopath]\nread only = yes\n",
    [outside("nopath", "/srv")]),
  policy(
    "a module with no path at all", push + "[nopath]\nread only = yes\n",
    ["\(conf): module 'nopath' has no path"]),
  policy(
    "the push module turns transfer logging off", push + "transfer logging = no\n",
    [hides(5, "push", "transfer logging")]),
  policy(
    "the push module logs elsewhere", push + "log file = /tmp/x\n", [hides(5, "push", "log file")]),
  policy(
    "the push module's own log format", push + "log format = %o\n", [hides(5, "push", "log format")]
  ),
  policy(
    "spelled with other case and blanks", push + "Transfer  Logging = no\n",
    [hides(5, "push", "transfer logging")]),
  policy(
    "the push module's own pre-xfer hook", push + "pre-xfer exec = /bin/true\n",
    [hides(5, "push", "pre-xfer exec")]),
  policy(
    "the push module's own post-xfer hook", push + "post-xfer exec = /bin/true\n",
    [hides(5, "push", "post-xfer exec")]),
  policy(
    "a restore module's own log file", push + snapshots + "log file = /tmp/x\n",
    [hides(8, "snapshots", "log file")]),
  policy(
    "an include", "&include /etc/rsyncd.d\n" + push,
    ["\(conf):1: '&include /etc/rsyncd.d' is not allowed: what it adds cannot be checked"]),
  policy(
    "a merge", push + "&merge /etc/rsyncd.d\n",
    ["\(conf):5: '&merge /etc/rsyncd.d' is not allowed: what it adds cannot be checked"]),
]

@Test(arguments: policyCases)
func checksRsyncdConf(_ c: PolicyCase) {
  let found = RsyncdPolicy.problems(RsyncdConf.parse(c.text), settings: Settings(root: "/backup"))
  #expect(found == c.expected, sourceLocation: c.sourceLocation)
}

// MARK: the decision

struct GateCase: Sendable, CustomTestStringConvertible {
  let name: String
  let command: String?
  let key: String
  let facts: GateFacts
  let expected: String
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let allowed = "cd /backup && rsync --server --daemon ."
private let goodConf = GateFacts(areaExists: true, rsyncdConf: .success(b(push + snapshots)))

private func gate(
  _ name: String, command: String? = allowed, key: String = "laptop", facts: GateFacts = goodConf,
  _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
) -> GateCase {
  GateCase(
    name: name, command: command, key: key, facts: facts, expected: expected,
    sourceLocation: sourceLocation)
}

let gateCases: [GateCase] = [
  gate("the allowed command with an area", "allow /backup/keys/laptop"),
  gate("a shell command", command: "ls /", "refuse not-allowed"),
  gate(
    "a shell command of a key without area", command: "ls /",
    facts: GateFacts(areaExists: false, rsyncdConf: .success([])), "refuse not-allowed"),
  gate("no --key", key: "", "fail key-missing"),
  gate(
    "a key without area", facts: GateFacts(areaExists: false, rsyncdConf: goodConf.rsyncdConf),
    "refuse no-area"),
  gate(
    "rsyncd.conf unreadable",
    facts: GateFacts(areaExists: true, rsyncdConf: .failure(.init("open: Permission denied"))),
    "fail rsyncd-conf cannot read '/backup/rsyncd.conf': open: Permission denied"),
  gate(
    "rsyncd.conf hides the transfer log",
    facts: GateFacts(areaExists: true, rsyncdConf: .success(b(push + "transfer logging = no\n"))),
    "fail rsyncd-conf " + hides(5, "push", "transfer logging")),
]

@Test(arguments: gateCases)
func decidesASession(_ c: GateCase) {
  let context = SessionContext(
    session: "0123456789abcdef", key: c.key, originalCommand: c.command.map(b))
  let described: String
  switch Gate.decide(settings: Settings(root: "/backup"), context: context, facts: c.facts) {
  case .allow(let plan): described = "allow " + plan.area.directory
  case .refuse(let refusal): described = "refuse " + refusal.code
  case .fail(let failure):
    described = "fail " + failure.code + (failure == .keyMissing ? "" : " " + failure.detail)
  }
  #expect(described == c.expected, sourceLocation: c.sourceLocation)
}
