// What root's tools print from files the backup account or a client controls: never a
// control byte, a C1 control or invalid UTF-8, and valid JSON Lines from `log --json`.
import Foundation
import TestSupport
import Testing

/// Whether `data` is valid UTF-8 with no control character but line feeds: no C0 but `\n`,
/// no DEL, no C1 (U+0080–U+009F).
private func isSafe(_ data: Data) -> Bool {
  guard let text = String(data: data, encoding: .utf8) else { return false }
  return text.unicodeScalars.allSatisfy { scalar in
    scalar == "\n"
      || (scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value))
  }
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// An audit log the backup account edited: hostile bytes inside and outside strings, lines
/// that are not JSON, and records the gate would write.
private func hostileLog() -> Data {
  let head = #"{"v":1,"time":"2026-11-27T12:00:00Z","session":"#
  var lines: [[UInt8]] = []
  // Inside strings: C1 as UTF-8 and as raw bytes, invalid UTF-8, DEL, escaped ESC and BEL.
  lines.append(
    bytes(head + #""aaaaaaaaaaaaaaaa","event":"allowed","key":"k"#) + [
      0xC2, 0x9B, 0x33, 0x31, 0x6D, 0xFF, 0x9B,
    ]
      + bytes(#"","peer":"\u001b]0;TITLE\u0007","reason":"allowed","x":"#) + [
        0x22, 0x7F, 0x22, 0x7D,
      ])
  lines.append(
    bytes(head + #""aaaaaaaaaaaaaaaa","event":"transfer-ended","key":"k"#) + [
      0xC2, 0x9B, 0x33, 0x31, 0x6D, 0xFF, 0x9B,
    ]
      + bytes(
        #"","status":1,"module":"\u001b[2J","activity":"pushed","snapshot":"skipped","snapshot_reason":"\u009b2J"}"#
      ))
  // Outside strings: ESC and BEL in a nested value, CR and tab as whitespace.
  lines.append(
    bytes(head + #""bbbbbbbbbbbbbbbb","event":"refused","key":"desk","future":["#) + [
      0x1B, 0x5D, 0x07,
    ] + bytes("]}"))
  lines.append(
    bytes(
      head
        + "\t\"cccccccccccccccc\",\"event\":\"failed\",\"key\":\"desk\",\"reason\":\"settings\",\"detail\":\"\\u001b[2J\"}\r"
    ))
  // Not JSON at all.
  lines.append([0x1B, 0x5B, 0x32, 0x4A, 0x07, 0x0D] + bytes("not json ") + [0x9B, 0xFF])
  return Data(lines.map { $0 + [0x0A] }.joined())
}

/// The built `pushgate`, fed files the account controls.
@Suite(.blocking) struct TerminalOutputTests {
  @Test func logAndStatusPrintNoControlByteFromAnEditedLog() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    try hostileLog().write(to: URL(fileURLWithPath: log))
    let runs = [
      ["log", "--file", log], ["log", "--file", log, "--json"],
      ["status", "--file", log, "--now", "2026-11-28T00:00:00Z"],
      ["status", "--file", log, "--now", "2026-11-28T00:00:00Z", "--format", "nagios"],
      ["status", "--file", log, "--now", "2026-11-28T00:00:00Z", "--format", "prometheus"],
    ]
    for arguments in runs {
      let finished = try run(Binaries.pushgate, arguments)
      #expect(isSafe(finished.stdout), "\(arguments): \(finished.stdout.map { $0 })")
      #expect(isSafe(finished.stderr), "\(arguments): \(finished.err)")
      #expect(!finished.stdout.isEmpty, "\(arguments)")
    }
  }

  @Test func logJSONPrintsValidJSONLinesAndCountsWhatItSkips() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.path + "/pushgate.log"
    try hostileLog().write(to: URL(fileURLWithPath: log))
    let finished = try run(Binaries.pushgate, ["log", "--file", log, "--json"])
    #expect(finished.status == 0)
    #expect(finished.stdout.allSatisfy { ($0 >= 0x20 && $0 <= 0x7E) || $0 == 0x0A })
    let lines = finished.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 3)
    for line in lines {
      #expect(
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(line)")
    }
    let first = try #require(
      try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    #expect(first["key"] as? String == "k\u{9B}31m" + #"\xff\x9b"#)
    #expect(first["peer"] as? String == "\u{1B}]0;TITLE\u{07}")
    #expect(first["x"] as? String == "\u{7F}")
    #expect(
      lines[2]
        == #"{"v":1,"time":"2026-11-27T12:00:00Z","session":"cccccccccccccccc","event":"failed","key":"desk","reason":"settings","detail":"\u001b[2J"}"#
    )
    #expect(
      finished.err == "pushgate: skipped 2 lines of the audit log that are not JSON objects\n")
  }

  @Test func authorizeAndKeysEscapeAKeyCommentAndTheAccountsLines() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    let hostile = "\u{1B}]0;TITLE\u{07}\u{1B}[2J"
    let words = read(f.path + "/laptop.pub").split(separator: " ")
    try write("\(words[0]) \(words[1]) \(hostile)\n", to: f.path + "/laptop.pub")

    let printed = try f.authorize(["--key", "laptop", "--print", f.path + "/laptop.pub"])
    #expect(printed.status == 0)
    #expect(isSafe(printed.stdout) && isSafe(printed.stderr), "\(printed.err)")
    #expect(printed.err.hasSuffix(#" \x1b]0;TITLE\x07\x1b[2J (ED25519)"# + "\n"), "\(printed.err)")

    let added = try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    #expect(added.status == 0, "\(added.err)")
    #expect(isSafe(added.stdout) && isSafe(added.stderr), "\(added.out)")
    #expect(added.out.hasPrefix("256 SHA256:"))
    #expect(added.out.contains(#" \x1b]0;TITLE\x07\x1b[2J (ED25519)"# + "\n"), "\(added.out)")

    // The account's own line: a --config and a comment with escape sequences.
    var text = read(f.authorizedKeys)
    text +=
      "command=\"\(Binaries.serve) --config /nonexistent/\(hostile) --key desk\" \(words[0]) \(words[1]) \(hostile)\n"
    try write(text, to: f.authorizedKeys, mode: 0o600)
    let keys = try run(Binaries.pushgate, ["keys", "--authorized-keys", f.authorizedKeys])
    #expect(keys.status == 0)
    #expect(isSafe(keys.stdout) && isSafe(keys.stderr), "\(keys.err)")
    #expect(keys.err.contains(#"/nonexistent/\x1b]0;TITLE\x07\x1b[2J"#), "\(keys.err)")
  }
}
