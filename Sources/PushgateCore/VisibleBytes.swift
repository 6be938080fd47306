// Renders untrusted bytes as visible ASCII before they reach a log or a terminal.

/// Untrusted bytes turned into printable ASCII: `\n`, `\r`, `\t`, `\\` and `\xHH` for every byte
/// outside 0x20–0x7E.
///
/// The result can never move a cursor, end a line or break JSON beyond `"`.
public struct VisibleBytes: Equatable, Sendable {
  /// The rendered, printable ASCII bytes.
  public let bytes: [UInt8]
  /// Whether the input was cut at the limit before rendering.
  public let isTruncated: Bool

  /// Renders at most `limit` input bytes of `input`.
  public static func render(_ input: [UInt8], limit: Int = 256) -> VisibleBytes {
    var output: [UInt8] = []
    output.reserveCapacity(Swift.min(input.count, limit) + 8)
    for byte in input.prefix(limit) {
      switch byte {
      case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0x20...0x7E: output.append(byte)
      default: appendHex(byte, to: &output)
      }
    }
    return VisibleBytes(bytes: output, isTruncated: input.count > limit)
  }

  /// The rendering as a `String` (always valid ASCII).
  public var text: String { String(decoding: bytes, as: UTF8.self) }

  /// What ``escaped(_:keeping:)`` may leave as it is, besides printable ASCII.
  public struct Kept: OptionSet, Sendable {
    /// The raw value.
    public let rawValue: Int
    /// Creates a set from its raw value.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Line feeds: the line structure of our own output.
    public static let newlines = Kept(rawValue: 1)
    /// Valid UTF-8 characters from U+00A0 up (never a C1 control, never a broken sequence).
    public static let unicode = Kept(rawValue: 2)
  }

  /// `text` safe to show: printable ASCII (a backslash included) and what `kept` allows stay as
  /// they are; every other byte — C0 controls, DEL, C1 controls (U+0080–U+009F, and the raw
  /// bytes 0x80–0x9F), and every byte of invalid UTF-8 — becomes `\xHH` (`\n`, `\r`, `\t`
  /// for those three).
  ///
  /// Unlike ``render(_:limit:)`` a backslash is kept, so text that is already visible (the
  /// log's own `\x1b`) reads the same, and escaping twice changes nothing. This is the one
  /// function every byte passes before it reaches root's terminal.
  public static func escaped(_ text: some Collection<UInt8>, keeping kept: Kept = []) -> [UInt8] {
    if text.allSatisfy({ isPrintable($0) || ($0 == 0x0A && kept.contains(.newlines)) }) {
      return Array(text)
    }
    var output: [UInt8] = []
    output.reserveCapacity(text.count + 16)
    let bytes = Array(text)
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if isPrintable(byte) || (byte == 0x0A && kept.contains(.newlines)) {
        output.append(byte)
        index += 1
      } else if byte >= 0x80, kept.contains(.unicode), let length = scalarLength(bytes, at: index) {
        output += bytes[index..<(index + length)]
        index += length
      } else {
        switch byte {
        case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        default: appendHex(byte, to: &output)
        }
        index += 1
      }
    }
    return output
  }

  /// `text` through ``escaped(_:keeping:)``, as a `String`.
  public static func escaped(_ text: String, keeping kept: Kept = []) -> String {
    String(decoding: escaped(Array(text.utf8), keeping: kept), as: UTF8.self)
  }

  /// The length of the valid UTF-8 sequence at `index` when it encodes a character from U+00A0
  /// up that does not reorder what follows it; `nil` for a C1 control, a bidirectional
  /// formatting character, a broken, overlong or surrogate sequence.
  static func scalarLength(_ bytes: [UInt8], at index: Int) -> Int? {
    var iterator = bytes[index...].makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    guard case .valid(let encoded) = parser.parseScalar(from: &iterator) else { return nil }
    let value = Unicode.UTF8.decode(encoded).value
    return value >= 0xA0 && !isBidiControl(value) ? encoded.count : nil
  }

  /// The bidirectional formatting characters (Unicode's Bidi_Control): a key comment or a
  /// module name holding U+202E would show the rest of root's line reversed ("Trojan Source").
  static func isBidiControl(_ value: UInt32) -> Bool {
    value == 0x061C || value == 0x200E || value == 0x200F || (0x202A...0x202E).contains(value)
      || (0x2066...0x2069).contains(value)
  }

  private static func isPrintable(_ byte: UInt8) -> Bool { byte >= 0x20 && byte <= 0x7E }

  private static let hex = Array("0123456789abcdef".utf8)

  private static func appendHex(_ byte: UInt8, to output: inout [UInt8]) {
    output += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
  }
}
