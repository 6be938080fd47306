// A small strict JSON checker for audit lines, kept in-process (no external tools).

/// A strict reader for one flat JSON object ending in exactly one newline.
///
/// Values come back decoded (strings) or as written (numbers, booleans); `nil` if the line is
/// not valid JSON of that shape.
func flatJSON(_ line: [UInt8]) -> [(key: String, value: String)]? {
  guard line.last == 0x0A else { return nil }
  let s = Array(line.dropLast())
  var i = 0
  func take(_ byte: UInt8) -> Bool {
    guard i < s.count, s[i] == byte else { return false }
    i += 1
    return true
  }
  func string() -> String? {
    guard take(0x22) else { return nil }
    var out: [UInt8] = []
    while i < s.count {
      let c = s[i]
      i += 1
      switch c {
      case 0x22: return String(validating: out, as: UTF8.self)
      case 0x00..<0x20: return nil
      case 0x5C:
        guard i < s.count else { return nil }
        let e = s[i]
        i += 1
        let simple: [UInt8: UInt8] = [
          0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 8, 0x66: 12, 0x6E: 10, 0x72: 13, 0x74: 9,
        ]
        if let plain = simple[e] {
          out.append(plain)
        } else if e == 0x75, i + 4 <= s.count,
          let v = UInt32(String(decoding: s[i..<i + 4], as: UTF8.self), radix: 16),
          let scalar = Unicode.Scalar(v)
        {
          out += Array(String(scalar).utf8)
          i += 4
        } else {
          return nil
        }
      default: out.append(c)
      }
    }
    return nil
  }
  func scalar() -> String? {
    if i < s.count, s[i] == 0x22 { return string() }
    let start = i
    while i < s.count, s[i] != 0x2C, s[i] != 0x7D { i += 1 }
    let word = String(decoding: s[start..<i], as: UTF8.self)
    if word == "true" || word == "false" || word == "null" { return word }
    let digits = word.hasPrefix("-") ? word.dropFirst() : Substring(word)
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
      digits == "0" || !digits.hasPrefix("0")
    else { return nil }
    return word
  }
  guard take(0x7B) else { return nil }
  var fields: [(key: String, value: String)] = []
  if take(0x7D) { return i == s.count ? fields : nil }
  repeat {
    guard let key = string(), take(0x3A), let value = scalar(),
      !fields.contains(where: { $0.key == key })
    else { return nil }
    fields.append((key, value))
  } while take(0x2C)
  guard take(0x7D), i == s.count else { return nil }
  return fields
}
