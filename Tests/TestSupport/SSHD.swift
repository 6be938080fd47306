// The sshd configuration and keys of the tests that run or check a real OpenSSH sshd.
import Foundation

/// Makes an ed25519 key pair without a passphrase at `path` and `path.pub` (ssh-keygen).
public func makeSSHKey(_ path: String, comment: String? = nil) throws -> Finished {
  try run(
    "/usr/bin/ssh-keygen",
    ["-q", "-t", "ed25519", "-N", ""] + (comment.map { ["-C", $0] } ?? []) + ["-f", path])
}

/// Writes a test's sshd_config at `path`: `HostKey hostKey`, then `options` ("Keyword value"),
/// one per line.
public func writeSSHDConfig(_ path: String, hostKey: String, options: [String]) throws {
  try write((["HostKey \(hostKey)"] + options).map { $0 + "\n" }.joined(), to: path)
}
