// Renders untrusted bytes as visible ASCII before they reach a log or a terminal.

/// Untrusted bytes turned into printable ASCII: `\n`, `\r`, `\t`, `\\` and `\xHH` for every byte
/// outside 0x20–0x7E. The result can never move a cursor, end a line or break JSON beyond `"`.
public struct VisibleBytes: Equatable, Sendable {
  /// The rendered, printable ASCII bytes.
  public let bytes: [UInt8]
  /// Whether the input was cut at the limit before rendering.
  public let isTruncated: Bool

  /// Renders at most `limit` input bytes of `input`.
  public static func render(_ input: [UInt8], limit: Int = 256) -> VisibleBytes {
    var output: [UInt8] = []
    output.reserveCapacity(Swift.min(input.count, limit) + 8)
    let hex = Array("0123456789abcdef".utf8)
    for byte in input.prefix(limit) {
      switch byte {
      case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0x20...0x7E: output.append(byte)
      default:
        output += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
      }
    }
    return VisibleBytes(bytes: output, isTruncated: input.count > limit)
  }

  /// The rendering as a `String` (always valid ASCII).
  public var text: String { String(decoding: bytes, as: UTF8.self) }
}
