// The admin tool's shared readers: libssh fingerprints and the streaming log reader.
import Foundation
import TestSupport
import Testing

@testable import pushgate

@Test(.blocking) func fingerprintsMatchSshKeygen() throws {
  let directory = try TemporaryDirectory()
  defer { directory.remove() }
  for (type, bits) in [("ed25519", ""), ("ecdsa", "256"), ("rsa", "3072")] {
    let file = directory.path + "/\(type)"
    var arguments = ["-q", "-t", type, "-N", "", "-f", file]
    if !bits.isEmpty { arguments += ["-b", bits] }
    #expect(try run("/usr/bin/ssh-keygen", arguments).status == 0)
    let expected = try run("/usr/bin/ssh-keygen", ["-lf", file + ".pub"]).out.split(separator: " ")[
      1]
    let words = read(file + ".pub").split(separator: " ")
    #expect(
      KeyFingerprint.sha256(type: String(words[0]), base64: String(words[1])) == String(expected))
  }
  #expect(KeyFingerprint.sha256(type: "ssh-ed25519", base64: "AAAA") == nil)
  #expect(KeyFingerprint.sha256(type: "nonsense", base64: "AAAA") == nil)
}

@Test(.blocking) func streamsRotatedAndCompressedLogsOldestFirstSkippingAPartialLastLine() throws {
  let directory = try TemporaryDirectory()
  defer { directory.remove() }
  let log = directory.path + "/pushgate.log"
  try write("{\"n\":3}\n", to: log + ".1")
  try write("{\"n\":2}\n", to: log + ".2")
  #expect(try run("/bin/gzip", [log + ".2"]).status == 0)
  try write("{\"n\":1}\n{\"n\":\"ignored\"\n", to: log + ".10")
  try write("{\"n\":4}\n{\"n\":5}\n{\"n\":6, \"partial", to: log)
  try write("x\n", to: log + ".old")
  #expect(
    LogFiles.files(for: log).map { URL(fileURLWithPath: $0).lastPathComponent }
      == ["pushgate.log.10", "pushgate.log.2.gz", "pushgate.log.1", "pushgate.log"])
  var numbers: [Int] = []
  LogFiles.forEachEntry(of: log) { numbers.append($0.int("n") ?? -1) }
  #expect(numbers == [1, 2, 3, 4, 5])
}

@Test(.blocking) func skipsAnOverlongLineAndReadsOn() throws {
  let directory = try TemporaryDirectory()
  defer { directory.remove() }
  let log = directory.path + "/pushgate.log"
  try write("{\"n\":1}\n" + String(repeating: "x", count: 3 << 20) + "\n{\"n\":2}\n", to: log)
  var numbers: [Int] = []
  LogFiles.forEachEntry(of: log) { numbers.append($0.int("n") ?? -1) }
  #expect(numbers == [1, 2])
}

@Test(.blocking) func aCorruptCompressedRotationIsAnErrorNotAnEmptyFile() throws {
  let directory = try TemporaryDirectory()
  defer { directory.remove() }
  let log = directory.path + "/pushgate.log"
  try write(String(repeating: "{\"n\":1}\n", count: 5000), to: log + ".1")
  #expect(try run("/bin/gzip", [log + ".1"]).status == 0)
  let bytes = try Data(contentsOf: URL(fileURLWithPath: log + ".1.gz"))
  try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: log + ".1.gz"))
  #expect(LogFiles.forEachLine(in: log + ".1.gz") { _ in } == false)
  #expect(LogFiles.forEachLine(in: directory.path) { _ in } == false)
}

@Test(.blocking) func rotationNumbersAreDigitsOnly() throws {
  let directory = try TemporaryDirectory()
  defer { directory.remove() }
  let log = directory.path + "/pushgate.log"
  for name in [
    "pushgate.log.+1", "pushgate.log.-2", "pushgate.log.1x", "pushgate.log.", "pushgate.log.3",
  ] {
    try write("{}\n", to: directory.path + "/" + name)
  }
  #expect(
    LogFiles.files(for: log).map { URL(fileURLWithPath: $0).lastPathComponent } == [
      "pushgate.log.3"
    ])
}
