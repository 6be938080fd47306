// Table: adding a pushgate line to authorized_keys keeps every other line byte for byte, and
// refuses (or with replacing, replaces) lines with the same key or label.
import PushgateAdminCore
import Testing

private let new = "AAAAC3NzaC1lZDI1NTE5AAAAINEWNEWNEWNEW"
private let other = "AAAAC3NzaC1lZDI1NTE5AAAAIOTHEROTHER"
private let line =
  #"restrict,command="/s/pushgate-serve --config /c.conf --key laptop" ssh-ed25519 \#(new) laptop"#
private func pushgate(_ label: String, _ key: String) -> String {
  #"restrict,command="/s/pushgate-serve --config /c.conf --key \#(label)" ssh-ed25519 \#(key) \#(label)"#
}

struct EditCase: Sendable, CustomTestStringConvertible {
  let name: String
  let before: String
  var replacing = false
  /// The file afterwards, or `nil` when nothing may change.
  let after: String?
  var conflicts: [AuthorizedKeysConflict] = []
  var testDescription: String { name }
}

let editCases: [EditCase] = [
  EditCase(name: "empty file", before: "", after: line + "\n"),
  EditCase(
    name: "comments, blank lines and other keys are kept",
    before: "# backup keys\n\nssh-rsa AAAAB3x admin@host\n  # indented\n",
    after: "# backup keys\n\nssh-rsa AAAAB3x admin@host\n  # indented\n" + line + "\n"),
  EditCase(
    name: "CRLF lines are kept as they are",
    before: "ssh-rsa AAAAB3x a\r\n# c\r\n", after: "ssh-rsa AAAAB3x a\r\n# c\r\n" + line + "\n"),
  EditCase(
    name: "a last line without newline gets one before the new line",
    before: "ssh-rsa AAAAB3x a", after: "ssh-rsa AAAAB3x a\n" + line + "\n"),
  EditCase(
    name: "other options and odd spacing are kept",
    before:
      "no-pty,from=\"1.2.3.4\",command=\"echo  \\\"x\\\"\"   ssh-rsa\tAAAAB3x  two  spaces \n",
    after: "no-pty,from=\"1.2.3.4\",command=\"echo  \\\"x\\\"\"   ssh-rsa\tAAAAB3x  two  spaces \n"
      + line + "\n"),
  EditCase(
    name: "unreadable lines are kept and ignored",
    before: "command=\"unterminated ssh-ed25519 \(new)\n",
    after: "command=\"unterminated ssh-ed25519 \(new)\n" + line + "\n"),
  EditCase(
    name: "the key in a comment is no conflict",
    before: "# ssh-ed25519 \(new) old\n", after: "# ssh-ed25519 \(new) old\n" + line + "\n"),
  EditCase(
    name: "the label in another program's command is no conflict",
    before: "command=\"/bin/other --key laptop\" ssh-ed25519 \(other)\n",
    after: "command=\"/bin/other --key laptop\" ssh-ed25519 \(other)\n" + line + "\n"),
  EditCase(
    name: "the same label for another key is refused",
    before: "# x\n" + pushgate("laptop", other) + "\n",
    after: nil, conflicts: [.sameLabel(lineNumber: 2)]),
  EditCase(
    name: "the same key under another label is refused", before: pushgate("desktop", new) + "\n",
    after: nil, conflicts: [.sameKey(lineNumber: 1, label: "desktop")]),
  EditCase(
    name: "the same key in a login line is refused", before: "ssh-ed25519 \(new) me\n",
    after: nil, conflicts: [.sameKey(lineNumber: 1, label: nil)]),
  EditCase(
    name: "the same line again is refused", before: line + "\n", after: nil,
    conflicts: [.sameKey(lineNumber: 1, label: "laptop")]),
  EditCase(
    name: "replacing the label's line keeps its place",
    before: "# a\n" + pushgate("laptop", other) + "\n# b\n", replacing: true,
    after: "# a\n" + line + "\n# b\n", conflicts: [.sameLabel(lineNumber: 2)]),
  EditCase(
    name: "replacing two lines puts the new one at the first and removes the second",
    before: "ssh-ed25519 \(new) me\n# keep\n" + pushgate("laptop", other) + "\n# end",
    replacing: true,
    after: line + "\n# keep\n# end",
    conflicts: [.sameKey(lineNumber: 1, label: nil), .sameLabel(lineNumber: 3)]),
  EditCase(
    name: "replacing a CRLF line keeps its CR",
    before: "# a\r\n" + pushgate("laptop", other) + "\r\n", replacing: true,
    after: "# a\r\n" + line + "\r\n", conflicts: [.sameLabel(lineNumber: 2)]),
  EditCase(
    name: "replacing a last line without newline adds none",
    before: "# a\n" + pushgate("laptop", other), replacing: true, after: "# a\n" + line,
    conflicts: [.sameLabel(lineNumber: 2)]),
  EditCase(
    name: "replacing with nothing in the way just adds",
    before: "# a\n", replacing: true, after: "# a\n" + line + "\n"),
]

/// Editing authorized_keys for pushgate authorize.
@Suite struct AuthorizedKeysFileTests {
  @Test(arguments: editCases)
  func editsAuthorizedKeys(_ c: EditCase) {
    let file = AuthorizedKeysFile(Array(c.before.utf8))
    #expect(file.bytes == Array(c.before.utf8), "unedited files render unchanged")
    let edit = file.authorizing(line, base64: new, label: "laptop", replacing: c.replacing)
    switch edit {
    case .added(let edited):
      #expect(c.conflicts.isEmpty)
      #expect(String(decoding: edited.bytes, as: UTF8.self) == c.after)
    case .replaced(let edited, let conflicts):
      #expect(conflicts == c.conflicts)
      #expect(String(decoding: edited.bytes, as: UTF8.self) == c.after)
    case .conflicts(let conflicts):
      #expect(c.after == nil)
      #expect(conflicts == c.conflicts)
    }
  }

  @Test func listsPushgateLinesWithTheirNumbers() {
    let text =
      "# keys\r\nssh-rsa AAAAB3x admin\r\n" + pushgate("laptop", new) + "\r\n\n"
      + #"from="10.*",command="/opt/pushgate-serve --key nas" ssh-ed25519 \#(other)"#
    let entries = AuthorizedKeysFile(Array(text.utf8)).pushgateEntries
    #expect(entries.map(\.lineNumber) == [3, 5])
    #expect(entries.map(\.key) == ["laptop", "nas"])
    #expect(entries.map(\.isRestricted) == [true, false])
    #expect(entries.map(\.from) == [nil, "10.*"])
    #expect(entries[0].line.comment == "laptop", "the CR is not part of the comment")
  }

  @Test func conflictMessagesNameTheLine() {
    #expect(
      AuthorizedKeysConflict.sameKey(lineNumber: 3, label: "nas").message
        == "line 3 already holds this key (label 'nas')")
    #expect(
      AuthorizedKeysConflict.sameKey(lineNumber: 1, label: nil).message
        == "line 1 already holds this key (not a pushgate line)")
    #expect(
      AuthorizedKeysConflict.sameLabel(lineNumber: 7).message
        == "line 7 already uses this label for another key")
  }
}
