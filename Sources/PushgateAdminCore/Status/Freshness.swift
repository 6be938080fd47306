// How old a key's last snapshot may be: the monitoring states and their thresholds (durations
// and ages in words are `AgeText`, in PushgateCore).

/// A monitoring state, with the exit statuses of the Nagios plugin guidelines.
public enum Freshness: Int32, Comparable, Sendable {
  /// Every key has a snapshot newer than the thresholds.
  case ok = 0
  /// Some key's last snapshot is older than `--warn-age`.
  case warning = 1
  /// Some key's last snapshot is older than `--max-age`, or it never had one.
  case critical = 2
  /// The state cannot be known (the log cannot be read, nothing in it, bad arguments).
  case unknown = 3

  /// The word the plugin prints.
  public var word: String {
    switch self {
    case .ok: "OK"
    case .warning: "WARNING"
    case .critical: "CRITICAL"
    case .unknown: "UNKNOWN"
    }
  }

  /// Orders by severity for ``worst``: OK < WARNING < CRITICAL (UNKNOWN is never compared).
  public static func < (a: Freshness, b: Freshness) -> Bool { a.rawValue < b.rawValue }

  /// The state of a key whose last snapshot was at `lastSuccess`, at `now`.
  public static func of(lastSuccess: Int?, now: Int, thresholds: AgeThresholds) -> Freshness {
    guard let lastSuccess else { return .critical }
    let age = now - lastSuccess
    if age > thresholds.critical { return .critical }
    if let warning = thresholds.warning, age > warning { return .warning }
    return .ok
  }
}

/// The ages (seconds) past which a key's last snapshot is a warning or critical.
public struct AgeThresholds: Equatable, Sendable {
  /// `--max-age`.
  public var critical: Int
  /// `--warn-age`; `nil` means no warning state.
  public var warning: Int?

  /// Thresholds; `warning` must be below `critical` (checked by the command).
  public init(critical: Int, warning: Int? = nil) {
    self.critical = critical
    self.warning = warning
  }
}
