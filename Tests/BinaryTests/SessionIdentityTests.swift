// Who a refused session was: an interactive login told apart from a program not run by sshd,
// and the key's public key on the records of sessions turned away as busy.
import Foundation
import Glibc
import TestSupport
import Testing

@Test(
  "an interactive ssh login (sshd's variables, no command) is refused as interactive", .blocking)
func interactiveLogin() throws {
  let root = try Root()
  defer { root.remove() }
  let result = try root.serve(nil, environment: ["SSH_TTY": "/dev/pts/3", "TERM": "xterm"])
  #expect(result.status == 77)
  #expect(
    result.err
      == "pushgate: refused: this key only runs backups (rsync daemon mode); interactive logins are not allowed\n"
  )
  let records = root.records
  try #require(records.count == 1)
  #expect(records[0].text("reason") == "interactive")
  #expect(records[0]["command"] == nil)
  #expect(records[0].text("peer") == "203.0.113.7")
}

@Test(
  "pushgate-serve run without sshd (no SSH_CONNECTION, no command) is refused as not-via-ssh",
  .blocking)
func notRunBySSHD() throws {
  let root = try Root()
  defer { root.remove() }
  let result = try run(
    Binaries.serve, ["--config", root.config, "--key", "laptop"],
    environment: ["PATH": "/usr/bin:/bin", "HOME": "/root"])
  #expect(result.status == 77)
  #expect(root.records.map { $0.text("reason") } == ["not-via-ssh"])
  #expect(root.records.first?["peer"] == nil)
}

struct BusyIdentityCase: Sendable, CustomTestStringConvertible {
  let reason: String
  /// The file and bytes the test holds.
  let file: String
  let bytes: [Int]
  var testDescription: String { reason }
}

@Test(
  "a session refused as busy logs the key's public key", .blocking,
  arguments: [
    BusyIdentityCase(reason: "busy", file: "pushgate.lock", bytes: [16]),
    BusyIdentityCase(reason: "key-busy", file: "keys/laptop/state/lock", bytes: [0]),
    BusyIdentityCase(reason: "snapshot-running", file: "keys/laptop/state/lock", bytes: [0, 1]),
  ])
func busyRecordHasKey(_ row: BusyIdentityCase) throws {
  let root = try Root(settings: ["max_connections = 1"])
  defer { root.remove() }
  var blob = Data([0, 0, 0, 11]) + Data("ssh-ed25519".utf8) + Data([0, 0, 0, 32])
  blob += Data((0..<32).map { UInt8($0 * 5 + 3) })
  let key = blob.base64EncodedString()
  let auth = root.path + "/user-auth"
  try write("publickey ssh-ed25519 \(key)\n", to: auth, mode: 0o600)
  let lock = try ByteLock(root.path + "/" + row.file, bytes: row.bytes)
  defer { lock.close() }
  let result = try root.serve(
    root.allowedCommand, environment: ["SSH_USER_AUTH": auth],
    input: Data("@RSYNCD: 31.0\npush\n".utf8))
  #expect(result.status == 75)
  let refused = try #require(root.records("refused").first)
  #expect(refused.text("reason") == row.reason)
  #expect(refused.text("pubkey_type") == "ssh-ed25519")
  #expect(refused.text("pubkey") == key)
  #expect(refused.text("user") == account().user)
}
