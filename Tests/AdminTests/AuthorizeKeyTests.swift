// Table: which public keys `pushgate authorize` accepts, checked with keys made by the real
// ssh-keygen (and sk- and DSA blobs built by hand), and fingerprints compared with `ssh-keygen -lf`.
import Foundation
import TestSupport
import Testing

@testable import pushgate

/// Where one row's input comes from.
enum KeySource: Sendable {
  /// `ssh-keygen -t TYPE [-b BITS] -C COMMENT`, the `.pub` file.
  case generated(String, bits: String?)
  /// The same, but the input is the private key file.
  case privateKey(String)
  /// Text made from a generated ed25519 `.pub` line (its type, blob and comment).
  case edited(@Sendable (_ type: String, _ blob: [UInt8], _ comment: String) -> String)
  /// Fixed text.
  case text(String)
}

struct KeyCase: Sendable, CustomTestStringConvertible {
  let name: String
  let source: KeySource
  /// `nil`: accepted, and the fingerprint line must equal `ssh-keygen -lf` on the same text.
  let problem: PublicKeyProblem?
  var testDescription: String { name }
}

private func sshString(_ bytes: [UInt8]) -> [UInt8] {
  withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
}

private func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

/// The strings of an SSH key blob.
private func strings(_ blob: [UInt8]) -> [[UInt8]] {
  var reader = SSHBlob(Data(blob))
  var result: [[UInt8]] = []
  while let next = reader.string() { result.append(next) }
  return result
}

/// The public point of a fresh nistp256 key, for the hand-built sk-ecdsa blob.
private func nistp256Point(_ directory: String) throws -> [UInt8] {
  let (_, blob, _) = try generate(directory, "ecdsa", bits: "256", name: "point")
  return strings(blob)[2]
}

private func generate(_ directory: String, _ type: String, bits: String?, name: String) throws
  -> (String, [UInt8], String)
{
  let file = directory + "/" + name
  var arguments = ["-q", "-t", type, "-N", "", "-C", "user@client", "-f", file]
  if let bits { arguments += ["-b", bits] }
  let result = try run("/usr/bin/ssh-keygen", arguments)
  #expect(result.status == 0, "ssh-keygen -t \(type): \(result.err)")
  let words = read(file + ".pub").split(separator: " ", maxSplits: 2).map(String.init)
  return (
    words[0], Array(Data(base64Encoded: words[1]) ?? Data()),
    words.count > 2 ? words[2].trimmingCharacters(in: .newlines) : ""
  )
}

let keyCases: [KeyCase] = [
  KeyCase(name: "ed25519", source: .generated("ed25519", bits: nil), problem: nil),
  KeyCase(name: "ecdsa 256", source: .generated("ecdsa", bits: "256"), problem: nil),
  KeyCase(name: "ecdsa 384", source: .generated("ecdsa", bits: "384"), problem: nil),
  KeyCase(name: "ecdsa 521", source: .generated("ecdsa", bits: "521"), problem: nil),
  KeyCase(name: "rsa 2048", source: .generated("rsa", bits: "2048"), problem: nil),
  KeyCase(name: "rsa 3072", source: .generated("rsa", bits: "3072"), problem: nil),
  KeyCase(
    name: "rsa 1024 is too short", source: .generated("rsa", bits: "1024"),
    problem: .shortRSA(bits: 1024)),
  KeyCase(name: "dsa from ssh-keygen", source: .generated("dsa", bits: nil), problem: .dsa),
  KeyCase(
    name: "dsa built by hand",
    source: .text(
      "ssh-dss "
        + b64(
          sshString(Array("ssh-dss".utf8))
            + [[0, 0xC1], [0x9F], [0x05], [0x07]].flatMap(sshString))),
    problem: .dsa),
  KeyCase(
    name: "sk-ssh-ed25519 built by hand",
    source: .edited { _, blob, _ in
      "sk-ssh-ed25519@openssh.com "
        + b64(
          sshString(Array("sk-ssh-ed25519@openssh.com".utf8)) + sshString(strings(blob)[1])
            + sshString(Array("ssh:".utf8)))
        + " yubikey"
    }, problem: nil),
  KeyCase(
    name: "an authorized_keys line with options",
    source: .edited { type, blob, _ in #"restrict,command="/x y" \#(type) \#(b64(blob)) a b"# },
    problem: nil),
  KeyCase(
    name: "no comment", source: .edited { type, blob, _ in "\(type) \(b64(blob))\n" }, problem: nil),
  KeyCase(
    name: "comment lines and CRLF around the key",
    source: .edited { type, blob, _ in "# from the laptop\r\n\r\n\(type) \(b64(blob)) me\r\n" },
    problem: nil),
  KeyCase(
    name: "truncated base64",
    source: .edited { type, blob, _ in "\(type) \(b64(blob).dropLast(8)) me" },
    problem: .malformed(type: "ssh-ed25519")),
  KeyCase(
    name: "blob cut short but valid base64",
    source: .edited { type, blob, _ in "\(type) \(b64(Array(blob.dropLast(3)))) me" },
    problem: .malformed(type: "ssh-ed25519")),
  KeyCase(
    name: "trailing bytes after the key",
    source: .edited { type, blob, _ in "\(type) \(b64(blob + [0, 0, 0, 0])) me" },
    problem: .malformed(type: "ssh-ed25519")),
  KeyCase(
    name: "type word disagrees with the blob",
    source: .edited { _, blob, _ in "ecdsa-sha2-nistp256 \(b64(blob)) me" },
    problem: .malformed(type: "ecdsa-sha2-nistp256")),
  KeyCase(
    name: "blob's type string disagrees with its key",
    source: .edited { _, blob, _ in
      "ssh-rsa " + b64(sshString(Array("ssh-rsa".utf8)) + sshString(strings(blob)[1]))
    }, problem: .malformed(type: "ssh-rsa")),
  KeyCase(name: "a private key file", source: .privateKey("ed25519"), problem: .privateKey),
  KeyCase(name: "empty input", source: .text(""), problem: .empty),
  KeyCase(name: "only comments", source: .text("# nothing\n\n"), problem: .empty),
  KeyCase(name: "garbage", source: .text("hello world\n"), problem: .notAKey),
  KeyCase(name: "binary garbage", source: .text("\u{1}\u{2}\u{FFFD}"), problem: .notAKey),
  KeyCase(
    name: "two keys",
    source: .edited { type, blob, _ in "\(type) \(b64(blob)) a\n\(type) \(b64(blob)) b\n" },
    problem: .severalKeys(count: 2)),
  KeyCase(
    name: "an unknown key type", source: .edited { _, blob, _ in "ssh-foo \(b64(blob))" },
    problem: .unsupported(type: "ssh-foo")),
  KeyCase(
    name: "an RFC 4716 key",
    source: .text("---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3Nza\n---- END SSH2 PUBLIC KEY ----\n"),
    problem: .rfc4716),
]

/// Key validation and ssh-keygen-compatible fingerprints.
@Suite(.blocking) struct AuthorizeKeyTests {
  @Test(arguments: keyCases)
  func checksKey(_ c: KeyCase) throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let input: String
    switch c.source {
    case .generated(let type, let bits):
      _ = try generate(directory.path, type, bits: bits, name: "key")
      input = read(directory.path + "/key.pub")
    case .privateKey(let type):
      _ = try generate(directory.path, type, bits: nil, name: "key")
      input = read(directory.path + "/key")
    case .edited(let make):
      let (type, blob, comment) = try generate(directory.path, "ed25519", bits: nil, name: "key")
      input = make(type, blob, comment)
    case .text(let text):
      input = text
    }
    let result = PublicKeyCheck.check(Array(input.utf8))
    guard let problem = c.problem else {
      let key = try result.get()
      try write(input, to: directory.path + "/input.pub")
      let keygen = try run("/usr/bin/ssh-keygen", ["-lf", directory.path + "/input.pub"])
      #expect(keygen.status == 0)
      // ssh-keygen keeps a CRLF line's CR in the comment; we drop it (it would reach a terminal).
      #expect(key.keygenLine + "\n" == keygen.out.replacingOccurrences(of: "\r", with: ""))
      #expect(KeyFingerprint.sha256(type: key.type, base64: key.base64) == key.fingerprint)
      return
    }
    #expect(throws: problem) { try result.get() }
  }

  @Test func skECDSABuiltByHandMatchesSshKeygen() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let type = "sk-ecdsa-sha2-nistp256@openssh.com"
    let blob =
      [type, "nistp256"].flatMap { sshString(Array($0.utf8)) }
      + sshString(try nistp256Point(directory.path)) + sshString(Array("ssh:".utf8))
    let text = "\(type) \(b64(blob)) token\n"
    let key = try PublicKeyCheck.check(Array(text.utf8)).get()
    try write(text, to: directory.path + "/sk.pub")
    #expect(
      key.keygenLine + "\n"
        == (try run("/usr/bin/ssh-keygen", ["-lf", directory.path + "/sk.pub"])).out)
    #expect(key.keygenLine.hasSuffix(" token (ECDSA-SK)"))
  }

  @Test func messagesAreOneLowerCaseLine() {
    let problems: [PublicKeyProblem] = [
      .empty, .privateKey, .rfc4716, .severalKeys(count: 2), .notAKey, .dsa, .shortRSA(bits: 1024),
      .unsupported(type: "ssh-foo\u{1B}"), .malformed(type: "ssh-rsa"),
    ]
    for problem in problems {
      #expect(!problem.message.contains("\n") && !problem.message.contains("\u{1B}"))
      #expect(problem.message.first?.isLowercase == true)
    }
    #expect(
      PublicKeyProblem.shortRSA(bits: 1024).message
        == "the rsa key has 1024 bits; at least 2048 are needed")
  }
}
