// The forced command's arguments, parsed by hand: this binary links no argument library.
import PushgateCore
import PushgateSystem

/// What the forced command in authorized_keys asked for.
enum ServeArguments: Equatable {
  /// Serve one ssh session: `[--config FILE] [--key LABEL]`.
  case serve(config: String, key: String)
  /// Internal: rsync's pre-xfer hook recording evidence (`--hook pre-xfer FILE`).
  case hook(evidence: String)
  /// Internal: the detached snapshot of a session (`... --snapshot-session ID`).
  case detachedSnapshot(config: String, key: String, session: String)
  /// `--version` alone: print the version on stdout, log nothing.
  case version

  static let usage =
    "usage: pushgate-serve [--config FILE] [--key LABEL] (run by sshd as a forced command)"

  /// Parses argv without argv[0]; `nil` means a usage error.
  static func parse(_ words: [String]) -> ServeArguments? {
    if words == ["--version"] { return .version }
    if words.first == "--hook" {
      guard words.count == 3, words[1] == "pre-xfer", PathRules.isSafeAbsolute(words[2]) else {
        return nil
      }
      return .hook(evidence: words[2])
    }
    var config = SettingsFile.defaultPath
    var key = ""
    var session: String?
    var rest = words[...]
    while let word = rest.popFirst() {
      let (name, inline) = split(word)
      guard let value = inline ?? rest.popFirst() else { return nil }
      switch name {
      case "--config": config = value
      case "--key": key = value
      case "--snapshot-session": session = value
      default: return nil
      }
    }
    guard !config.isEmpty, key.isEmpty || Gate.isKeyLabel(key) else { return nil }
    if let session {
      guard session.utf8.count == 16,
        session.utf8.allSatisfy({ PathRules.isSafe($0) && $0 != UInt8(ascii: "/") })
      else {
        return nil
      }
      return .detachedSnapshot(config: config, key: key, session: session)
    }
    return .serve(config: config, key: key)
  }

  /// The value of option `name` in words that did not parse, for logging the usage error
  /// where that `--config` (or the default) says; `nil` when absent.
  static func value(of name: String, in words: [String]) -> String? {
    var rest = words[...]
    while let word = rest.popFirst() {
      let (option, inline) = split(word)
      if option == name { return inline ?? rest.popFirst() }
    }
    return nil
  }

  private static func split(_ word: String) -> (String, String?) {
    guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return (word, nil) }
    return (String(word[..<equals]), String(word[word.index(after: equals)...]))
  }
}
