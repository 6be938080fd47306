// The client's address and port, from sshd's SSH_CONNECTION.

/// The client's side of the connection as sshd reports it.
public struct PeerAddress: Equatable, Sendable {
  /// The client's IP address (or `UNKNOWN` under `sshd -i`).
  public let address: String
  /// The client's port.
  public let port: Int

  /// Parses `client-ip client-port server-ip server-port`; `nil` for anything else.
  ///
  /// Only hexadecimal digits, `.`, `:` and `UNKNOWN` are accepted, so the value is safe to pass
  /// on to rsync and to log.
  public static func parse(_ bytes: [UInt8]?) -> PeerAddress? {
    guard let bytes, bytes.count <= 200 else { return nil }
    let fields = bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    guard fields.count == 4, isAddress(fields[0]), isAddress(fields[2]),
      let port = port(fields[1]), self.port(fields[3]) != nil
    else { return nil }
    return PeerAddress(address: String(decoding: fields[0], as: UTF8.self), port: port)
  }

  static func isAddress(_ field: ArraySlice<UInt8>) -> Bool {
    if field.elementsEqual("UNKNOWN".utf8) { return true }
    return !field.isEmpty && field.count <= 45
      && field.allSatisfy {
        ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
          || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
          || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F"))
          || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
      }
  }

  static func port(_ field: ArraySlice<UInt8>) -> Int? {
    guard !field.isEmpty, field.count <= 5,
      field.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let value = Int(String(decoding: field, as: UTF8.self)), value <= 65535
    else { return nil }
    return value
  }
}
