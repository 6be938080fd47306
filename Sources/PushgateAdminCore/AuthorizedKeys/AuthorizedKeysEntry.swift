// A pushgate line of authorized_keys: what its forced command names, and how to write one.
import PushgateCore

/// An authorized_keys line whose forced command is pushgate-serve, with the command's words.
///
/// The forced command is split on spaces and tabs, which is how `/bin/sh` splits the line
/// `pushgate authorize` writes (it contains no quotes or shell syntax); a hand-written command
/// with quotes is read word by word as written.
public struct PushgateKeyEntry: Equatable, Sendable {
  /// The line number in the file, from 1.
  public var lineNumber: Int
  /// The whole parsed line.
  public var line: AuthorizedKeysLine
  /// The forced command's first word: pushgate-serve's path as written.
  public var serve: String
  /// `--config FILE` (or `--config=FILE`); `nil` when absent (pushgate-serve then uses
  /// `/backup/pushgate.conf`).
  public var config: String?
  /// `--key LABEL` (or `--key=LABEL`); `nil` when absent.
  public var key: String?
  /// Words of the command that are neither `--config` nor `--key` with their values.
  public var otherWords: [String]
  /// Whether the line has the `restrict` option.
  public var isRestricted: Bool
  /// The `from="..."` patterns, when present.
  public var from: String?

  /// The pushgate line in `line`, or `nil` when its `command=` does not run pushgate-serve
  /// (a first word whose last path component is `pushgate-serve`).
  public init?(lineNumber: Int, line: AuthorizedKeysLine) {
    guard let command = line.option("command")?.value else { return nil }
    let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard let first = words.first,
      first == "pushgate-serve" || first.hasSuffix("/pushgate-serve")
    else { return nil }
    self.lineNumber = lineNumber
    self.line = line
    serve = first
    otherWords = []
    var rest = words.dropFirst()
    while let word = rest.popFirst() {
      switch word {
      case "--config": config = rest.popFirst()
      case "--key": key = rest.popFirst()
      case _ where word.hasPrefix("--config="): config = String(word.dropFirst(9))
      case _ where word.hasPrefix("--key="): key = String(word.dropFirst(6))
      default: otherWords.append(word)
      }
    }
    isRestricted = line.option("restrict") != nil
    from = line.option("from")?.value
  }

  /// The line `pushgate authorize` writes:
  /// `restrict[,from="PATTERNS"],command="SERVE --config CONFIG --key LABEL" TYPE BASE64 LABEL`.
  ///
  /// `nil` unless `serve` and `config` are safe absolute paths (``PathRules/isSafeAbsolute(_:)``),
  /// `label` is a key label (``Gate/isKeyLabel(_:)``), `from` (when given) passes
  /// ``isFromPatterns(_:)``, and the type and key are single words of printable ASCII.
  public static func render(
    serve: String, config: String, label: String, from: String?, keyType: String, base64: String
  ) -> String? {
    guard PathRules.isSafeAbsolute(serve), PathRules.isSafeAbsolute(config), Gate.isKeyLabel(label),
      from.map(isFromPatterns) ?? true, isWord(keyType), isWord(base64)
    else { return nil }
    var options = [AuthorizedKeysOption(name: "restrict")]
    if let from { options.append(AuthorizedKeysOption(name: "from", value: from)) }
    options.append(
      AuthorizedKeysOption(name: "command", value: "\(serve) --config \(config) --key \(label)"))
    return AuthorizedKeysLine(options: options, keyType: keyType, base64: base64, comment: label)
      .text
  }

  /// Whether `patterns` can go between the quotes of `from="..."`: printable ASCII without spaces,
  /// quotes or backslashes, not empty, at most 1024 bytes.
  ///
  /// sshd checks the patterns themselves (sshd(8) PATTERNS).
  public static func isFromPatterns(_ patterns: String) -> Bool {
    let bytes = Array(patterns.utf8)
    return !bytes.isEmpty && bytes.count <= 1024
      && bytes.allSatisfy {
        $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
      }
  }

  private static func isWord(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
  }
}
