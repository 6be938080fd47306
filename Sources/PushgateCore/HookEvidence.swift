// What rsync's pre-xfer hook saw, recorded per session and read back by the gate.

/// What the pre-xfer hook saw: module, request and the client's server-side arguments.
public struct PreTransfer: Equatable, Sendable {
  /// `RSYNC_MODULE_NAME`.
  public var module: String
  /// `RSYNC_REQUEST`, such as `push/`.
  public var request: String
  /// `RSYNC_ARG0...`, such as `rsyncd --server -nlogDtpre.iLsfxCIvu . .`.
  public var arguments: [String]

  /// Creates a record; tests build these directly.
  public init(module: String, request: String, arguments: [String]) {
    self.module = module
    self.request = request
    self.arguments = arguments
  }

  /// The client receives files: a pull, a restore or a listing of module contents.
  public var isPull: Bool { options.contains("--sender") }
  /// `-n` / `--dry-run`.
  public var isDryRun: Bool { options.contains("--dry-run") || shortLetters.contains("n") }
  /// `--list-only`.
  public var isListOnly: Bool { options.contains("--list-only") }
  /// `--only-write-batch` or `--read-batch`: nothing is written by this session.
  public var isBatch: Bool {
    options.contains { $0.hasPrefix("--only-write-batch") || $0.hasPrefix("--read-batch") }
  }

  /// Arguments after `argv[0]` up to the first standalone `.` (the server's options).
  private var options: [String] {
    Array(arguments.dropFirst().prefix { $0 != "." })
  }

  /// The letters of the short-option clusters, stopping at `e` (whose value is capabilities).
  private var shortLetters: Set<Character> {
    var letters = Set<Character>()
    for option in options where option.hasPrefix("-") && !option.hasPrefix("--") {
      for letter in option.dropFirst() {
        if letter == "e" { break }
        letters.insert(letter)
      }
    }
    return letters
  }
}

/// Everything the pre-xfer hook of one session recorded: what the client asked for.
///
/// What rsync then did comes from its transfer log (``TransferLog``).
public struct HookEvidence: Equatable, Sendable {
  /// One entry per pre-xfer run (one per module transfer).
  public var pre: [PreTransfer] = []

  /// Creates evidence; tests build these directly.
  public init(pre: [PreTransfer] = []) {
    self.pre = pre
  }

  /// The largest evidence file read back.
  public static let maximumSize = 65536

  /// The line the pre-xfer hook appends: tab-separated visible fields.
  public static func preLine(module: [UInt8], request: [UInt8], arguments: [[UInt8]]) -> [UInt8] {
    line(["pre-xfer".utf8.map { $0 }, module, request] + arguments)
  }

  private static func line(_ fields: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for (index, field) in fields.prefix(64).enumerated() {
      if index > 0 { out.append(UInt8(ascii: "\t")) }
      out += VisibleBytes.render(field, limit: 512).bytes
    }
    return out + [UInt8(ascii: "\n")]
  }

  /// Reads an evidence file back; unknown or malformed lines are ignored.
  public static func parse(_ bytes: [UInt8]) -> HookEvidence {
    var evidence = HookEvidence()
    for line in bytes.prefix(maximumSize).split(separator: UInt8(ascii: "\n")) {
      let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
      switch (fields.first, fields.count) {
      case ("pre-xfer", 3...):
        evidence.pre.append(
          PreTransfer(module: fields[1], request: fields[2], arguments: Array(fields.dropFirst(3))))
      default: continue
      }
    }
    return evidence
  }
}
