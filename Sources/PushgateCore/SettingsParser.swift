// Strict parser for pushgate.conf: `name = value` lines and `#` comments, every mistake named.

/// Why the settings cannot be used: a line of the file, the whole text, or the file itself
/// (unreadable, a link, not ours).
///
/// The one error type of settings, parser and loader alike.
public struct SettingsError: Error, Equatable, Sendable {
  /// The file's path as given.
  public let file: String
  /// The 1-based line, or `nil` for a problem of the whole file.
  public let line: Int?
  /// What is wrong and how to fix it.
  public let message: String
  /// Whether `message` is about the file itself and names it, a whole sentence.
  public private(set) var isAboutTheFile = false
  /// Where the failure can still be logged (``SettingsParser/bestEffortAuditLog(_:file:)``);
  /// set by the loader, empty until then.
  public var auditLog = ""

  /// A problem of the text, at `line` or of the whole file (`nil`).
  public init(file: String, line: Int?, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  /// A problem of the file itself; `sentence` names the file and the fix.
  public static func untrusted(_ file: String, _ sentence: String) -> SettingsError {
    var error = SettingsError(file: file, line: nil, message: sentence)
    error.isAboutTheFile = true
    return error
  }

  /// `file:line: message`, the form compilers and editors understand; the sentence alone for
  /// a problem of the file itself.
  public var description: String {
    if isAboutTheFile { return message }
    if let line { return "\(file):\(line): \(message)" }
    return "\(file): \(message)"
  }

  /// The failure the gate and the admin tool report.
  public var failure: Failure { .settings(detail: description) }
}

/// Parses pushgate.conf.
///
/// Unknown, repeated or malformed settings are errors, never ignored.
public enum SettingsParser {
  /// The largest settings file accepted.
  public static let maximumSize = 65536

  /// Every setting name, in the order of the manual.
  public static let names = [
    "root", "rsync", "rsyncd_conf", "push_module", "max_connections", "slot_wait", "lock_file",
    "audit_log", "io_timeout", "rsnapshot", "retain", "snapshot_on", "snapshot_mode",
    "snapshot_timeout", "snapshot_min_interval", "snapshots", "preserve", "preserve_min",
  ]

  /// Parses `contents`, read from `file`, into validated settings.
  public static func parse(_ contents: [UInt8], file: String) throws(SettingsError) -> Settings {
    guard contents.count <= maximumSize else {
      throw SettingsError(
        file: file, line: nil, message: "file is larger than \(maximumSize) bytes")
    }
    var values: [String: (value: String, line: Int)] = [:]
    var lineNumber = 0
    for rawLine in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      lineNumber += 1
      let fail = { (message: String) in
        SettingsError(file: file, line: lineNumber, message: message)
      }
      guard let text = String(validating: rawLine, as: UTF8.self) else {
        throw fail("line is not valid UTF-8")
      }
      let line = trimmed(text)
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard let equals = line.firstIndex(of: "=") else {
        throw fail("expected 'name = value', found no '='")
      }
      let name = trimmed(String(line[..<equals]))
      let value = trimmed(String(line[line.index(after: equals)...]))
      guard names.contains(name) else {
        let hint = suggestion(for: name).map { "; did you mean '\($0)'?" } ?? ""
        throw fail("unknown setting '\(visible(name))'\(hint)")
      }
      if let earlier = values[name] {
        throw fail("'\(name)' is already set on line \(earlier.line); keep one of the two")
      }
      guard !value.isEmpty else { throw fail("'\(name)' needs a value") }
      guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
        throw fail("'\(name)' contains a control character")
      }
      values[name] = (value, lineNumber)
    }
    guard let root = values["root"] else {
      throw SettingsError(
        file: file, line: nil, message: "'root' is required; add a line such as 'root = /backup'")
    }
    var settings = Settings(root: root.value)
    let reader = ValueReader(file: file, values: values)
    settings.root = try reader.path("root", default: settings.root)
    settings.rsync = try reader.path("rsync", default: settings.rsync)
    settings.rsyncdConf = try reader.path("rsyncd_conf", default: settings.rsyncdConf)
    settings.pushModule = try reader.moduleName("push_module", default: settings.pushModule)
    settings.maxConnections = try reader.number(
      "max_connections", 1...1000, default: settings.maxConnections)
    settings.slotWait = try reader.number("slot_wait", 0...86400, default: 0)
    settings.lockFile = try reader.path("lock_file", default: settings.lockFile)
    settings.auditLog = try reader.path("audit_log", default: settings.auditLog)
    settings.ioTimeout = try reader.number("io_timeout", 0...86400, default: 600)
    settings.rsnapshot = try reader.path("rsnapshot", default: settings.rsnapshot)
    settings.retain = try reader.retain("retain", default: settings.retain)
    settings.snapshotOn = try reader.statuses("snapshot_on", default: [0])
    settings.snapshotMode = try reader.choice("snapshot_mode", default: SnapshotMode.wait)
    settings.snapshotTimeout = try reader.number("snapshot_timeout", 1...604800, default: 3600)
    settings.snapshotMinInterval = try reader.duration(
      "snapshot_min_interval", 0...(366 * 86400), default: 0)
    settings.snapshots = try reader.choice("snapshots", default: SnapshotEngine.rsnapshot)
    settings.preserve = try reader.parsed(
      "preserve", default: .defaults, Preserve.parse,
      expected: "counts of h, d, w, m or y (btrbk's form) such as '24h 30d 12w 12m', or 'no'")
    settings.preserveMin = try reader.parsed(
      "preserve_min", default: .defaults, PreserveMin.parse,
      expected: "'all', 'latest', 'no' or a count of h, d, w, m (months) or y such as '1d'")
    return settings
  }

  /// Where the audit log of a broken file would be, so a refusal can still be recorded there.
  ///
  /// Reads `audit_log` or `root` when they parse, else uses the directory of `file`.
  public static func bestEffortAuditLog(_ contents: [UInt8], file: String) -> String {
    var found: [String: String] = [:]
    for rawLine in contents.prefix(maximumSize).split(separator: UInt8(ascii: "\n")) {
      guard let text = String(validating: rawLine, as: UTF8.self),
        let equals = text.firstIndex(of: "=")
      else { continue }
      let name = trimmed(String(text[..<equals]))
      let value = trimmed(String(text[text.index(after: equals)...]))
      if (name == "audit_log" || name == "root") && found[name] == nil
        && PathRules.isSafeAbsolute(value)
      {
        found[name] = value
      }
    }
    if let log = found["audit_log"] { return log }
    if let root = found["root"] { return root + "/pushgate.log" }
    let directory = file.split(separator: "/", omittingEmptySubsequences: false).dropLast()
      .joined(separator: "/")
    guard file.contains("/") else { return "./pushgate.log" }
    return directory + "/pushgate.log"  // "" for a file in /, giving /pushgate.log
  }

  static func trimmed(_ text: String) -> String {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
    var slice = Substring(text)
    while let first = slice.first, isBlank(first) { slice = slice.dropFirst() }
    while let last = slice.last, isBlank(last) { slice = slice.dropLast() }
    return String(slice)
  }

  /// `text` as an error message may quote it: control bytes and non-ASCII escaped, at most 64
  /// bytes.
  ///
  /// Public for the admin tool's messages about the same values.
  public static func visible(_ text: String) -> String {
    String(decoding: VisibleBytes.render(Array(text.utf8), limit: 64).bytes, as: UTF8.self)
  }

  /// The known name closest to a typo (edit distance at most 3).
  static func suggestion(for name: String) -> String? {
    let candidates = names.map { ($0, editDistance(Array($0.utf8), Array(name.utf8))) }
    guard let best = candidates.min(by: { $0.1 < $1.1 }), best.1 <= 3 else { return nil }
    return best.0
  }

  static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
      var current = [i + 1] + Array(repeating: 0, count: b.count)
      for (j, y) in b.enumerated() {
        current[j + 1] = Swift.min(
          previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}
