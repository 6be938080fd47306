// An authorized_keys file as lines of bytes: finds pushgate lines and adds one, keeping every
// other line byte for byte (CRLF, comments, a missing last newline, other options).

/// The contents of an authorized_keys file, split at `\n` and rendered back unchanged.
public struct AuthorizedKeysFile: Equatable, Sendable {
  /// One line: its bytes without the `\n` (a `\r` before it stays part of the line).
  public struct RawLine: Equatable, Sendable {
    /// The bytes, without the `\n`.
    public var bytes: [UInt8]
    /// Whether a `\n` follows (only the last line of a file can lack one).
    public var hasNewline: Bool
  }

  /// The lines, in order.
  public private(set) var lines: [RawLine]

  /// Splits `bytes` into lines.
  public init(_ bytes: [UInt8]) {
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .map { RawLine(bytes: Array($0), hasNewline: true) }
    if lines.last?.bytes.isEmpty == true {
      lines.removeLast()
    } else if !lines.isEmpty {
      lines[lines.count - 1].hasNewline = false
    }
    self.lines = lines
  }

  /// The file's bytes: exactly the input for an unedited file.
  public var bytes: [UInt8] {
    lines.flatMap { $0.hasNewline ? $0.bytes + [UInt8(ascii: "\n")] : $0.bytes }
  }

  /// Every key line with its number (from 1); blank lines, comments and unreadable lines are
  /// left out.
  public var keyLines: [(number: Int, line: AuthorizedKeysLine)] {
    lines.enumerated().compactMap { index, raw in
      AuthorizedKeysLine.parse(raw.bytes).map { (index + 1, $0) }
    }
  }

  /// The lines whose forced command is pushgate-serve, in file order.
  public var pushgateEntries: [PushgateKeyEntry] {
    keyLines.compactMap { PushgateKeyEntry(lineNumber: $0.number, line: $0.line) }
  }

  /// The lines that stand in the way of authorizing key `base64` as `label`: any line with
  /// the same key (sshd uses the first line that matches a key, so a second one, pushgate or
  /// not, would decide what the key can do), and any pushgate line whose `--key` is `label`.
  public func conflicts(base64: String, label: String) -> [AuthorizedKeysConflict] {
    keyLines.compactMap { number, line in
      let entry = PushgateKeyEntry(lineNumber: number, line: line)
      if line.base64 == base64 { return .sameKey(lineNumber: number, label: entry?.key) }
      if let entry, entry.key == label { return .sameLabel(lineNumber: number) }
      return nil
    }
  }

  /// Adds `line`, or with `replacing` puts it in place of the conflicting lines.
  ///
  /// Without conflicts the line is appended (a last line without `\n` gets one first). With
  /// conflicts and `replacing`, the new line takes the place of the first conflicting line,
  /// keeping that line's `\r` and `\n`, and the other conflicting lines are removed. Every
  /// other line is kept byte for byte.
  public func authorizing(
    _ line: String, base64: String, label: String, replacing: Bool
  ) -> AuthorizedKeysEdit {
    let conflicts = conflicts(base64: base64, label: label)
    let newBytes = Array(line.utf8)
    var edited = self
    guard let first = conflicts.first else {
      if let last = edited.lines.indices.last { edited.lines[last].hasNewline = true }
      edited.lines.append(RawLine(bytes: newBytes, hasNewline: true))
      return .added(edited)
    }
    guard replacing else { return .conflicts(conflicts) }
    let old = lines[first.lineNumber - 1]
    edited.lines[first.lineNumber - 1] = RawLine(
      bytes: newBytes + (old.bytes.last == UInt8(ascii: "\r") ? [UInt8(ascii: "\r")] : []),
      hasNewline: old.hasNewline)
    for conflict in conflicts.dropFirst().reversed() {
      edited.lines.remove(at: conflict.lineNumber - 1)
    }
    return .replaced(edited, conflicts)
  }
}

/// A line that stands in the way of a new pushgate line.
public enum AuthorizedKeysConflict: Equatable, Sendable {
  /// The same key is already on this line; `label` is its `--key` when it is a pushgate line.
  case sameKey(lineNumber: Int, label: String?)
  /// A pushgate line for another key already uses the label.
  case sameLabel(lineNumber: Int)

  /// The line number, from 1.
  public var lineNumber: Int {
    switch self {
    case .sameKey(let number, _), .sameLabel(let number): number
    }
  }

  /// One line for the administrator, such as `line 3 already holds this key (label 'laptop')`.
  public var message: String {
    switch self {
    case .sameKey(let number, let label?):
      "line \(number) already holds this key (label '\(label)')"
    case .sameKey(let number, nil):
      "line \(number) already holds this key (not a pushgate line)"
    case .sameLabel(let number):
      "line \(number) already uses this label for another key"
    }
  }
}

/// The outcome of ``AuthorizedKeysFile/authorizing(_:base64:label:replacing:)``.
public enum AuthorizedKeysEdit: Equatable, Sendable {
  /// The line was appended.
  case added(AuthorizedKeysFile)
  /// The line replaced these lines.
  case replaced(AuthorizedKeysFile, [AuthorizedKeysConflict])
  /// Nothing changed: these lines are in the way and replacing was not asked for.
  case conflicts([AuthorizedKeysConflict])
}
