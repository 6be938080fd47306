// Fuzzes the authorized_keys editor: the input is read as a file, its pushgate lines listed,
// and a line authorized into it; every line that is not replaced must come out byte for byte,
// and the line written must read back as the entry it was rendered from.
import FuzzCheck
import PushgateAdminCore
import PushgateCore

private let serve = "/usr/local/bin/pushgate-serve"
private let config = "/backup/pushgate.conf"
private let fixedBase64 = "AAAAC3NzaC1lZDI1NTE5AAAAIFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzz"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  let file = AuthorizedKeysFile(input)
  require(file.bytes == input, "an unedited file does not render back to its input")
  for entry in file.pushgateEntries {
    _ = (entry.line.text, entry.serve, entry.config, entry.key, entry.otherWords, entry.from)
    require(
      entry.serve == "pushgate-serve" || entry.serve.hasSuffix("/pushgate-serve"),
      "line \(entry.lineNumber) listed with forced command '\(entry.serve)'")
  }
  renderFromInput(input)
  // Reuse a key and a label of the file half the time, so conflicts are exercised too.
  let reuse = input.count % 2 == 0
  let base64 =
    reuse ? file.keyLines.map(\.line.base64).first(where: isWord) ?? fixedBase64 : fixedBase64
  let label =
    reuse ? file.pushgateEntries.compactMap(\.key).first(where: Gate.isKeyLabel) ?? "fuzz" : "fuzz"
  let from = file.pushgateEntries.compactMap(\.from).first(where: PushgateKeyEntry.isFromPatterns)
  guard
    let line = PushgateKeyEntry.render(
      serve: serve, config: config, label: label, from: from, keyType: "ssh-ed25519", base64: base64
    )
  else {
    require(
      false, "render refused label '\(label)', from \(String(describing: from)), key '\(base64)'")
    return 0
  }
  checkReadsBack(line, label: label, from: from, base64: base64)
  for replacing in [false, true] {
    checkEdit(file, line: line, base64: base64, label: label, replacing: replacing)
  }
  return 0
}

/// Authorizing `line` keeps every other line byte for byte and leaves one line for the key.
private func checkEdit(
  _ file: AuthorizedKeysFile, line: String, base64: String, label: String, replacing: Bool
) {
  let conflicts = file.conflicts(base64: base64, label: label)
  let newLine = Array(line.utf8)
  switch file.authorizing(line, base64: base64, label: label, replacing: replacing) {
  case .added(let edited):
    require(conflicts.isEmpty, "added despite conflicts \(conflicts)")
    let original = file.bytes
    let separator: [UInt8] = original.isEmpty || original.last == UInt8(ascii: "\n") ? [] : [10]
    require(
      edited.bytes == original + separator + newLine + [10],
      "adding changed other lines: '\(shown(edited.bytes))'")
    checkOneLineHolds(edited, base64: base64, label: label)
  case .replaced(let edited, let replaced):
    require(replacing, "replaced without being asked to")
    require(
      replaced == conflicts && !conflicts.isEmpty, "replaced \(replaced), conflicts \(conflicts)")
    let removed = Set(conflicts.map(\.lineNumber))
    var expected: [AuthorizedKeysFile.RawLine] = []
    for (index, old) in file.lines.enumerated() {
      if index + 1 == conflicts[0].lineNumber {
        var replacement = old
        replacement.bytes = newLine + (old.bytes.last == 13 ? [13] : [])
        expected.append(replacement)
      } else if !removed.contains(index + 1) {
        expected.append(old)
      }
    }
    require(edited.lines == expected, "replacing changed lines it should have kept")
    checkOneLineHolds(edited, base64: base64, label: label)
  case .conflicts(let found):
    require(!replacing, "conflicts reported although replacing was asked for")
    require(found == conflicts && !found.isEmpty, "conflicts \(found), expected \(conflicts)")
  }
}

/// After an edit, exactly one line holds the key, and it is the new pushgate line.
private func checkOneLineHolds(_ edited: AuthorizedKeysFile, base64: String, label: String) {
  let after = edited.conflicts(base64: base64, label: label)
  require(after.count == 1, "after the edit, conflicts are \(after)")
  if case .sameKey(_, let holder) = after.first {
    require(holder == label, "the key is held by label \(String(describing: holder))")
  } else {
    require(false, "after the edit, the key is not on a line")
  }
}

/// The rendered line parses back into the pushgate entry it describes.
private func checkReadsBack(_ line: String, label: String, from: String?, base64: String) {
  require(!line.utf8.contains(10) && !line.utf8.contains(13), "rendered line breaks: \(line)")
  guard let parsed = AuthorizedKeysLine.parse(line),
    let entry = PushgateKeyEntry(lineNumber: 1, line: parsed)
  else {
    require(false, "the rendered line is not a pushgate line: \(line)")
    return
  }
  require(
    entry.serve == serve && entry.config == config && entry.key == label && entry.from == from
      && entry.isRestricted && entry.otherWords.isEmpty && parsed.base64 == base64
      && parsed.keyType == "ssh-ed25519" && parsed.comment == label,
    "the rendered line reads back differently: \(line)")
  require(AuthorizedKeysLine.parse(parsed.text) == parsed, "the rendered line's text changes")
}

/// Labels, patterns and keys taken from the input (one per line): when render accepts them,
/// the line must read back as what it was asked to write.
private func renderFromInput(_ input: [UInt8]) {
  let parts = input.split(separator: 10, maxSplits: 3, omittingEmptySubsequences: false)
    .map { String(decoding: $0, as: UTF8.self) }
  guard parts.count >= 2 else { return }
  let label = parts[0]
  let from = parts[1].isEmpty ? nil : parts[1]
  let base64 = parts.count > 2 ? parts[2] : fixedBase64
  let configPath = parts.count > 3 ? parts[3] : config
  guard
    let line = PushgateKeyEntry.render(
      serve: serve, config: configPath, label: label, from: from, keyType: "ssh-ed25519",
      base64: base64)
  else { return }
  require(Gate.isKeyLabel(label), "render accepted label '\(label)'")
  require(PathRules.isSafeAbsolute(configPath), "render accepted config '\(configPath)'")
  guard let parsed = AuthorizedKeysLine.parse(line),
    let entry = PushgateKeyEntry(lineNumber: 1, line: parsed)
  else {
    require(false, "the rendered line is not a pushgate line: \(line)")
    return
  }
  require(
    entry.key == label && entry.from == from && entry.config == configPath
      && parsed.base64 == base64 && entry.otherWords.isEmpty,
    "the rendered line reads back differently: \(line)")
}

private func isWord(_ text: String) -> Bool {
  !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
}
