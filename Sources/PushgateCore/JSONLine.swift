// A tiny writer for one flat JSON object per line, keys in the order they are added.

/// Builds one JSON Lines record.
///
/// Strings are rendered as visible ASCII first, then escaped.
public struct JSONLine: Sendable {
  private var bytes: [UInt8] = [UInt8(ascii: "{")]

  /// An empty record.
  public init() {}

  private mutating func key(_ name: StaticString) {
    if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
    bytes.append(UInt8(ascii: "\""))
    name.withUTF8Buffer { bytes += $0 }
    bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
  }

  /// Adds a string field; its bytes are made visible (and cut at `limit`) before escaping.
  public mutating func add(_ name: StaticString, _ value: [UInt8], limit: Int = 256) {
    key(name)
    bytes.append(UInt8(ascii: "\""))
    for byte in VisibleBytes.render(value, limit: limit).bytes {
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
        bytes.append(UInt8(ascii: "\\"))
      }
      bytes.append(byte)
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// Adds a string field that is already visible ASCII (read back from a hook's evidence line):
  /// only JSON-escaped, so a tab the hook saw as `\t` is `\\t` in the file and reads `\t` through a
  /// JSON reader, not `\\t`.
  ///
  /// A byte that is not printable ASCII still becomes `\xHH`; the value is cut at `limit` bytes,
  /// never inside an escape.
  public mutating func add(_ name: StaticString, visible value: String, limit: Int = 256) {
    key(name)
    bytes.append(UInt8(ascii: "\""))
    let visible = VisibleBytes.escaped(Array(value.utf8))
    var index = 0
    while index < visible.count {
      var width = 1
      if visible[index] == UInt8(ascii: "\\") {
        width = index + 1 < visible.count && visible[index + 1] == UInt8(ascii: "x") ? 4 : 2
      }
      guard index + width <= Swift.min(limit, visible.count) else { break }
      for byte in visible[index..<(index + width)] {
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
          bytes.append(UInt8(ascii: "\\"))
        }
        bytes.append(byte)
      }
      index += width
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// Adds a string field.
  public mutating func add(_ name: StaticString, _ value: String, limit: Int = 256) {
    add(name, Array(value.utf8), limit: limit)
  }

  /// Adds an integer field.
  public mutating func add(_ name: StaticString, _ value: Int) {
    key(name)
    bytes += Array(String(value).utf8)
  }

  /// Adds a boolean field.
  public mutating func add(_ name: StaticString, _ value: Bool) {
    key(name)
    bytes += Array((value ? "true" : "false").utf8)
  }

  /// The finished record, ending in a newline.
  public var line: [UInt8] { bytes + [UInt8(ascii: "}"), UInt8(ascii: "\n")] }
}
