// One version, from one place: Version.swift, which both binaries print and the CHANGELOG's
// newest release must name (the Makefile reads the same file for the package).
import Foundation
import PushgateCore
import TestSupport
import Testing

@Test("pushgate-serve --version prints its name and version on stdout, and nothing else", .blocking)
func serveVersion() throws {
  let result = try run(Binaries.serve, ["--version"], environment: sshEnvironment(command: nil))
  #expect(result.status == 0)
  #expect(result.out == "pushgate-serve \(Version.text)\n")
  #expect(result.stderr.isEmpty)
}

@Test(
  "--version is only ever the whole argument list: with anything else it is a usage error, logged",
  .blocking,
  arguments: [
    ["--version", "--key", "laptop"], ["--key", "laptop", "--version"], ["--version=1"],
    ["--version", "--version"],
  ])
func serveVersionWithOtherArguments(_ arguments: [String]) throws {
  let root = try Root()
  defer { root.remove() }
  let result = try root.serve(
    root.allowedCommand, arguments: ["--config", root.config] + arguments)
  #expect(result.status == 64)
  #expect(result.stdout.isEmpty)
  #expect(root.records.map { $0.text("reason") } == ["usage"])
  #expect(root.rsyncRuns().isEmpty)
}

@Test("pushgate --version prints the same version", .blocking)
func adminVersion() throws {
  let result = try run(Binaries.pushgate, ["--version"])
  #expect(result.status == 0)
  #expect(result.out == "\(Version.text)\n")
}

@Test("the CHANGELOG's newest release is Version.text, dated YYYY-MM-DD")
func changelogNamesTheVersion() throws {
  let changelog = try String(
    contentsOfFile: Binaries.repository + "/CHANGELOG.md", encoding: .utf8)
  let releases = changelog.split(separator: "\n").filter {
    $0.hasPrefix("## [") && !$0.hasPrefix("## [Unreleased]")
  }
  let newest = try #require(releases.first)
  #expect(newest.hasPrefix("## [\(Version.text)] - "), "CHANGELOG's newest release: \(newest)")
  let date = newest.split(separator: " ").last.map(String.init) ?? ""
  #expect(date.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil, "\(newest) has no date")
}
