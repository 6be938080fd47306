// One line of an authorized_keys file, split as sshd(8) splits it: options, type, key, comment.

/// One option of an authorized_keys line: `restrict`, or `command="..."` with its value
/// unquoted.
public struct AuthorizedKeysOption: Equatable, Sendable {
  /// The option's name as written (sshd compares names without regard to case).
  public var name: String
  /// The value between the quotes, with `\"` turned into `"` (sshd's only escape); `nil` for
  /// a flag such as `restrict`.
  public var value: String?

  /// An option.
  public init(name: String, value: String? = nil) {
    self.name = name
    self.value = value
  }
}

/// A key line of an authorized_keys file: `[options] type base64 [comment]`.
///
/// The line is split the way sshd(8) reads it (AUTHORIZED_KEYS FILE FORMAT): leading spaces
/// and tabs are skipped; a line that is empty or starts with `#` holds no key; options end at
/// the first space or tab outside double quotes; inside quotes `\"` stands for `"`. A line
/// has no options when its second word starts with `AAAA` (every key blob does, because the
/// blob starts with the type's length) and its first word has no `=` or `"`.
public struct AuthorizedKeysLine: Equatable, Sendable {
  /// The options, in order; empty when there are none.
  public var options: [AuthorizedKeysOption]
  /// The key type word, such as `ssh-ed25519`.
  public var keyType: String
  /// The key blob in base64, as written.
  public var base64: String
  /// Everything after the key, as written (may be empty or contain spaces).
  public var comment: String

  /// A line from its parts.
  public init(
    options: [AuthorizedKeysOption] = [], keyType: String, base64: String, comment: String = ""
  ) {
    self.options = options
    self.keyType = keyType
    self.base64 = base64
    self.comment = comment
  }

  /// Parses one line (without its `\n`; a trailing `\r` is ignored).
  ///
  /// `nil` for a blank line, a `#` comment, or a line sshd could not read as a key (unbalanced
  /// quotes, no key).
  public static func parse(_ line: some Collection<UInt8>) -> AuthorizedKeysLine? {
    var bytes = Array(line)
    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
    var cursor = Cursor(bytes: bytes)
    cursor.skipSpace()
    guard let first = cursor.peek, first != UInt8(ascii: "#") else { return nil }
    var options: [AuthorizedKeysOption] = []
    if !cursor.startsWithKey() {
      guard let parsed = cursor.options() else { return nil }
      options = parsed
      cursor.skipSpace()
    }
    let keyType = cursor.word()
    cursor.skipSpace()
    let base64 = cursor.word()
    cursor.skipSpace()
    guard !keyType.isEmpty, !base64.isEmpty else { return nil }
    return AuthorizedKeysLine(
      options: options, keyType: String(decoding: keyType, as: UTF8.self),
      base64: String(decoding: base64, as: UTF8.self),
      comment: String(decoding: cursor.rest(), as: UTF8.self))
  }

  /// Parses one line of text; see ``parse(_:)-(some Collection<UInt8>)``.
  public static func parse(_ line: String) -> AuthorizedKeysLine? { parse(Array(line.utf8)) }

  /// The first option called `name`, compared without regard to ASCII case as sshd does.
  public func option(_ name: String) -> AuthorizedKeysOption? {
    options.first { $0.name.lowercased() == name.lowercased() }
  }

  /// The line as text: options joined by commas (values quoted, `"` escaped), type, key,
  /// and the comment when there is one.
  public var text: String {
    let rendered = options.map { option in
      option.value.map { option.name + "=\"" + $0.replacingQuotes() + "\"" } ?? option.name
    }
    var words = rendered.isEmpty ? [] : [rendered.joined(separator: ",")]
    words += [keyType, base64]
    if !comment.isEmpty { words.append(comment) }
    return words.joined(separator: " ")
  }
}

extension String {
  fileprivate func replacingQuotes() -> String {
    var out = ""
    for character in self { out += character == "\"" ? "\\\"" : String(character) }
    return out
  }
}

/// A read position in one line's bytes.
private struct Cursor {
  let bytes: [UInt8]
  var index = 0

  var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

  static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

  mutating func skipSpace() {
    while let byte = peek, Self.isSpace(byte) { index += 1 }
  }

  /// The next word, up to a space, tab or the end.
  mutating func word() -> ArraySlice<UInt8> {
    let start = index
    while let byte = peek, !Self.isSpace(byte) { index += 1 }
    return bytes[start..<index]
  }

  /// The rest of the line.
  func rest() -> ArraySlice<UInt8> { bytes[index...] }

  /// Whether the line starts with `type base64` rather than with options.
  func startsWithKey() -> Bool {
    var probe = self
    let first = probe.word()
    probe.skipSpace()
    let second = probe.word()
    return second.starts(with: "AAAA".utf8) && !first.contains(UInt8(ascii: "="))
      && !first.contains(UInt8(ascii: "\""))
  }

  /// The comma-separated options, up to the first space or tab outside quotes.
  mutating func options() -> [AuthorizedKeysOption]? {
    var options: [AuthorizedKeysOption] = []
    while true {
      let start = index
      while let byte = peek, byte != UInt8(ascii: "="), byte != UInt8(ascii: ","),
        byte != UInt8(ascii: "\""), !Self.isSpace(byte)
      {
        index += 1
      }
      guard index > start else { return nil }
      let name = String(decoding: bytes[start..<index], as: UTF8.self)
      var value: String?
      if peek == UInt8(ascii: "=") {
        index += 1
        guard let quoted = quotedValue() else { return nil }
        value = quoted
      }
      options.append(AuthorizedKeysOption(name: name, value: value))
      guard peek == UInt8(ascii: ",") else { break }
      index += 1
    }
    guard let end = peek, Self.isSpace(end) else { return nil }
    return options
  }

  /// A `"..."` value; `\"` stands for `"`, every other byte (backslashes too) is itself.
  private mutating func quotedValue() -> String? {
    guard peek == UInt8(ascii: "\"") else { return nil }
    index += 1
    var value: [UInt8] = []
    while let byte = peek {
      index += 1
      if byte == UInt8(ascii: "\"") { return String(decoding: value, as: UTF8.self) }
      if byte == UInt8(ascii: "\\"), peek == UInt8(ascii: "\"") {
        value.append(UInt8(ascii: "\""))
        index += 1
      } else {
        value.append(byte)
      }
    }
    return nil
  }
}
