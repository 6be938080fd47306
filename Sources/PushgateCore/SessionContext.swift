// Everything about one connection that comes from outside, read once at start-up.

/// The raw inputs of one session, captured once; nothing below reads the environment again.
public struct SessionContext: Equatable, Sendable {
  /// The session id shared by every record of the session (16 hex digits).
  public var session: String
  /// The administrator's label for the key (`--key`), or empty.
  public var key: String
  /// A random value that marks this session's lines in rsync's transfer log; the client
  /// never sees it, so a file name cannot forge a line.
  public var transferTag: String
  /// `SSH_ORIGINAL_COMMAND` as raw bytes, `nil` when unset.
  public var originalCommand: [UInt8]?
  /// `SSH_CONNECTION` as raw bytes, `nil` when unset.
  public var sshConnection: [UInt8]?
  /// `SSH_CLIENT` as raw bytes, `nil` when unset.
  public var sshClient: [UInt8]?
  /// The public key sshd used, from the `SSH_USER_AUTH` file, if exposed.
  public var publicKey: PublicKey?
  /// The account's home directory and name, from the password database.
  public var home: String
  /// The account name.
  public var user: String
  /// Absolute path of the running pushgate-serve, used in the hook commands.
  public var executable: String

  /// Creates a context; tests build these directly.
  public init(
    session: String, key: String, originalCommand: [UInt8]?, sshConnection: [UInt8]? = nil,
    sshClient: [UInt8]? = nil, publicKey: PublicKey? = nil, home: String = "/",
    user: String = "backup", executable: String = "/usr/local/bin/pushgate-serve",
    transferTag: String = "0000000000000000"
  ) {
    self.session = session
    self.key = key
    self.transferTag = transferTag
    self.originalCommand = originalCommand
    self.sshConnection = sshConnection
    self.sshClient = sshClient
    self.publicKey = publicKey
    self.home = home
    self.user = user
    self.executable = executable
  }

  /// The client's address, when sshd gave a well-formed one.
  public var peer: PeerAddress? { PeerAddress.parse(sshConnection) }
}

/// A public key as listed in sshd's `SSH_USER_AUTH` file: `publickey <type> <base64>`.
public struct PublicKey: Equatable, Sendable {
  /// Key type, such as `ssh-ed25519`.
  public let type: String
  /// The key blob in base64.
  public let base64: String

  /// Finds the first `publickey` line of an `SSH_USER_AUTH` file; `nil` if there is none.
  public static func fromUserAuth(_ contents: [UInt8]) -> PublicKey? {
    for line in contents.prefix(65536).split(separator: UInt8(ascii: "\n")) {
      let words = line.split(separator: UInt8(ascii: " "))
      guard words.count >= 3, words[0].elementsEqual("publickey".utf8),
        words[1].count <= 64, words[2].count <= 16384,
        words[1].allSatisfy(isTypeByte), words[2].allSatisfy(isBase64Byte)
      else { continue }
      return PublicKey(
        type: String(decoding: words[1], as: UTF8.self),
        base64: String(decoding: words[2], as: UTF8.self))
    }
    return nil
  }

  private static func isTypeByte(_ byte: UInt8) -> Bool {
    PathRules.isSafe(byte) && byte != UInt8(ascii: "/")
  }

  private static func isBase64Byte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
      || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
  }
}
