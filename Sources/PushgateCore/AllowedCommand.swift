// The one command a backup key may ask sshd to run, compared as bytes.

/// The single command a backup key may run: `cd <root> && rsync --server --daemon .`.
///
/// It is what the rsync client sends for `--rsync-path='cd <root> && rsync'` and a `host::module`
/// destination. Every rsync option travels inside the protocol afterwards, so the gate whitelists
/// one fixed byte string and leaves option policy to rsyncd.conf.
public struct AllowedCommand: Equatable, Sendable {
  /// Inputs longer than this are refused before any comparison.
  public static let maximumLength = 4096

  /// The exact bytes allowed.
  public let bytes: [UInt8]

  /// The allowed command for a backup root (already validated by ``SettingsParser``).
  public init(root: String) {
    bytes = Array("cd \(root) && rsync --server --daemon .".utf8)
  }

  /// Decides whether the received `SSH_ORIGINAL_COMMAND` is the allowed command.
  ///
  /// - Parameter received: The raw bytes of the variable, or `nil` when it is unset.
  public func classify(_ received: [UInt8]?) -> Classification {
    guard let received, !received.isEmpty else { return .refuse(.notViaSSH) }
    guard received.count <= Self.maximumLength else {
      return .refuse(.tooLong(byteCount: received.count))
    }
    return received == bytes ? .allow : .refuse(.notAllowed)
  }
}

/// The verdict on a received command.
public enum Classification: Equatable, Sendable {
  /// The command is byte-identical to the allowed command.
  case allow
  /// Anything else.
  case refuse(Refusal)
}
