// One line of `pushgate doctor`: a level, the check's name, what it found and the fix.

/// How bad a finding is; ordered from best to worst.
public enum DoctorLevel: Int, Comparable, Sendable {
  /// Works as intended.
  case ok = 0
  /// Works, but something is weaker than it should be, or could not be checked.
  case warn = 1
  /// pushgate will not work, or works unsafely.
  case fail = 2

  /// The word printed in the first column.
  public var word: String {
    switch self {
    case .ok: "ok"
    case .warn: "warn"
    case .fail: "FAIL"
    }
  }

  /// Compares by severity.
  public static func < (a: DoctorLevel, b: DoctorLevel) -> Bool { a.rawValue < b.rawValue }
}

/// The outcome of one check.
public struct DoctorResult: Hashable, Sendable, CustomStringConvertible {
  /// How bad it is.
  public let level: DoctorLevel
  /// The short name of the check (`settings`, `rsyncd`, ...).
  public let name: String
  /// What was found, in one line.
  public let found: String
  /// What to do about it; empty when there is nothing to do.
  public let fix: String

  /// Creates a result.
  public init(_ level: DoctorLevel, _ name: String, _ found: String, fix: String = "") {
    self.level = level
    self.name = name
    self.found = found
    self.fix = fix
  }

  /// `found`, then `; fix: ...` when there is a fix.
  public var description: String { fix.isEmpty ? found : "\(found); fix: \(fix)" }

  /// The report: one aligned line per result, control characters shown as `?`.
  public static func render(_ results: [DoctorResult]) -> [String] {
    let width = (results.map(\.name.count).max() ?? 0) + 2
    return results.map { result in
      let level = result.level.word.padding(to: 6)
      let name = result.name.padding(to: width)
      let text = String(
        result.description.unicodeScalars.map {
          $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0)
        })
      return level + name + text
    }
  }

  /// 0 when everything is ok, 1 when the worst is a warning, 2 when something failed.
  public static func exitStatus(_ results: [DoctorResult]) -> Int32 {
    Int32(results.map(\.level).max()?.rawValue ?? 0)
  }
}

extension String {
  fileprivate func padding(to width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
