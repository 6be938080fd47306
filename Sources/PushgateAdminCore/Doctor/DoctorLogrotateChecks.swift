// doctor's check of logrotate's stanza for the audit log (docs/audit-log.md, "Rotation"):
// `copytruncate` loses the records written between logrotate's copy and its truncate whatever
// the writer does, `compress` wants `delaycompress`, and `create` must leave the new file to
// the backup account, or every session fails once the log is rotated.
import PushgateCore

/// One logrotate configuration file as doctor read it.
public struct LogrotateFile: Equatable, Sendable {
  /// Where it was read.
  public var path: String
  /// Its text.
  public var text: String

  /// Creates the file.
  public init(path: String, text: String) {
    self.path = path
    self.text = text
  }
}

/// What logrotate would do to one log: the directives that matter to pushgate, as the
/// global defaults and the log's own stanza leave them.
struct LogrotateRule: Equatable {
  var copytruncate = false
  var compress = false
  var delaycompress = false
  /// `create`'s owner, when it names one.
  var createOwner: String?
  /// `FILE:LINE` of the stanza.
  var place = ""
}

enum LogrotateConfig {
  /// The rule for `log` from `files` (the main configuration first, then what it includes):
  /// the directives outside any stanza are defaults for the stanzas after them; `nil` when no
  /// stanza names the log.
  static func rule(for log: String, in files: [LogrotateFile]) -> LogrotateRule? {
    var defaults = LogrotateRule()
    for file in files {
      var stanza: LogrotateRule?
      var names: [String] = []
      var inScript = false
      for (index, raw) in file.text.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated()
      {
        let line = raw.drop { $0 == " " || $0 == "\t" }
        if line.hasPrefix("#") || line.isEmpty { continue }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if inScript {
          if words.first == "endscript" { inScript = false }
          continue
        }
        if words.last?.hasSuffix("{") == true {
          var header = words
          header[header.count - 1].removeLast()
          names = header.filter { !$0.isEmpty }.map(unquoted)
          stanza = defaults
          stanza?.place = "\(file.path):\(index + 1)"
          continue
        }
        if words.first == "}" {
          if let found = stanza, names.contains(where: { globMatches($0, log) }) { return found }
          stanza = nil
          continue
        }
        guard let directive = words.first else { continue }
        if ["postrotate", "prerotate", "firstaction", "lastaction", "preremove"].contains(directive)
        {
          inScript = true
          continue
        }
        if var current = stanza {
          apply(directive, words, to: &current)
          stanza = current
        } else {
          apply(directive, words, to: &defaults)
        }
      }
    }
    return nil
  }

  private static func apply(_ directive: String, _ words: [String], to rule: inout LogrotateRule) {
    switch directive {
    case "copytruncate": rule.copytruncate = true
    case "nocopytruncate": rule.copytruncate = false
    case "compress": rule.compress = true
    case "nocompress": rule.compress = false
    case "delaycompress": rule.delaycompress = true
    case "nodelaycompress": rule.delaycompress = false
    case "create": rule.createOwner = words.count > 2 ? words[2] : nil
    case "nocreate": rule.createOwner = nil
    default: break
    }
  }

  private static func unquoted(_ word: String) -> String {
    word.count >= 2 && word.hasPrefix("\"") && word.hasSuffix("\"")
      ? String(word.dropFirst().dropLast()) : word
  }

  /// glob(7) as logrotate expands a stanza's names: `*` and `?` within one path component,
  /// everything else literal.
  static func globMatches(_ pattern: String, _ path: String) -> Bool {
    let p = Array(pattern.utf8)
    let s = Array(path.utf8)
    func match(_ i: Int, _ j: Int) -> Bool {
      if i == p.count { return j == s.count }
      switch p[i] {
      case UInt8(ascii: "*"):
        var k = j
        while true {
          if match(i + 1, k) { return true }
          if k == s.count || s[k] == UInt8(ascii: "/") { return false }
          k += 1
        }
      case UInt8(ascii: "?"):
        return j < s.count && s[j] != UInt8(ascii: "/") && match(i + 1, j + 1)
      default:
        return j < s.count && s[j] == p[i] && match(i + 1, j + 1)
      }
    }
    return match(0, 0)
  }
}

extension DoctorChecks {
  /// The audit log's logrotate stanza, when doctor could read logrotate's configuration.
  static func logrotate(_ facts: DoctorFacts, _ settings: Settings) -> [DoctorResult] {
    guard let files = facts.logrotateFiles else { return [] }
    let log = settings.auditLog
    let stanza =
      "the stanza 'pushgate init' prints and writes with --system-files (su ACCOUNT GROUP, create 0640 ACCOUNT GROUP, compress, delaycompress)"
    guard let rule = LogrotateConfig.rule(for: log, in: files) else {
      return [
        DoctorResult(
          .warn, "logrotate", "no logrotate stanza names \(log) -- it grows without bound",
          fix: "add \(stanza)")
      ]
    }
    var results: [DoctorResult] = []
    if rule.copytruncate {
      results.append(
        DoctorResult(
          .fail, "logrotate",
          "\(rule.place) rotates \(log) with copytruncate -- records written between the copy and the truncate are lost",
          fix: "replace copytruncate with 'create 0640 \(facts.accountName) GROUP'"))
    }
    if let owner = rule.createOwner, owner != facts.accountName, !facts.accountName.isEmpty {
      results.append(
        DoctorResult(
          .fail, "logrotate",
          "\(rule.place) creates the new \(log) as \(owner), not \(facts.accountName) -- every session would fail (audit-log, 71) after a rotation",
          fix: "set 'create 0640 \(facts.accountName) GROUP'"))
    }
    if rule.compress && !rule.delaycompress {
      results.append(
        DoctorResult(
          .warn, "logrotate",
          "\(rule.place) compresses \(log) without delaycompress -- a record racing the rotation is written twice",
          fix: "add delaycompress"))
    }
    if results.isEmpty {
      results.append(DoctorResult(.ok, "logrotate", "\(rule.place) rotates \(log)"))
    }
    return results
  }
}
