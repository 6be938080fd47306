// Everything a session takes from outside the settings file, read in one place at start-up:
// the ssh variables (raw bytes, getenv(3)), the SSH_USER_AUTH file, the account (getpwuid(3)),
// our own path (readlink(2) of /proc/self/exe: the kernel's word, not argv[0] or PATH, which
// whoever started us chose) and fresh random ids (getrandom(2)).
import Glibc
import PushgateCore

extension SessionContext {
  /// Captures the session's inputs from this process: the ssh variables as raw bytes, the
  /// `SSH_USER_AUTH` file (read now: sshd deletes it when the session ends), the account
  /// from the password database, our own path, and a fresh session id.
  public static func current(key: String) -> SessionContext {
    let account = Identity.account()
    let publicKey = RawEnvironment.bytes("SSH_USER_AUTH")
      .flatMap { TrustedFile.readSmall(String(decoding: $0, as: UTF8.self), limit: 65536) }
      .flatMap(PublicKey.fromUserAuth)
    return SessionContext(
      session: Identity.newSessionId(), key: key,
      originalCommand: RawEnvironment.bytes("SSH_ORIGINAL_COMMAND"),
      sshConnection: RawEnvironment.bytes("SSH_CONNECTION"),
      sshClient: RawEnvironment.bytes("SSH_CLIENT"), publicKey: publicKey, home: account.home,
      user: account.user, executable: SelfPath.executable(),
      transferTag: Identity.newSessionId())
  }
}

/// Byte-exact access to the process environment.
public enum RawEnvironment {
  /// The bytes of variable `name` (getenv(3)), or `nil` when unset.
  public static func bytes(_ name: String) -> [UInt8]? {
    guard let value = getenv(name) else { return nil }
    let length = strlen(value)
    return value.withMemoryRebound(to: UInt8.self, capacity: length) {
      Array(UnsafeBufferPointer(start: $0, count: length))
    }
  }
}

/// The running executable's path.
public enum SelfPath {
  /// The absolute path of the running executable (readlink(2) of /proc/self/exe), or `""`
  /// when it cannot be read.
  public static func executable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return "" }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
