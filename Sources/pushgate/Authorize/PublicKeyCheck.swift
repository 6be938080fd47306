// Reads and judges the public key given to `pushgate authorize`: which key types a backup key
// may be, and why an input is refused.
import CLibSSH
import Foundation
import PushgateAdminCore
import PushgateCore

/// A public key that passed ``PublicKeyCheck/check(_:)``.
struct CheckedKey: Equatable {
  /// The type word, such as `ssh-ed25519`.
  let type: String
  /// The blob in base64.
  let base64: String
  /// The comment of the input line (may be empty).
  let comment: String
  /// The key size as ssh-keygen reports it.
  let bits: Int
  /// `SHA256:...`.
  let fingerprint: String

  /// What `ssh-keygen -lf` prints for the input.
  var keygenLine: String {
    KeyFingerprint.keygenLine(
      bits: bits, fingerprint: fingerprint, comment: comment,
      typeName: PublicKeyCheck.typeName(type) ?? type)
  }
}

/// Why an input is not accepted as a backup key.
enum PublicKeyProblem: Error, Equatable {
  case empty
  case privateKey
  case rfc4716
  case severalKeys(count: Int)
  case notAKey
  case dsa
  case shortRSA(bits: Int)
  case unsupported(type: String)
  case malformed(type: String)

  /// One line, lower case, for `pushgate: ...`.
  var message: String {
    switch self {
    case .empty: "no public key in the input"
    case .privateKey: "the input is a private key; give the public key (the '.pub' file)"
    case .rfc4716:
      "the input is an RFC 4716 public key; convert it with 'ssh-keygen -i -f FILE' first"
    case .severalKeys(let count): "the input holds \(count) keys; give one"
    case .notAKey: "the input is not a public key (expected 'TYPE BASE64 [COMMENT]')"
    case .dsa: "dsa keys are refused (deprecated by OpenSSH); use ed25519"
    case .shortRSA(let bits): "the rsa key has \(bits) bits; at least 2048 are needed"
    case .unsupported(let type):
      "key type '\(Self.visible(type))' is not accepted; use ed25519, ecdsa, rsa or an sk- key"
    case .malformed(let type):
      "the key data is not a valid '\(Self.visible(type))' key (truncated, damaged, or of another type)"
    }
  }

  private static func visible(_ text: String) -> String {
    VisibleBytes.render(Array(text.utf8), limit: 64).text
  }
}

/// The key types a backup key may have, and the checks on one input.
enum PublicKeyCheck {
  /// The largest input read (a 16384-bit RSA key is about 2.8 KB).
  static let maximumInput = 65536
  /// The smallest RSA modulus accepted.
  static let minimumRSABits = 2048

  /// ssh-keygen's name for each accepted type (and for DSA, for listings).
  static func typeName(_ type: String) -> String? {
    switch type {
    case "ssh-ed25519": "ED25519"
    case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521": "ECDSA"
    case "ssh-rsa": "RSA"
    case "sk-ssh-ed25519@openssh.com": "ED25519-SK"
    case "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK"
    case "ssh-dss": "DSA"
    default: nil
    }
  }

  /// Checks the input: a `.pub` file or one authorized_keys line (options are ignored).
  static func check(_ input: [UInt8]) -> Result<CheckedKey, PublicKeyProblem> {
    let text = String(decoding: input, as: UTF8.self)
    if text.contains("PRIVATE KEY-----") { return .failure(.privateKey) }
    if text.contains("---- BEGIN SSH2 PUBLIC KEY ----") { return .failure(.rfc4716) }
    let lines = AuthorizedKeysFile(input).lines.filter {
      let trimmed = $0.bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
      return !trimmed.isEmpty && trimmed.first != UInt8(ascii: "#")
    }
    guard !lines.isEmpty else { return .failure(.empty) }
    guard lines.count == 1 else { return .failure(.severalKeys(count: lines.count)) }
    guard let line = AuthorizedKeysLine.parse(lines[0].bytes) else { return .failure(.notAKey) }
    return check(line)
  }

  /// Checks the key of one parsed line: type policy, blob, size, then libssh.
  static func check(_ line: AuthorizedKeysLine) -> Result<CheckedKey, PublicKeyProblem> {
    let type = line.keyType
    if type == "ssh-dss" { return .failure(.dsa) }
    guard typeName(type) != nil else {
      return .failure(line.base64.hasPrefix("AAAA") ? .unsupported(type: type) : .notAKey)
    }
    guard let bits = bits(type: type, base64: line.base64) else {
      return .failure(.malformed(type: type))
    }
    if type == "ssh-rsa" && bits < minimumRSABits { return .failure(.shortRSA(bits: bits)) }
    guard let key = KeyFingerprint.importKey(type: type, base64: line.base64) else {
      return .failure(.malformed(type: type))
    }
    defer { ssh_key_free(key) }
    guard let fingerprint = KeyFingerprint.sha256(key) else {
      return .failure(.malformed(type: type))
    }
    return .success(
      CheckedKey(
        type: type, base64: line.base64, comment: line.comment, bits: bits,
        fingerprint: fingerprint))
  }

  /// The size ssh-keygen reports: the RSA modulus's bits, the curve's size, 256 for Ed25519.
  ///
  /// `nil` when the blob does not even start with its type and (for RSA) two integers.
  static func bits(type: String, base64: String) -> Int? {
    guard let blob = Data(base64Encoded: base64) else { return nil }
    var reader = SSHBlob(blob)
    guard reader.string() == Array(type.utf8) else { return nil }
    switch type {
    case "ssh-rsa":
      guard reader.string() != nil, let modulus = reader.string() else { return nil }
      return SSHBlob.bitCount(ofMPInt: modulus)
    case "ecdsa-sha2-nistp384": return 384
    case "ecdsa-sha2-nistp521": return 521
    case "ssh-dss":
      guard let prime = reader.string() else { return nil }
      return SSHBlob.bitCount(ofMPInt: prime)
    default: return 256
    }
  }
}
