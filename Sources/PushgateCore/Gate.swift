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

/// The decision step of a session.
public enum Gate {
  /// Classifies the command and, if allowed, builds the plan.
  public static func decide(settings: Settings, context: SessionContext) -> GateVerdict {
    switch settings.allowedCommand.classify(context.originalCommand) {
    case .refuse(let refusal): return .refuse(refusal)
    case .allow: break
    }
    do {
      return .allow(try SessionPlan(settings: settings, context: context))
    } catch {
      return .fail(error)
    }
  }

  /// Whether a key label from the forced command is usable: 1–64 of letters, digits, `. _ - @ +`.
  public static func isKeyLabel(_ label: String) -> Bool {
    let bytes = Array(label.utf8)
    return !bytes.isEmpty && bytes.count <= 64
      && bytes.allSatisfy {
        PathRules.isSafe($0) && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ",")
          && $0 != UInt8(ascii: ":")
      }
  }
}
