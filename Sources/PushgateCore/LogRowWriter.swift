// The byte buffer rows are built in: escaped text, padding and numbers, without Strings.

/// Appends the pieces of a row to a byte buffer.
struct LogRowWriter {
  var bytes: [UInt8]

  /// `text` with printable ASCII kept and every other byte rendered by ``VisibleBytes``
  /// (`\n`, `\r`, `\t`, `\xHH`). A backslash is printable and kept, so the log's own escapes
  /// read the same on screen as in the file.
  mutating func visible(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      if utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) {
        bytes.append(contentsOf: utf8)
        return
      }
      for byte in utf8 {
        if byte >= 0x20 && byte <= 0x7E {
          bytes.append(byte)
        } else {
          bytes += VisibleBytes.render([byte], limit: 1).bytes
        }
      }
    }
  }

  /// Text of our own (always printable ASCII).
  mutating func plain(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// A decimal number.
  mutating func number(_ value: Int) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    let start = bytes.count
    var magnitude = value.magnitude
    repeat {
      bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
      magnitude /= 10
    } while magnitude > 0
    bytes[start...].reverse()
  }

  /// Milliseconds as seconds with one decimal: `197.0 s`.
  mutating func seconds(_ milliseconds: Int) {
    let tenths = (max(milliseconds, 0) + 50) / 100
    number(tenths / 10)
    bytes.append(UInt8(ascii: "."))
    number(tenths % 10)
    plain(" s")
  }

  /// Spaces up to `width` bytes since `start`.
  mutating func pad(from start: Int, to width: Int) {
    let used = bytes.count - start
    if used < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - used)) }
  }
}
