// SHA256 fingerprints of public keys, computed with libssh exactly as `ssh-keygen -lf` prints them.
import CLibSSH
import Foundation

/// Key fingerprints through libssh.
enum KeyFingerprint {
  /// `SHA256:...` for a key given as its type name and base64 blob; `nil` if the key is not a
  /// well-formed public key of that type (see ``importKey(type:base64:)``).
  static func sha256(type: String, base64: String) -> String? {
    guard let key = importKey(type: type, base64: base64) else { return nil }
    defer { ssh_key_free(key) }
    return sha256(key)
  }

  /// Imports a public key with libssh, only if the blob's own type string equals `type` and libssh
  /// writes the blob back byte for byte.
  ///
  /// libssh's importer trusts the `type` argument and ignores the blob's type string, so without
  /// these checks an `ssh-ed25519` word in front of another key's blob would be fingerprinted as if
  /// it matched; the round trip also refuses trailing bytes. The caller frees the key.
  static func importKey(type: String, base64: String) -> ssh_key? {
    guard let blob = Data(base64Encoded: base64) else { return nil }
    var reader = SSHBlob(blob)
    guard reader.string() == Array(type.utf8) else { return nil }
    let keyType = ssh_key_type_from_name(type)
    guard keyType != SSH_KEYTYPE_UNKNOWN else { return nil }
    var key: ssh_key?
    guard ssh_pki_import_pubkey_base64(base64, keyType, &key) == SSH_OK, let key else { return nil }
    var exported: UnsafeMutablePointer<CChar>?
    guard ssh_pki_export_pubkey_base64(key, &exported) == SSH_OK, let text = exported,
      Data(base64Encoded: String(cString: text)) == blob
    else {
      if let text = exported { ssh_string_free_char(text) }
      ssh_key_free(key)
      return nil
    }
    ssh_string_free_char(text)
    return key
  }

  /// `SHA256:...` of an imported key.
  static func sha256(_ key: ssh_key) -> String? {
    var hash: UnsafeMutablePointer<UInt8>?
    var length = 0
    guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0,
      let digest = hash
    else { return nil }
    defer { ssh_clean_pubkey_hash(&hash) }
    guard let text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, digest, length) else {
      return nil
    }
    defer { ssh_string_free_char(text) }
    return String(cString: text)
  }

  /// The line `ssh-keygen -lf` prints: `BITS SHA256:... COMMENT (TYPE)`, with `no comment`
  /// for an empty comment.
  static func keygenLine(bits: Int, fingerprint: String, comment: String, typeName: String)
    -> String
  {
    "\(bits) \(fingerprint) \(comment.isEmpty ? "no comment" : comment) (\(typeName))"
  }

  /// The short form shown in tables: the first 12 characters after `SHA256:`.
  static func short(_ fingerprint: String) -> String {
    String(fingerprint.dropFirst("SHA256:".count).prefix(12))
  }
}

/// A reader for the SSH wire encoding of a key blob (RFC 4251: uint32 length, then bytes).
struct SSHBlob {
  private let bytes: [UInt8]
  private var index = 0

  init(_ data: Data) { bytes = Array(data) }

  /// The next length-prefixed string; `nil` when the blob ends first.
  mutating func string() -> [UInt8]? {
    guard bytes.count - index >= 4 else { return nil }
    let length = bytes[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
    index += 4
    guard bytes.count - index >= length else { return nil }
    defer { index += length }
    return Array(bytes[index..<index + length])
  }

  /// The number of significant bits of an mpint (RFC 4251 §5), such as an RSA modulus.
  static func bitCount(ofMPInt value: [UInt8]) -> Int {
    guard let first = value.firstIndex(where: { $0 != 0 }) else { return 0 }
    return (value.count - first - 1) * 8 + (8 - value[first].leadingZeroBitCount)
  }
}
