// What rsync itself recorded about a session: its transfer log, read back by the gate.
//
// The gate starts rsync with 'transfer logging = yes', a per-session 'log file' and
// 'log format = pushgate-TAG %m %o %i %b', where TAG is a random value the client never sees.
// rsync writes one line per item it received, changed or deleted, after its own
// "YYYY/MM/DD HH:MM:SS [PID] " prefix:
//
//   ... [4141] pushgate-TAG push recv >f+++++++++ 42      a new file (42 bytes on the wire)
//   ... [4141] pushgate-TAG push recv .f...p..... 0       only the mode changed
//   ... [4147] pushgate-TAG push del. *deleting   0       a deletion
//   ... [4152] pushgate-TAG push recv .f          0       nothing changed (client gave -ii)
//
// Nothing else counts: rsync's own lines (connect, errors, the summary) lack the tag, and a
// name cannot forge one: the format has no %n, and rsync escapes control characters anyway.
// A dry run, a listing or an unchanged tree writes no counted line (FIELD-NOTES §10).
//
// An empty log does not prove an empty session: on a full disk rsync writes nothing to it and
// still exits 0 (issue9 facts F6.3). A log is complete only if it holds rsync's last line for
// a transfer, "sent N bytes  received N bytes  total size N", or, for a module list, rsync's
// "module-list request from HOST" line.

/// What a session changed in the push module, and what it sent, from rsync's transfer log.
public struct TransferChanges: Equatable, Sendable {
  /// Items that did not exist before (files, directories, links).
  public var created = 0
  /// Items whose content or attributes changed.
  public var changed = 0
  /// Items deleted.
  public var deleted = 0
  /// Bytes rsync received for the created and changed items.
  public var bytesReceived = 0
  /// Items sent to the client (a restore), from any module.
  public var sent = 0
  /// The log could not be read to its end: what changed is unknown, so the session counts
  /// as one that changed something (at worst one snapshot too many, never one too few).
  public var isUnknown = false

  /// Creates counts; tests build these directly.
  public init(
    created: Int = 0, changed: Int = 0, deleted: Int = 0, bytesReceived: Int = 0, sent: Int = 0,
    isUnknown: Bool = false
  ) {
    self.isUnknown = isUnknown
    self.created = created
    self.changed = changed
    self.deleted = deleted
    self.bytesReceived = bytesReceived
    self.sent = sent
  }

  /// Whether the session wrote or deleted anything in the push module (or may have).
  public var hasChanges: Bool { created + changed + deleted > 0 || isUnknown }
}

/// Reads a transfer log as it streams past, in chunks of any size, with bounded memory.
public struct TransferLog: Sendable {
  /// The longest line kept; longer ones are not ours and are skipped.
  public static let lineLimit = 512

  private let tag: [UInt8]
  private let module: [UInt8]
  private var line: [UInt8] = []
  private var overlong = false
  /// The counts so far.
  public private(set) var changes = TransferChanges()
  /// Whether rsync's closing line (the summary, or a module list's request line) was seen.
  public private(set) var isComplete = false

  /// A reader for the lines tagged `tag` (without the `pushgate-` prefix) that count
  /// changes in `pushModule`.
  public init(tag: String, pushModule: String) {
    self.tag = Array(("pushgate-" + tag + " ").utf8)
    module = Array(pushModule.utf8)
  }

  /// The `log format` the gate passes to rsync for this tag.
  public static func format(tag: String) -> String { "pushgate-\(tag) %m %o %i %b" }

  /// Takes in the next bytes of the log.
  public mutating func feed<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        if !overlong { count(line[...]) }
        line.removeAll(keepingCapacity: true)
        overlong = false
      } else if line.count < Self.lineLimit {
        line.append(byte)
      } else {
        overlong = true
      }
    }
  }

  /// The counts of a whole log; a last line without a newline is not counted (rsync ends
  /// every line, so it is a line cut short).
  public static func read(_ bytes: [UInt8], tag: String, pushModule: String) -> TransferChanges {
    var log = TransferLog(tag: tag, pushModule: pushModule)
    log.feed(bytes)
    return log.changes
  }

  private mutating func count(_ line: ArraySlice<UInt8>) {
    // rsync's prefix ends at the first "] "; our tag must follow at once.
    guard let close = line.firstIndex(of: UInt8(ascii: "]")),
      line.index(after: close) < line.endIndex, line[line.index(after: close)] == UInt8(ascii: " ")
    else { return }
    var rest = line[(close + 2)...]
    if Self.isClosing(rest) { isComplete = true }
    guard rest.starts(with: tag) else { return }
    rest = rest.dropFirst(tag.count)
    guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else { return }
    let lineModule = rest[..<space]
    rest = rest[(space + 1)...]
    // op (4 bytes), space, itemize (11 bytes), space, bytes.
    guard rest.count >= 18, rest[rest.startIndex + 4] == UInt8(ascii: " "),
      rest[rest.startIndex + 16] == UInt8(ascii: " ")
    else { return }
    let op = rest.prefix(4)
    let itemize = Array(rest[(rest.startIndex + 5)..<(rest.startIndex + 16)])
    let digits = rest[(rest.startIndex + 17)...]
    guard !digits.isEmpty, digits.count <= 18,
      digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let bytes = Int(String(decoding: digits, as: UTF8.self))
    else { return }
    if op.elementsEqual("send".utf8) {
      changes.sent += 1
      return
    }
    guard lineModule.elementsEqual(module) else { return }
    if op.elementsEqual("del.".utf8) {
      changes.deleted += 1
    } else if op.elementsEqual("recv".utf8) {
      switch Self.kind(itemize) {
      case .created: changes.created += 1
      case .changed: changes.changed += 1
      case .unchanged: return
      }
      changes.bytesReceived += bytes
    }
  }

  /// `sent N bytes  received N bytes  total size N` (rsync's log_exit summary) or
  /// `module-list request from ...`.
  private static func isClosing(_ line: ArraySlice<UInt8>) -> Bool {
    if line.starts(with: "module-list request from ".utf8) { return true }
    var rest = line
    for word in ["sent ", " bytes  received ", " bytes  total size "] {
      guard rest.starts(with: word.utf8) else { return false }
      rest = rest.dropFirst(word.utf8.count)
      let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
      guard !digits.isEmpty else { return false }
      rest = rest.dropFirst(digits.count)
    }
    return rest.isEmpty
  }

  private enum Kind { case created, changed, unchanged }

  /// rsync's itemized change (`YXcstpoguax`): Y is the update type, X the file type, the rest
  /// one letter per attribute, `+` for a new item, `.` or ` ` for an unchanged attribute.
  private static func kind(_ itemize: [UInt8]) -> Kind {
    let attributes = itemize.dropFirst(2)
    if attributes.allSatisfy({ $0 == UInt8(ascii: "+") }) { return .created }
    let update = itemize[0]
    if update == UInt8(ascii: ">") || update == UInt8(ascii: "c") || update == UInt8(ascii: "h") {
      return .changed
    }
    return attributes.contains { $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: " ") }
      ? .changed : .unchanged
  }
}
