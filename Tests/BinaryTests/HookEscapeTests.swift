// What the pre-xfer hook saw reaches the audit log escaped once, as every other field.
import Foundation
import TestSupport
import Testing

@Test(
  "a tab or an escape in the module, request and arguments is escaped once in the log", .blocking)
func hookFieldsAreEscapedOnce() throws {
  let root = try Root(
    scenario: Scenario(
      module: "pu\tsh", request: "pu\tsh/\u{1b}[2J",
      arguments: "rsyncd --server -logDtpre.iLsfxCIvu\u{1b}]0;T\u{7} . ."))
  defer { root.remove() }
  #expect(try root.serve(root.allowedCommand).status == 0)
  let transfer = try #require(root.records("transfer-ended").first)
  // Through a JSON reader the values read as the log's visible ASCII, as `command` does.
  #expect(transfer.text("module") == #"pu\tsh"#)
  #expect(transfer.text("request") == #"pu\tsh/\x1b[2J"#)
  #expect(transfer.text("args") == #"rsyncd --server -logDtpre.iLsfxCIvu\x1b]0;T\x07 . ."#)
  let line = try #require(
    read(root.log).split(separator: "\n").first { $0.contains("transfer-ended") })
  #expect(line.contains(#""module":"pu\\tsh","request":"pu\\tsh/\\x1b[2J""#))
}
