// Tables for the escaping every printed byte and every hook field passes through.
import PushgateCore
import Testing

struct EscapeCase: Sendable, CustomTestStringConvertible {
  let name: String
  let input: [UInt8]
  let kept: VisibleBytes.Kept
  let expected: String
  var testDescription: String { name }
}

private let terminal: VisibleBytes.Kept = [.newlines, .unicode]

let escapeCases: [EscapeCase] = [
  EscapeCase(
    name: "printable ASCII stays", input: Array("ls -la /tmp".utf8), kept: [],
    expected: "ls -la /tmp"),
  EscapeCase(
    name: "a backslash stays: escaping twice changes nothing", input: Array(#"a\x1b\\"#.utf8),
    kept: [], expected: #"a\x1b\\"#),
  EscapeCase(
    name: "ESC and BEL", input: [0x1B, 0x5D, 0x30, 0x3B, 0x54, 0x07], kept: terminal,
    expected: #"\x1b]0;T\x07"#),
  EscapeCase(
    name: "CR, LF and tab as short escapes", input: [0x0D, 0x0A, 0x09], kept: [],
    expected: #"\r\n\t"#),
  EscapeCase(name: "a kept newline", input: [0x61, 0x0A, 0x62], kept: terminal, expected: "a\nb"),
  EscapeCase(name: "a tab is never kept", input: [0x61, 0x09], kept: terminal, expected: #"a\t"#),
  EscapeCase(name: "NUL and DEL", input: [0x00, 0x7F], kept: terminal, expected: #"\x00\x7f"#),
  EscapeCase(
    name: "C1 CSI as UTF-8", input: [0xC2, 0x9B, 0x33, 0x31, 0x6D], kept: terminal,
    expected: #"\xc2\x9b31m"#),
  EscapeCase(name: "C1 NEL as UTF-8", input: [0xC2, 0x85], kept: terminal, expected: #"\xc2\x85"#),
  EscapeCase(
    name: "a raw C1 byte (invalid UTF-8)", input: [0x9B, 0x32, 0x4A], kept: terminal,
    expected: #"\x9b2J"#),
  EscapeCase(
    name: "invalid UTF-8: 0xFF", input: [0x61, 0xFF], kept: terminal, expected: #"a\xff"#),
  EscapeCase(
    name: "invalid UTF-8: overlong slash", input: [0xC0, 0xAF], kept: terminal,
    expected: #"\xc0\xaf"#),
  EscapeCase(
    name: "invalid UTF-8: a truncated sequence", input: [0xE2, 0x96, 0x41], kept: terminal,
    expected: #"\xe2\x96A"#),
  EscapeCase(
    name: "invalid UTF-8: an encoded surrogate", input: [0xED, 0xA0, 0x80], kept: terminal,
    expected: #"\xed\xa0\x80"#),
  EscapeCase(
    name: "valid UTF-8 is kept for the terminal", input: Array("é █ … 😀".utf8), kept: terminal,
    expected: "é █ … 😀"),
  EscapeCase(
    name: "no-break space (U+00A0) is the first kept", input: [0xC2, 0xA0, 0xC2, 0x9F],
    kept: terminal, expected: "\u{A0}" + #"\xc2\x9f"#),
  EscapeCase(
    name: "right-to-left override (U+202E) is escaped", input: Array("a\u{202E}b".utf8),
    kept: terminal, expected: #"a\xe2\x80\xaeb"#),
  EscapeCase(
    name: "first strong isolate (U+2068) and left-to-right mark (U+200E) are escaped",
    input: Array("\u{2068}\u{200E}".utf8), kept: terminal, expected: #"\xe2\x81\xa8\xe2\x80\x8e"#),
  EscapeCase(
    name: "a zero-width joiner (U+200D) is not a bidi control and stays",
    input: Array("a\u{200D}b".utf8), kept: terminal, expected: "a\u{200D}b"),
  EscapeCase(
    name: "valid UTF-8 is escaped without .unicode", input: Array("é".utf8), kept: [.newlines],
    expected: #"\xc3\xa9"#),
]

@Test(arguments: escapeCases)
func escapesForTheTerminal(_ c: EscapeCase) {
  #expect(
    String(decoding: VisibleBytes.escaped(c.input, keeping: c.kept), as: UTF8.self) == c.expected)
}

@Test("hook fields are JSON-escaped once: they are visible ASCII already")
func hookFieldsAreEscapedOnceInTheRecord() throws {
  let pre = HookEvidence.preLine(
    module: Array("pu\tsh".utf8), request: [0x1B, 0x5C], arguments: [Array("-n\"x".utf8)])
  let evidence = HookEvidence.parse(pre)
  let context = SessionContext(session: "0123456789abcdef", key: "laptop", originalCommand: nil)
  let line = AuditRecord.transferEnded(
    context, .exited(0), milliseconds: 1, evidence: evidence, changes: TransferChanges(),
    activity: .unchanged, decision: .skipped(reason: "unchanged"), time: 0)
  let text = String(decoding: line, as: UTF8.self)
  #expect(text.contains(#""module":"pu\\tsh","request":"\\x1b\\\\","#))
  #expect(text.contains(#""args":"-n\"x""#))
}

@Test("a visible value is cut at its limit, never inside an escape")
func visibleValuesAreCutOnAnEscape() {
  var line = JSONLine()
  line.add("a", visible: #"abc\x1bdef"#, limit: 5)
  line.add("b", visible: #"ab\\"#, limit: 3)
  #expect(String(decoding: line.line, as: UTF8.self) == #"{"a":"abc","b":"ab"}"# + "\n")
}
