// Turns the raw values of pushgate.conf into typed settings, with one message per mistake.

struct ValueReader {
  let file: String
  let values: [String: (value: String, line: Int)]

  private func fail(_ name: String, _ message: String) -> SettingsError {
    SettingsError(file: file, line: values[name]?.line, message: message)
  }

  func path(_ name: String, default fallback: String) throws(SettingsError)
    -> String
  {
    guard let value = values[name]?.value else { return fallback }
    guard PathRules.isSafeAbsolute(value) else {
      throw fail(
        name,
        "'\(name)' must be an absolute path of letters, digits and / . _ - + , @ : "
          + "without '//', '.' or '..' parts or a trailing '/', not '\(SettingsParser.visible(value))'"
      )
    }
    return value
  }

  func moduleName(_ name: String, default fallback: String) throws(SettingsError) -> String {
    guard let value = values[name]?.value else { return fallback }
    guard PathRules.isModuleName(value) else {
      throw fail(
        name,
        "'\(name)' must be an rsync module name (letters, digits, . _ -), not '\(SettingsParser.visible(value))'"
      )
    }
    return value
  }

  func number(_ name: String, _ range: ClosedRange<Int>, default fallback: Int)
    throws(SettingsError) -> Int
  {
    guard let value = values[name]?.value else { return fallback }
    guard value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      value.utf8.count <= 9, let number = Int(value), range.contains(number)
    else {
      throw fail(
        name,
        "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), "
          + "not '\(SettingsParser.visible(value))'")
    }
    return number
  }

  /// `LEVEL=COUNT` words, lowest level first, with rsnapshot's rules (see ``RetainLevel``).
  func retain(_ name: String, default fallback: [RetainLevel]) throws(SettingsError)
    -> [RetainLevel]
  {
    guard let value = values[name]?.value else { return fallback }
    let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    do {
      let first = words.first.map { String($0.prefix { $0 != "=" }) } ?? ""
      return try RetainLevel.levels(interval: first, retain: words)
    } catch {
      throw fail(name, "'\(name)': \(error.message) (such as 'hourly=24 daily=7 weekly=4')")
    }
  }

  /// A duration such as `0`, `90s`, `30m`, `1h` or `2d` (see ``AgeText/seconds(_:)``).
  func duration(_ name: String, _ range: ClosedRange<Int>, default fallback: Int)
    throws(SettingsError) -> Int
  {
    guard let value = values[name]?.value else { return fallback }
    guard let seconds = AgeText.seconds(value), range.contains(seconds) else {
      throw fail(
        name,
        "'\(name)' must be a duration such as 0, 90s, 30m, 1h or 2d, at most 366d, "
          + "not '\(SettingsParser.visible(value))'")
    }
    return seconds
  }

  func statuses(_ name: String, default fallback: [Int32]) throws(SettingsError) -> [Int32] {
    guard let value = values[name]?.value else { return fallback }
    var result: [Int32] = []
    for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
      guard word.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
        word.utf8.count <= 3, let status = Int32(word), status <= 255
      else {
        throw fail(
          name,
          "'\(name)' must list rsync exit statuses (0-255) separated by spaces, such as '0 24', "
            + "not '\(SettingsParser.visible(value))'")
      }
      if !result.contains(status) { result.append(status) }
    }
    return result
  }

  /// `name` read by `parse`; otherwise the error says it `must be` what `expected` says.
  ///
  /// For btrbk's `preserve` (Preserve.parse) and `preserve_min` (PreserveMin.parse).
  func parsed<Value>(
    _ name: String, default fallback: Value, _ parse: (String) -> Value?, expected: String
  ) throws(SettingsError) -> Value {
    guard let value = values[name]?.value else { return fallback }
    guard let parsed = parse(value) else {
      throw fail(name, "'\(name)' must be \(expected), not '\(SettingsParser.visible(value))'")
    }
    return parsed
  }

  /// One of `Choice`'s raw values, such as `wait` or `detach`.
  func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, default fallback: Choice)
    throws(SettingsError) -> Choice where Choice.RawValue == String
  {
    guard let value = values[name]?.value else { return fallback }
    guard let choice = Choice(rawValue: value) else {
      let names = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")
      throw fail(name, "'\(name)' must be \(names), not '\(SettingsParser.visible(value))'")
    }
    return choice
  }
}
