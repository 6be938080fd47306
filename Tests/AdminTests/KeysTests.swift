// The built `pushgate keys`: pushgate lines, fingerprints, and last snapshots from a handwritten
// audit log.
import Foundation
import TestSupport
import Testing

/// `pushgate keys`, run as a binary.
@Suite(.blocking) struct KeysTests {
  private func record(
    _ time: String, _ key: String, _ event: String, result: String? = nil, level: String? = nil
  ) -> String {
    "{\"v\":1,\"time\":\"\(time)\",\"session\":\"00000000000000aa\",\"event\":\"\(event)\",\"key\":\"\(key)\""
      + (level.map { ",\"level\":\"\($0)\"" } ?? "")
      + (result.map { ",\"result\":\"\($0)\"" } ?? "") + "}\n"
  }

  @Test func listsLabelsFingerprintsAndLastSnapshots() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try f.makeKey("nas", type: "ecdsa")
    try f.makeKey("phone")
    #expect(try f.authorize(["--key", "laptop", f.path + "/laptop.pub"]).status == 0)
    #expect(
      try f.authorize(["--key", "nas", "--from", "10.0.0.*", f.path + "/nas.pub"]).status == 0)
    let phone = read(f.path + "/phone.pub").split(separator: " ")
    var text = read(f.authorizedKeys)
    text += "# a login key and an unrestricted pushgate line\nssh-ed25519 AAAAC3x admin\n"
    text +=
      "command=\"\(Binaries.serve) --config \(f.config) --key phone\" \(phone[0]) \(phone[1]) phone\n"
    try write(text, to: f.authorizedKeys, mode: 0o600)
    try write(
      record("2026-11-01T10:00:00Z", "laptop", "snapshot-ended", result: "ok")
        + record("2026-11-02T10:00:00Z", "laptop", "snapshot-ended", result: "warning")
        + record("2026-11-03T10:00:00Z", "laptop", "snapshot-ended", result: "failed")
        + record("2026-11-04T10:00:00Z", "laptop", "transfer-ended")
        + record("2026-11-05T10:00:00Z", "nas", "snapshot-ended", result: "timeout")
        + record("2026-11-06T10:00:00Z", "phone", "snapshot-ended", result: "ok")
        // A rotate of the lowest level is a new snapshot; a higher level is not.
        + record("2026-11-07T10:00:00Z", "laptop", "rotate-ended", result: "ok", level: "hourly")
        + record("2026-11-08T10:00:00Z", "laptop", "rotate-ended", result: "ok", level: "daily")
        + record("2026-11-09T10:00:00Z", "nas", "rotate-ended", result: "skipped", level: "hourly")
        + "{\"event\":\"snapshot-ended\",\"key\":\"nas\",\"res", to: f.path + "/pushgate.log")

    let result = try run(Binaries.pushgate, ["keys", "--authorized-keys", f.authorizedKeys])
    #expect(result.status == 0)
    #expect(
      result.err == "pushgate: warning: line 5 ('phone') has no 'restrict': "
        + "the key may forward ports and get a pty\n")
    let rows = result.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    let print = { (name: String) in
      String((try? f.keygen(f.path + "/\(name).pub"))?.split(separator: " ")[1] ?? "")
    }
    #expect(rows.count == 5)
    #expect(rows[0] == ["label", "type", "fingerprint", "from", "last", "snapshot", "note"])
    #expect(rows[1] == ["laptop", "ED25519-256", print("laptop"), "-", "2026-11-07T10:00:00Z"])
    #expect(rows[2] == ["nas", "ECDSA-256", print("nas"), "10.0.0.*", "never"])
    #expect(
      rows[3] == [
        "phone", "ED25519-256", print("phone"), "-", "2026-11-06T10:00:00Z", "no", "restrict",
      ])
    #expect(rows[4] == ["1", "other", "key", "line", "not", "run", "by", "pushgate-serve"])
  }

  @Test func readsTheLogOfConfigWhenGiven() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try f.authorize(["--key", "laptop", f.path + "/laptop.pub"])
    try FileManager.default.createDirectory(
      atPath: f.path + "/other", withIntermediateDirectories: false)
    try write("root = \(f.path)/other\n", to: f.path + "/other.conf")
    try write(
      record("2026-10-01T00:00:00Z", "laptop", "snapshot-ended", result: "ok"),
      to: f.path + "/other/pushgate.log")
    let result = try run(
      Binaries.pushgate,
      ["keys", "--authorized-keys", f.authorizedKeys, "--config", f.path + "/other.conf"])
    #expect(result.status == 0 && result.err == "")
    #expect(result.out.contains(" 2026-10-01T00:00:00Z\n"))
  }

  @Test func saysSoWhenThereIsNothingOrNoFile() throws {
    let f = try AuthorizeFixture()
    defer { f.directory.remove() }
    try write("# empty\nssh-ed25519 AAAAC3x admin\n", to: f.path + "/plain")
    let plain = try run(Binaries.pushgate, ["keys", "--authorized-keys", f.path + "/plain"])
    #expect(plain.status == 0)
    #expect(
      plain.out
        == "no pushgate lines in '\(f.path)/plain'\n1 other key line not run by pushgate-serve\n")
    let missing = try run(Binaries.pushgate, ["keys", "--authorized-keys", f.path + "/missing"])
    #expect(missing.status == 71)
    #expect(missing.err == "pushgate: cannot read '\(f.path)/missing': No such file or directory\n")
  }
}
