// Reading audit records back: a flat JSON object per line, fields decoded only when asked for.
import PushgateCore

/// One record read back from the audit log.
///
/// Parsing only finds where each field's key and value are; values are decoded when asked for,
/// so scanning a million records stays cheap. Unknown fields are kept and ignored.
public struct AuditEntry: Sendable {
  /// The record's bytes, without the newline.
  public let bytes: [UInt8]
  private let spans: [Span]

  private struct Span: Sendable {
    let key: Range<Int>
    let value: Range<Int>
    let kind: Kind
  }

  private enum Kind: Sendable { case string, number, literal, nested }

  /// Parses one line; `nil` when it is not a complete flat JSON object (a partial last line,
  /// a line edited by hand, garbage).
  public init?(_ line: some Collection<UInt8>) {
    let bytes = Array(line)
    var parser = FlatJSONParser(bytes: bytes)
    guard let spans = parser.parseObject() else { return nil }
    self.bytes = bytes
    self.spans = spans.map { Span(key: $0.key, value: $0.value, kind: Self.kind($0.kind)) }
  }

  private static func kind(_ kind: FlatJSONParser.ValueKind) -> Kind {
    switch kind {
    case .string: .string
    case .number: .number
    case .literal: .literal
    case .nested: .nested
    }
  }

  private func span(_ name: String) -> Span? {
    // Compare in place: no allocation per lookup, which matters over a million records.
    let key = name.utf8
    for span in spans where span.key.count == key.count && bytes[span.key].elementsEqual(key) {
      return span
    }
    return nil
  }

  /// A string field, unescaped; `nil` when absent or not a string.
  public func string(_ name: String) -> String? {
    guard let span = span(name), span.kind == .string else { return nil }
    return FlatJSONParser.unescape(bytes[span.value])
  }

  /// An integer field; `nil` when absent or not an integer.
  public func int(_ name: String) -> Int? {
    guard let span = span(name), span.kind == .number else { return nil }
    return Int(String(decoding: bytes[span.value], as: UTF8.self))
  }

  /// A boolean field; `nil` when absent or not `true`/`false`.
  public func bool(_ name: String) -> Bool? {
    guard let span = span(name), span.kind == .literal else { return nil }
    if bytes[span.value].elementsEqual("true".utf8) { return true }
    if bytes[span.value].elementsEqual("false".utf8) { return false }
    return nil
  }

  /// Whether string field `name` equals `value`, compared as bytes without decoding.
  public func has(_ name: String, _ value: String) -> Bool {
    guard let span = span(name), span.kind == .string else { return false }
    let raw = bytes[span.value]
    if !raw.contains(UInt8(ascii: "\\")) { return raw.elementsEqual(value.utf8) }
    return FlatJSONParser.unescape(raw) == value
  }

  /// `event`.
  public var event: String? { string("event") }
  /// `session`.
  public var session: String? { string("session") }
  /// `key`.
  public var key: String? { string("key") }
  /// `time` as seconds since the epoch, when well formed.
  public var time: Int? { string("time").flatMap(Timestamp.parse) }
}

/// A minimal parser for one flat JSON object: string, number, literal or (skipped) nested values.
struct FlatJSONParser {
  enum ValueKind { case string, number, literal, nested }

  let bytes: [UInt8]
  var index = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func parseObject() -> [(key: Range<Int>, value: Range<Int>, kind: ValueKind)]? {
    var fields: [(key: Range<Int>, value: Range<Int>, kind: ValueKind)] = []
    skipSpace()
    guard take(UInt8(ascii: "{")) else { return nil }
    skipSpace()
    if take(UInt8(ascii: "}")) { return atEnd() ? fields : nil }
    while true {
      skipSpace()
      guard let key = stringBody() else { return nil }
      skipSpace()
      guard take(UInt8(ascii: ":")) else { return nil }
      skipSpace()
      guard let value = self.value() else { return nil }
      fields.append((key, value.range, value.kind))
      skipSpace()
      if take(UInt8(ascii: ",")) { continue }
      guard take(UInt8(ascii: "}")) else { return nil }
      return atEnd() ? fields : nil
    }
  }

  private mutating func atEnd() -> Bool {
    skipSpace()
    return index == bytes.count
  }

  private mutating func skipSpace() {
    while index < bytes.count,
      bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D || bytes[index] == 0x0A
    {
      index += 1
    }
  }

  private mutating func take(_ byte: UInt8) -> Bool {
    guard index < bytes.count, bytes[index] == byte else { return false }
    index += 1
    return true
  }

  /// The range between the quotes of a string, escapes left in place.
  private mutating func stringBody() -> Range<Int>? {
    guard take(UInt8(ascii: "\"")) else { return nil }
    let start = index
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "\""):
        index += 1
        return start..<(index - 1)
      case UInt8(ascii: "\\"): index += 2
      case 0..<0x20: return nil
      default: index += 1
      }
    }
    return nil
  }

  private mutating func value() -> (range: Range<Int>, kind: ValueKind)? {
    guard index < bytes.count else { return nil }
    switch bytes[index] {
    case UInt8(ascii: "\""):
      return stringBody().map { ($0, .string) }
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let start = index
      while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
      return (start..<index, .number)
    case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
      let start = index
      while index < bytes.count, bytes[index] >= UInt8(ascii: "a"),
        bytes[index] <= UInt8(ascii: "z")
      {
        index += 1
      }
      let word = bytes[start..<index]
      guard
        word.elementsEqual("true".utf8) || word.elementsEqual("false".utf8)
          || word.elementsEqual("null".utf8)
      else { return nil }
      return (start..<index, .literal)
    case UInt8(ascii: "["), UInt8(ascii: "{"):
      return skipNested().map { ($0, .nested) }
    default:
      return nil
    }
  }

  private static func isNumberByte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
      || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
      || byte == UInt8(ascii: "E")
  }

  /// Skips a nested array or object (a field a later version may add), respecting strings.
  private mutating func skipNested() -> Range<Int>? {
    let start = index
    var depth = 0
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
      case UInt8(ascii: "]"), UInt8(ascii: "}"):
        depth -= 1
        if depth == 0 {
          index += 1
          return start..<index
        }
      case UInt8(ascii: "\""):
        guard stringBody() != nil else { return nil }
        continue
      default: break
      }
      index += 1
    }
    return nil
  }

  /// Decodes JSON string escapes; invalid escapes and lone surrogates become U+FFFD.
  static func unescape(_ raw: ArraySlice<UInt8>) -> String {
    guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
    var out: [UInt8] = []
    var i = raw.startIndex
    while i < raw.endIndex {
      let byte = raw[i]
      guard byte == UInt8(ascii: "\\"), i + 1 < raw.endIndex else {
        out.append(byte)
        i += 1
        continue
      }
      let escape = raw[i + 1]
      i += 2
      switch escape {
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "u"):
        let hex = String(decoding: raw[i..<min(i + 4, raw.endIndex)], as: UTF8.self)
        i = min(i + 4, raw.endIndex)
        let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) ?? "\u{FFFD}"
        out += Array(String(Character(scalar)).utf8)
      default: out.append(escape)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
