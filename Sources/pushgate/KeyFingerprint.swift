// SHA256 fingerprints of public keys, computed with libssh exactly as `ssh-keygen -lf` prints them.
import CLibSSH

/// Key fingerprints through libssh.
enum KeyFingerprint {
  /// `SHA256:...` for a key given as its type name and base64 blob; `nil` if libssh cannot
  /// import it (malformed blob, or a type that does not match the blob).
  static func sha256(type: String, base64: String) -> String? {
    let keyType = ssh_key_type_from_name(type)
    guard keyType != SSH_KEYTYPE_UNKNOWN else { return nil }
    var key: ssh_key?
    guard ssh_pki_import_pubkey_base64(base64, keyType, &key) == SSH_OK, let key else { return nil }
    defer { ssh_key_free(key) }
    // The blob names its own type; libssh accepts a mismatch, ssh-keygen does not.
    guard let actual = ssh_key_type_to_char(ssh_key_type(key)),
      String(cString: actual) == type || Self.sameFamily(String(cString: actual), type)
    else { return nil }
    var hash: UnsafeMutablePointer<UInt8>?
    var length = 0
    guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0, let digest = hash
    else { return nil }
    defer { ssh_clean_pubkey_hash(&hash) }
    guard let text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, digest, length) else {
      return nil
    }
    defer { ssh_string_free_char(text) }
    return String(cString: text)
  }

  /// libssh names ECDSA keys `ecdsa` in some versions and `ecdsa-sha2-nistp256` in others.
  private static func sameFamily(_ actual: String, _ named: String) -> Bool {
    actual == "ecdsa" && named.hasPrefix("ecdsa-sha2-")
  }

  /// The short form shown in tables: the first 12 characters after `SHA256:`.
  static func short(_ fingerprint: String) -> String {
    String(fingerprint.dropFirst("SHA256:".count).prefix(12))
  }
}
