// The allowed command: a hostile corpus, the exhaustive one-byte neighbourhood and a property.
import Testing

@testable import PushgateCore

struct CommandCase: Sendable, CustomTestStringConvertible {
  let name: String
  let root: String
  let input: [UInt8]?
  let expected: Classification
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private let allowedText = "cd /backup && rsync --server --daemon ."
private let allowed = Array(allowedText.utf8)

private func row(
  _ name: String, _ input: [UInt8]?, _ expected: Classification, root: String = "/backup",
  sourceLocation: SourceLocation = #_sourceLocation
) -> CommandCase {
  CommandCase(
    name: name, root: root, input: input, expected: expected, sourceLocation: sourceLocation)
}

/// A row whose input is refused as `.notAllowed`.
private func no(
  _ name: String, _ text: String, root: String = "/backup",
  sourceLocation: SourceLocation = #_sourceLocation
) -> CommandCase {
  row(name, Array(text.utf8), .refuse(.notAllowed), root: root, sourceLocation: sourceLocation)
}

private let a = allowedText

let commandCases: [CommandCase] =
  [
    row("the allowed command", allowed, .allow),
    row("unset variable", nil, .refuse(.notViaSSH)),
    row("empty string", [], .refuse(.notViaSSH)),
    no("only a space", " "),
    no("only whitespace", " \t\r\n "),
    no("only a NUL byte", "\u{0}"),
    no("leading space", " " + a), no("trailing space", a + " "),
    no("leading tab", "\t" + a), no("trailing tab", a + "\t"),
    no("leading CR", "\r" + a), no("trailing CR", a + "\r"),
    no("leading LF", "\n" + a), no("trailing LF", a + "\n"),
    no("trailing CRLF", a + "\r\n"), no("leading CRLF", "\r\n" + a),
    no("NUL at the end", a + "\u{0}"), no("NUL at the start", "\u{0}" + a),
    no("NUL after cd /backup", "cd /backup\u{0} && rsync --server --daemon ."),
    no("doubled space after cd", "cd  /backup && rsync --server --daemon ."),
    no("doubled space after &&", "cd /backup &&  rsync --server --daemon ."),
    no("doubled space before .", "cd /backup && rsync --server --daemon  ."),
    no("tab instead of the first space", "cd\t/backup && rsync --server --daemon ."),
    no("tab instead of the last space", "cd /backup && rsync --server --daemon\t."),
    no("appended ; id", a + "; id"), no("appended ' ; id'", a + " ; id"),
    no("appended && id", a + " && id"), no("appended || id", a + " || id"),
    no("appended | id", a + " | id"), no("appended & id", a + " & id"),
    no("appended & without space", a + "&"), no("appended newline and id", a + "\nid"),
    no("appended $(id)", a + " $(id)"), no("$(id) glued to the dot", a + "$(id)"),
    no("appended backticks", a + " `id`"),
    no("command substitution as root", "cd $(id) && rsync --server --daemon ."),
    no("redirect stdout", a + " > /tmp/x"), no("redirect stdin", a + " < /etc/passwd"),
    no("redirect stderr to stdout", a + " 2>&1"), no("appended # comment", a + " # comment"),
    no("directory /backup/", "cd /backup/ && rsync --server --daemon ."),
    no("directory /backup/..", "cd /backup/.. && rsync --server --daemon ."),
    no("directory /Backup", "cd /Backup && rsync --server --daemon ."),
    no("directory '/backup'", "cd '/backup' && rsync --server --daemon ."),
    no("directory \"/backup\"", "cd \"/backup\" && rsync --server --daemon ."),
    no("directory /backup/./", "cd /backup/./ && rsync --server --daemon ."),
    no("directory /backup/.", "cd /backup/. && rsync --server --daemon ."),
    no("relative directory backup", "cd backup && rsync --server --daemon ."),
    no("directory ~/backup", "cd ~/backup && rsync --server --daemon ."),
    no("directory /backup2", "cd /backup2 && rsync --server --daemon ."),
    no("directory /backu", "cd /backu && rsync --server --daemon ."),
    no("directory /", "cd / && rsync --server --daemon ."),
    no("look-alike //backup", "cd //backup && rsync --server --daemon ."),
    no("look-alike /./backup", "cd /./backup && rsync --server --daemon ."),
    no("look-alike /backup\\ (escaped space)", "cd /backup\\ && rsync --server --daemon ."),
    no("look-alike /back up", "cd /back up && rsync --server --daemon ."),
    no("look-alike /backup_", "cd /backup_ && rsync --server --daemon ."),
    no("no cd at all", "rsync --server --daemon ."),
    no("--sender added", "cd /backup && rsync --server --sender --daemon ."),
    no("--sender pull form", "cd /backup && rsync --server --sender -logDtpre.iLsfxCIvu . push/"),
    no("--daemon --config=/tmp/x", "cd /backup && rsync --server --daemon --config=/tmp/x ."),
    no("-M--config=x before --server", "cd /backup && rsync -M--config=x --server --daemon ."),
    no("-M--config=x after --daemon", "cd /backup && rsync --server --daemon -M--config=x ."),
    no("--server without --daemon", "cd /backup && rsync --server ."),
    no("options reordered", "cd /backup && rsync --daemon --server ."),
    no("extra . argument", "cd /backup && rsync --server --daemon . ."),
    no("extra path argument", "cd /backup && rsync --server --daemon . /etc"),
    no("missing the dot", "cd /backup && rsync --server --daemon"),
    no("-e capability string", "cd /backup && rsync --server --daemon -e.LsfxCIvu ."),
    no("non-daemon server form", "cd /backup && rsync --server -logDtpre.iLsfxCIvu . /backup"),
    no("non-daemon form without cd", "rsync --server -logDtpre.iLsfxCIvu . /backup"),
    no("daemon form without cd", "rsync --server --daemon ."),
    no("--Server capitalised", "cd /backup && rsync --Server --daemon ."),
    no("--daemon=x", "cd /backup && rsync --server --daemon=x ."),
    no("rsync as /usr/bin/rsync", "cd /backup && /usr/bin/rsync --server --daemon ."),
    no("rsync as RSYNC", "cd /backup && RSYNC --server --daemon ."),
    no("rsync as rsync2", "cd /backup && rsync2 --server --daemon ."),
    no("cd as CD", "CD /backup && rsync --server --daemon ."),
    no("cd as chdir", "chdir /backup && rsync --server --daemon ."),
    no("sftp-server", "/usr/lib/openssh/sftp-server"), no("internal-sftp", "internal-sftp"),
    no("scp upload", "scp -t /backup"), no("scp download", "scp -f /backup/x"),
    no("a shell", "sh"), no("an interactive shell", "bash -i"),
    no("git-upload-pack", "git-upload-pack '/backup'"),
    no("Kelvin sign (U+212A) for k", "cd /bac\u{212A}up && rsync --server --daemon ."),
    no("Greek question mark (U+037E) appended", a + "\u{037E} id"),
    no("full-width cd", "\u{FF43}\u{FF44} /backup && rsync --server --daemon ."),
    no("full-width s in rsync", "cd /backup && r\u{FF53}ync --server --daemon ."),
    no("full-width full stop", "cd /backup && rsync --server --daemon \u{FF0E}"),
    no("NBSP (U+00A0) for a space", "cd\u{00A0}/backup && rsync --server --daemon ."),
    no("Cyrillic a (U+0430)", "cd /b\u{0430}ckup && rsync --server --daemon ."),
    no("combining acute after backup", "cd /backup\u{0301} && rsync --server --daemon ."),
    no("combining mark after the dot", a + "\u{0301}"),
    no("precomposed e-acute in --server", "cd /backup && rsync --s\u{00E9}rver --daemon ."),
    no("decomposed e-acute in --server", "cd /backup && rsync --se\u{0301}rver --daemon ."),
    no("zero-width space after cd", "cd\u{200B} /backup && rsync --server --daemon ."),
    no("byte-order mark first", "\u{FEFF}" + a),
    no("right-to-left override", "cd /backup && rsync --server --daemon \u{202E}."),
    row("0xFF appended", allowed + [0xFF], .refuse(.notAllowed)),
    row("0xFF first", [0xFF] + allowed, .refuse(.notAllowed)),
    row(
      "overlong / (C0 AF)", Array("cd ".utf8) + [0xC0, 0xAF] + Array(a.utf8.dropFirst(4)),
      .refuse(.notAllowed)),
    row(
      "lone continuation byte 0x80",
      Array("cd /backup".utf8) + [0x80] + Array(a.utf8.dropFirst(10)), .refuse(.notAllowed)),
    row("cut multi-byte sequence appended", allowed + [0xE2, 0x80], .refuse(.notAllowed)),
    row(
      "UTF-16LE encoding", Array(allowedText.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
      .refuse(.notAllowed)),
    row(
      "exactly 4096 bytes", allowed + Array(repeating: 0x20, count: 4096 - allowed.count),
      .refuse(.notAllowed)),
    row("exactly 4096 bytes of a", Array(repeating: 0x61, count: 4096), .refuse(.notAllowed)),
    row(
      "4097 bytes", allowed + Array(repeating: 0x20, count: 4097 - allowed.count),
      .refuse(.tooLong(byteCount: 4097))),
    row("4097 NUL bytes", Array(repeating: 0, count: 4097), .refuse(.tooLong(byteCount: 4097))),
    row("1 MiB", Array(repeating: 0x61, count: 1 << 20), .refuse(.tooLong(byteCount: 1_048_576))),
    no("allowed command twice", a + a), no("followed by a space and a dot", a + " ."),
    no("followed by a slash", a + "/"), no("followed by x", a + "x"),
    no("followed by a second dot", a + "."),
  ]
  + (1..<allowed.count).map { n in
    row("prefix of \(n) bytes", Array(allowed.prefix(n)), .refuse(.notAllowed))
  }

@Test(arguments: commandCases)
func classifiesCommand(_ c: CommandCase) {
  #expect(
    AllowedCommand(root: c.root).classify(c.input) == c.expected, sourceLocation: c.sourceLocation)
}

let otherRootCases: [CommandCase] = [
  row(
    "its own command", Array("cd /srv/backup-2 && rsync --server --daemon .".utf8), .allow,
    root: "/srv/backup-2"),
  no("the /backup command", a, root: "/srv/backup-2"),
  no(
    "its root with a trailing slash", "cd /srv/backup-2/ && rsync --server --daemon .",
    root: "/srv/backup-2"),
  no("a sibling root", "cd /srv/backup-3 && rsync --server --daemon .", root: "/srv/backup-2"),
  no("a prefix of its root", "cd /srv/backup && rsync --server --daemon .", root: "/srv/backup-2"),
  no(
    "its root with a hyphen look-alike (U+2010)",
    "cd /srv/backup\u{2010}2 && rsync --server --daemon .", root: "/srv/backup-2"),
  row(
    "root with a K: ASCII K", Array("cd /srv/Kelvin && rsync --server --daemon .".utf8), .allow,
    root: "/srv/Kelvin"),
  no(
    "root with a K: Kelvin sign, String-equal but not byte-equal",
    "cd /srv/\u{212A}elvin && rsync --server --daemon .", root: "/srv/Kelvin"),
  row(
    "a precomposed root, precomposed", Array("cd /srv/caf\u{E9} && rsync --server --daemon .".utf8),
    .allow, root: "/srv/caf\u{E9}"),
  no(
    "a precomposed root, decomposed (String-equal, canonically equivalent, not byte-equal)",
    "cd /srv/cafe\u{301} && rsync --server --daemon .", root: "/srv/caf\u{E9}"),
]

@Test(arguments: otherRootCases)
func classifiesCommandForAnotherRoot(_ c: CommandCase) {
  #expect(
    AllowedCommand(root: c.root).classify(c.input) == c.expected, sourceLocation: c.sourceLocation)
}

@Test func allowedCommandBytesAndSettings() {
  #expect(AllowedCommand(root: "/backup").bytes == allowed)
  #expect(allowed.count == 39)
  #expect(Settings(root: "/srv/backup-2").allowedCommand == AllowedCommand(root: "/srv/backup-2"))
  #expect(AllowedCommand.maximumLength == 4096)
}

/// Every deletion, insertion and substitution of one byte is refused as `.notAllowed`.
@Test func everyOneByteNeighbourIsRefused() {
  let gate = AllowedCommand(root: "/backup")
  var wrong: [String] = []
  func check(_ candidate: [UInt8], _ what: @autoclosure () -> String) {
    if gate.classify(candidate) != .refuse(.notAllowed), wrong.count < 10 { wrong.append(what()) }
  }
  for position in 0...allowed.count {
    for value in 0...255 {
      var inserted = allowed
      inserted.insert(UInt8(value), at: position)
      check(inserted, "insert \(value) at \(position)")
    }
    guard position < allowed.count else { continue }
    var deleted = allowed
    deleted.remove(at: position)
    check(deleted, "delete at \(position)")
    for value in 0...255 where UInt8(value) != allowed[position] {
      var replaced = allowed
      replaced[position] = UInt8(value)
      check(replaced, "replace at \(position) with \(value)")
    }
  }
  #expect(wrong.isEmpty, "accepted or misclassified: \(wrong)")
}

/// SplitMix64: a small, seeded, deterministic generator.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Random edits that change the command by construction (substitutions at distinct positions with a
/// different byte, and sometimes a length change) are all refused; the unedited command is allowed.
///
/// The oracle is how each candidate was made, not a comparison with the command.
@Test func randomChangesAreRefused() {
  var random = SplitMix64(state: 0x7075_7368_6761_7465)
  let gate = AllowedCommand(root: "/backup")
  #expect(gate.classify(allowed) == .allow)
  var wrong: [[UInt8]] = []
  for _ in 0..<10_000 {
    var candidate = allowed
    let positions = Array(0..<allowed.count).shuffled(using: &random)
      .prefix(Int.random(in: 1...4, using: &random))
    for at in positions {
      // Another byte; often one of the command's own, for near misses.
      var byte = allowed[Int.random(in: 0..<allowed.count, using: &random)]
      while byte == candidate[at] { byte = UInt8.random(in: 0...255, using: &random) }
      candidate[at] = byte
    }
    switch Int.random(in: 0..<3, using: &random) {
    case 0:
      candidate.insert(
        UInt8.random(in: 0...255, using: &random),
        at: Int.random(in: 0...candidate.count, using: &random))
    case 1: candidate.remove(at: Int.random(in: 0..<candidate.count, using: &random))
    default: break
    }
    if gate.classify(candidate) != .refuse(.notAllowed), wrong.count < 5 { wrong.append(candidate) }
  }
  #expect(wrong.isEmpty, "not refused as not-allowed: \(wrong)")
}
