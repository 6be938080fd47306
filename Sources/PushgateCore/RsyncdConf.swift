// A small reader for rsyncd.conf, enough for `pushgate doctor` to see what rsync will see.
//
// It follows rsync's own rules (params.c, loadparm.c): a `[name]` line starts a module, lines
// before the first module (and inside `[global]`) are global; `name = value` with only the
// first `=` significant; `#` or `;` as the first non-blank character starts a comment; a line
// ending in `\` continues on the next; parameter names ignore case and blanks. Underscores are
// not blanks: rsync 3.5.0 ignored `read_only` and `pre_xfer_exec` (seen, not read).
// A module named twice is one module; a parameter set twice keeps its last value.
// `&include` and `&merge` lines are recorded, never followed.

/// rsyncd.conf as rsync reads it: global parameters and modules.
public struct RsyncdConf: Equatable, Sendable {
  /// One `name = value` line.
  public struct Parameter: Equatable, Sendable {
    /// The name as written.
    public let name: String
    /// The value, trimmed.
    public let value: String
    /// The 1-based line where the parameter starts.
    public let line: Int

    /// Creates a parameter.
    public init(name: String, value: String, line: Int) {
      self.name = name
      self.value = value
      self.line = line
    }
  }

  /// The global section or one module.
  public struct Section: Equatable, Sendable {
    /// The module name (`""` for the global section).
    public let name: String
    /// The line of its first `[name]` header (0 for the global section).
    public let line: Int
    /// Its parameters in file order, repeats included.
    public var parameters: [Parameter] = []

    /// The last value set for `name` (compared as rsync does), if any.
    public func parameter(_ name: String) -> Parameter? {
      let key = RsyncdConf.key(name)
      return parameters.last { RsyncdConf.key($0.name) == key }
    }
  }

  /// Global parameters: daemon settings and defaults for every module.
  public var global = Section(name: "", line: 0)
  /// The modules, in order of first appearance.
  public var modules: [Section] = []
  /// `&include` and `&merge` lines: not followed, so what they add is not seen.
  public var directives: [Parameter] = []
  /// Lines that are neither comments, headers, parameters nor directives.
  public var unreadableLines: [Int] = []

  /// The module called `name` (module names are compared exactly).
  public func module(_ name: String) -> Section? { modules.first { $0.name == name } }

  /// The value rsync uses for `name` in `module`: the module's own, else the global default.
  public func effective(_ name: String, in module: Section) -> Parameter? {
    module.parameter(name) ?? global.parameter(name)
  }

  /// A parameter name as rsync compares it: lower case, without spaces or tabs.
  public static func key(_ name: String) -> String {
    String(name.lowercased().filter { $0 != " " && $0 != "\t" })
  }

  /// rsync's reading of a boolean value; `nil` when it is none of yes/no/true/false/1/0/on/off.
  public static func bool(_ value: String) -> Bool? {
    switch value.lowercased() {
    case "yes", "true", "1", "on": true
    case "no", "false", "0", "off": false
    default: nil
    }
  }

  /// Reads the text of an rsyncd.conf file.
  ///
  /// Never fails: what it cannot read it records.
  ///
  /// Works on the UTF-8 bytes (pushgate-serve parses the file before every session; Swift's
  /// Character handling of a comment-heavy file cost more than the rest of the session).
  public static func parse(_ text: String) -> RsyncdConf {
    var conf = RsyncdConf()
    var current: Int? = nil  // index into modules; nil while global
    for (number, line) in logicalLines(Array(text.utf8)) {
      let trimmed = trim(line[...])
      guard let first = trimmed.first, first != hash, first != semicolon else { continue }
      if first == UInt8(ascii: "[") {
        guard let close = trimmed.firstIndex(of: UInt8(ascii: "]")) else {
          conf.unreadableLines.append(number)
          continue
        }
        let name = string(trim(trimmed[(trimmed.startIndex + 1)..<close]))
        if name.lowercased() == "global" {
          current = nil
        } else if let index = conf.modules.firstIndex(where: { $0.name == name }) {
          current = index
        } else {
          conf.modules.append(Section(name: name, line: number))
          current = conf.modules.count - 1
        }
        continue
      }
      if first == UInt8(ascii: "&") {
        conf.directives.append(Parameter(name: string(trimmed), value: "", line: number))
        continue
      }
      guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else {
        conf.unreadableLines.append(number)
        continue
      }
      let parameter = Parameter(
        name: string(trim(trimmed[..<equals])), value: string(trim(trimmed[(equals + 1)...])),
        line: number)
      if let current {
        conf.modules[current].parameters.append(parameter)
      } else {
        conf.global.parameters.append(parameter)
      }
    }
    return conf
  }

  private static let hash = UInt8(ascii: "#")
  private static let semicolon = UInt8(ascii: ";")

  /// Physical lines (split at LF, a CR before it dropped) joined at a trailing backslash, each with
  /// the number of its first line.
  ///
  /// A comment line ends where it ends, as in rsync.
  private static func logicalLines(_ bytes: [UInt8]) -> [(Int, [UInt8])] {
    var result: [(Int, [UInt8])] = []
    var pending: (Int, [UInt8])? = nil
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (index, raw) in lines.enumerated() {
      let line = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
      let start = pending?.0 ?? index + 1
      let joined = (pending?.1 ?? []) + line
      let head = trim(line).first
      let isComment = pending == nil && (head == hash || head == semicolon)
      if !isComment && joined.last == UInt8(ascii: "\\") {
        pending = (start, Array(joined.dropLast()))
      } else {
        result.append((start, joined))
        pending = nil
      }
    }
    if let pending { result.append(pending) }
    return result
  }

  private static func trim(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    guard let first = bytes.firstIndex(where: { !isBlank($0) }),
      let last = bytes.lastIndex(where: { !isBlank($0) })
    else { return [] }
    return bytes[first...last]
  }

  private static func string(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
  }
}
