// The byte buffer rows are built in: escaped text, padding and numbers, without Strings.
import PushgateCore

/// Appends the pieces of a row to a byte buffer.
struct LogRowWriter {
  var bytes: [UInt8]
  /// Where the current part of the row began: ``gap()`` and ``space()`` separate only from
  /// something written after it.
  var mark = 0

  /// Two spaces between pieces of the details, unless nothing follows ``mark`` yet.
  mutating func gap() {
    if bytes.count > mark { plain("  ") }
  }

  /// One space, unless nothing follows ``mark`` yet.
  mutating func space() {
    if bytes.count > mark { plain(" ") }
  }

  /// `text` with printable ASCII kept and every other byte rendered as `\xHH` (`\n`, `\r`, `\t`) by
  /// ``VisibleBytes/escaped(_:keeping:)``.
  ///
  /// A backslash is printable and kept, so the log's own escapes read the same on screen as in the
  /// file.
  mutating func visible(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      if utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) {
        bytes.append(contentsOf: utf8)
        return
      }
      bytes += VisibleBytes.escaped(utf8)
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

  /// A byte count as people read it: `512 B`, `1.2 kB`, `340.0 MB`, `2.1 GB` (powers of 1000,
  /// as rsync's `--human-readable` prints them).
  mutating func size(_ count: Int) {
    // An edited log may hold any number: clamp, so the rounding below cannot overflow.
    let count = min(max(count, 0), Int.max / 2)
    guard count >= 1000 else {
      number(count)
      plain(" B")
      return
    }
    var unit = 1000
    var index = 0
    // Round to tenths first, so 999,960 bytes reads 1.0 MB rather than 1000.0 kB.
    while index < Self.units.count - 1, (count + unit / 20) / unit >= 1000 {
      unit *= 1000
      index += 1
    }
    let tenths = (count + unit / 20) / (unit / 10)
    number(tenths / 10)
    bytes.append(UInt8(ascii: "."))
    number(tenths % 10)
    plain(" ")
    plain(Self.units[index])
  }

  private static let units: [StaticString] = ["kB", "MB", "GB", "TB", "PB", "EB"]

  /// Spaces up to `width` bytes since `start`.
  mutating func pad(from start: Int, to width: Int) {
    let used = bytes.count - start
    if used < width {
      bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - used))
    }
  }
}
