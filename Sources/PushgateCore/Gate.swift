// The gate's decision for one session: shared by pushgate-serve and pushgate check.

/// What the gate does with a session, before any lock, process or output.
public enum GateVerdict: Equatable, Sendable {
  /// Serve it with this plan.
  case allow(SessionPlan)
  /// Turn the client away.
  case refuse(Refusal)
  /// The server cannot serve it.
  case fail(Failure)

  /// The exit status the gate uses when it stops here (allowed sessions end with rsync's).
  public var exitStatus: Int32 {
    switch self {
    case .allow: ExitStatus.success
    case .refuse(let refusal): refusal.exitStatus
    case .fail(let failure): failure.exitStatus
    }
  }
}

/// What the gate reads from disk for a session whose command is allowed.
public struct GateFacts: Equatable, Sendable {
  /// Whether `ROOT/keys/LABEL` is a directory (not a symbolic link).
  public var areaExists: Bool
  /// rsyncd.conf's text, or why it could not be read.
  public var rsyncdConf: Result<[UInt8], GateFacts.Unreadable>

  /// Why a file could not be read: errno's text.
  public struct Unreadable: Error, Equatable, Sendable {
    /// The reason, such as `open: No such file or directory`.
    public let reason: String
    /// Creates a reason.
    public init(_ reason: String) { self.reason = reason }
  }

  /// Creates facts; tests build these directly.
  public init(areaExists: Bool, rsyncdConf: Result<[UInt8], GateFacts.Unreadable>) {
    self.areaExists = areaExists
    self.rsyncdConf = rsyncdConf
  }
}

/// The decision step of a session.
public enum Gate {
  /// Classifies the command; the cheap first step, before anything is read from disk.
  ///
  /// No command at all is an interactive login when sshd ran us (it always sets `SSH_CONNECTION`),
  /// and "not via ssh" otherwise.
  public static func classify(settings: Settings, context: SessionContext) -> Classification {
    let verdict = settings.allowedCommand.classify(context.originalCommand)
    if verdict == .refuse(.notViaSSH), context.sshConnection != nil {
      return .refuse(.interactive)
    }
    return verdict
  }

  /// Classifies the command and, if allowed, checks the key's area and rsyncd.conf and
  /// builds the plan.
  public static func decide(settings: Settings, context: SessionContext, facts: GateFacts)
    -> GateVerdict
  {
    if case .refuse(let refusal) = classify(settings: settings, context: context) {
      return .refuse(refusal)
    }
    guard !context.key.isEmpty else { return .fail(.keyMissing) }
    guard facts.areaExists else { return .refuse(.noArea) }
    switch facts.rsyncdConf {
    case .failure(let unreadable):
      return .fail(
        .rsyncdConf(detail: "cannot read '\(settings.rsyncdConf)': \(unreadable.reason)"))
    case .success(let bytes):
      let conf = RsyncdConf.parse(String(decoding: bytes, as: UTF8.self))
      if let problem = RsyncdPolicy.problems(conf, settings: settings).first {
        return .fail(.rsyncdConf(detail: problem))
      }
    }
    do {
      return .allow(try SessionPlan(settings: settings, context: context))
    } catch {
      return .fail(error)
    }
  }

  /// Whether a key label from the forced command is usable, also as a directory name:
  /// 1–64 of letters, digits and `. _ - @ +`, starting with a letter or digit.
  public static func isKeyLabel(_ label: String) -> Bool {
    let bytes = Array(label.utf8)
    guard let first = bytes.first, bytes.count <= 64, isAlphanumeric(first) else { return false }
    return bytes.allSatisfy {
      isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
        || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "+")
    }
  }

  private static func isAlphanumeric(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
  }
}
