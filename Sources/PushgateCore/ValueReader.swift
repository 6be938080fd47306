// Turns the raw values of pushgate.conf into typed settings, with one message per mistake.

struct ValueReader {
  let file: String
  let values: [String: (value: String, line: Int)]

  private func fail(_ name: String, _ message: String) -> SettingsError {
    SettingsError(file: file, line: values[name]?.line, message: message)
  }

  func path(_ name: String, default fallback: String, strict: Bool = false) throws(SettingsError)
    -> String
  {
    guard let value = values[name]?.value else { return fallback }
    guard PathRules.isSafeAbsolute(value) else {
      throw fail(
        name,
        "'\(name)' must be an absolute path of letters, digits and / . _ - + , @ : "
          + "without '//', '.' or '..' parts or a trailing '/', not '\(SettingsParser.visible(value))'")
    }
    return value
  }

  func moduleName(_ name: String, default fallback: String) throws(SettingsError) -> String {
    guard let value = values[name]?.value else { return fallback }
    guard PathRules.isModuleName(value) else {
      throw fail(
        name,
        "'\(name)' must be an rsync module name (letters, digits, . _ -), not '\(SettingsParser.visible(value))'")
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

  func command(_ name: String, default fallback: [String]) throws(SettingsError) -> [String] {
    guard let value = values[name]?.value else { return fallback }
    let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard let program = words.first, PathRules.isSafeAbsolute(program) else {
      throw fail(
        name, "'\(name)' must start with the absolute path of a program; it is run without a shell")
    }
    return words
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

  func mode(_ name: String, default fallback: SnapshotMode) throws(SettingsError) -> SnapshotMode {
    guard let value = values[name]?.value else { return fallback }
    guard let mode = SnapshotMode(rawValue: value) else {
      throw fail(name, "'\(name)' must be 'wait' or 'detach', not '\(SettingsParser.visible(value))'")
    }
    return mode
  }
}
