// One audit log line made safe to print as JSON: strictly parsed, and re-written in printable
// ASCII when it holds anything else.
//
// The log is the backup account's file, so a line may hold any bytes. A line that is not a
// JSON object (RFC 8259) is refused; a valid one made only of printable ASCII is returned as
// it is; any other valid one is re-written without whitespace, with every control character,
// DEL and non-ASCII character as `\uXXXX` (`\n`, `\r`, `\t` for those three) and every byte of
// invalid UTF-8 as the visible text `\xHH` (`\\xHH` in JSON), as the gate itself writes them.
import PushgateCore

/// Turns an audit log line into printable-ASCII JSON.
public enum SafeJSON {
  /// The deepest nesting accepted (the gate writes flat records).
  static let maximumDepth = 32

  /// `line` as printable-ASCII JSON, or `nil` when it is not a JSON object.
  public static func object(_ line: some Collection<UInt8>) -> [UInt8]? {
    var parser = Parser(input: Array(line))
    parser.skipSpace()
    guard parser.peek == UInt8(ascii: "{"), parser.value(depth: 0) else { return nil }
    parser.skipSpace()
    guard parser.index == parser.input.count else { return nil }
    return parser.input.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) ? parser.input : parser.output
  }

  private struct Parser {
    let input: [UInt8]
    var index = 0
    var output: [UInt8] = []

    init(input: [UInt8]) {
      self.input = input
      output.reserveCapacity(input.count + 16)
    }

    var peek: UInt8? { index < input.count ? input[index] : nil }

    mutating func skipSpace() {
      while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
        index += 1
      }
    }

    mutating func take(_ byte: UInt8) -> Bool {
      guard peek == byte else { return false }
      index += 1
      output.append(byte)
      return true
    }

    mutating func value(depth: Int) -> Bool {
      skipSpace()
      switch peek {
      case UInt8(ascii: "{")?: return container(close: UInt8(ascii: "}"), keyed: true, depth: depth)
      case UInt8(ascii: "[")?:
        return container(close: UInt8(ascii: "]"), keyed: false, depth: depth)
      case UInt8(ascii: "\"")?: return string()
      case UInt8(ascii: "t")?: return literal("true")
      case UInt8(ascii: "f")?: return literal("false")
      case UInt8(ascii: "n")?: return literal("null")
      default: return number()
      }
    }

    mutating func container(close: UInt8, keyed: Bool, depth: Int) -> Bool {
      guard depth < SafeJSON.maximumDepth else { return false }
      index += 1
      output.append(close == UInt8(ascii: "}") ? UInt8(ascii: "{") : UInt8(ascii: "["))
      skipSpace()
      if take(close) { return true }
      while true {
        if keyed {
          skipSpace()
          guard peek == UInt8(ascii: "\""), string() else { return false }
          skipSpace()
          guard take(UInt8(ascii: ":")) else { return false }
        }
        guard value(depth: depth + 1) else { return false }
        skipSpace()
        if take(UInt8(ascii: ",")) { continue }
        return take(close)
      }
    }

    mutating func literal(_ word: StaticString) -> Bool {
      let bytes = word.withUTF8Buffer { Array($0) }
      guard input.dropFirst(index).starts(with: bytes) else { return false }
      index += bytes.count
      output += bytes
      return true
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, copied as it is.
    mutating func number() -> Bool {
      let start = index
      _ = skip { $0 == UInt8(ascii: "-") }
      if peek == UInt8(ascii: "0") {
        index += 1
      } else if skipDigits() == 0 {
        return false
      }
      if peek == UInt8(ascii: ".") {
        index += 1
        guard skipDigits() > 0 else { return false }
      }
      if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
        index += 1
        _ = skip { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        guard skipDigits() > 0 else { return false }
      }
      output += input[start..<index]
      return true
    }

    mutating func skip(_ accepted: (UInt8) -> Bool) -> Bool {
      guard let byte = peek, accepted(byte) else { return false }
      index += 1
      return true
    }

    mutating func skipDigits() -> Int {
      var count = 0
      while skip({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { count += 1 }
      return count
    }

    /// A string: escapes decoded, raw control characters refused (as JSON requires), then
    /// written again in printable ASCII.
    mutating func string() -> Bool {
      index += 1
      var decoded: [UInt8] = []
      while let byte = peek {
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          write(decoded)
          return true
        case 0..<0x20: return false
        case UInt8(ascii: "\\"):
          guard let escape = peek else { return false }
          index += 1
          switch escape {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
          case UInt8(ascii: "b"): decoded.append(0x08)
          case UInt8(ascii: "f"): decoded.append(0x0C)
          case UInt8(ascii: "n"): decoded.append(0x0A)
          case UInt8(ascii: "r"): decoded.append(0x0D)
          case UInt8(ascii: "t"): decoded.append(0x09)
          case UInt8(ascii: "u"):
            guard let scalar = unicodeEscape() else { return false }
            decoded += Array(String(Character(scalar)).utf8)
          default: return false
          }
        default: decoded.append(byte)
        }
      }
      return false
    }

    /// The character of `\uXXXX` (and of a following low surrogate); a lone surrogate is
    /// U+FFFD.
    mutating func unicodeEscape() -> Unicode.Scalar? {
      guard let high = hex4() else { return nil }
      guard (0xD800..<0xDC00).contains(high) else {
        return Unicode.Scalar(high) ?? "\u{FFFD}"
      }
      let mark = index
      if input.dropFirst(index).starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) {
        index += 2
        if let low = hex4(), (0xDC00..<0xE000).contains(low) {
          return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        index = mark
      }
      return "\u{FFFD}"
    }

    mutating func hex4() -> UInt32? {
      guard index + 4 <= input.count,
        let value = UInt32(String(decoding: input[index..<(index + 4)], as: UTF8.self), radix: 16),
        input[index..<(index + 4)].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }
        )
      else { return nil }
      index += 4
      return value
    }

    /// Writes decoded string bytes as a printable-ASCII JSON string.
    mutating func write(_ bytes: [UInt8]) {
      output.append(UInt8(ascii: "\""))
      var position = 0
      while position < bytes.count {
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), byte]
        case 0x20...0x7E: output.append(byte)
        case 0x0A: output += Array(#"\n"#.utf8)
        case 0x0D: output += Array(#"\r"#.utf8)
        case 0x09: output += Array(#"\t"#.utf8)
        case 0..<0x80: unicode(UInt32(byte))
        default:
          var iterator = bytes[position...].makeIterator()
          var parser = Unicode.UTF8.ForwardParser()
          if case .valid(let encoded) = parser.parseScalar(from: &iterator) {
            let scalar = Unicode.UTF8.decode(encoded).value
            if scalar > 0xFFFF {
              unicode(0xD800 + ((scalar - 0x10000) >> 10))
              unicode(0xDC00 + ((scalar - 0x10000) & 0x3FF))
            } else {
              unicode(scalar)
            }
            position += encoded.count
            continue
          }
          // Invalid UTF-8 has no JSON form: the visible text `\xHH`, as the gate writes it.
          output += Array(#"\\x"#.utf8) + VisibleBytes.render([byte], limit: 1).bytes.suffix(2)
        }
        position += 1
      }
      output.append(UInt8(ascii: "\""))
    }

    mutating func unicode(_ value: UInt32) {
      let hex = Array("0123456789abcdef".utf8)
      output += Array(#"\u"#.utf8)
      for shift in stride(from: 12, through: 0, by: -4) {
        output.append(hex[Int((value >> UInt32(shift)) & 15)])
      }
    }
  }
}
