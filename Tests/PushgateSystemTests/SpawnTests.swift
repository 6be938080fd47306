// Spawning: exact environment, no leaked descriptors, exit and signal mapping, timeouts.
import Glibc
import PushgateCore
import PushgateSystem
import Testing

private func shell(_ script: String, environment: [String] = []) -> ProgramRun {
  ProgramRun(
    path: "/bin/sh", arguments: ["sh", "-c", script], environment: environment, directory: "/")
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Test func childSeesExactlyThePlannedEnvironment() throws {
  let run = ProgramRun(
    path: "/usr/bin/env", arguments: ["env"], environment: ["PATH=/usr/bin:/bin", "A=1"],
    directory: "/")
  let result = try Spawn.runCapturing(run, timeoutSeconds: 10)
  #expect(result.end == .exited(0))
  #expect(text(result.tail) == "PATH=/usr/bin:/bin\nA=1\n")
}

@Test func childRunsInThePlannedDirectory() throws {
  let run = ProgramRun(path: "/bin/pwd", arguments: ["pwd"], environment: [], directory: "/usr")
  #expect(text(try Spawn.runCapturing(run, timeoutSeconds: 10).tail) == "/usr\n")
}

@Test func noDescriptorBeyondTheStandardThreeReachesTheChild() throws {
  // Opened without O_CLOEXEC on purpose: it would leak into a plain posix_spawn child.
  let leaky = open("/dev/null", O_RDONLY)
  defer { close(leaky) }
  #expect(leaky > 2)
  let result = try Spawn.runCapturing(shell("ls /proc/self/fd"), timeoutSeconds: 10)
  // ls itself holds one descriptor for the directory it reads.
  let descriptors = text(result.tail).split(separator: "\n").compactMap { Int32($0) }
  #expect(descriptors.filter { $0 > 2 }.count == 1)
  #expect(!descriptors.contains(leaky) || leaky == 3)
}

@Test func ignoredSignalsAreResetForTheChild() throws {
  signal(SIGPIPE, SIG_IGN)
  let result = try Spawn.runCapturing(shell("grep SigIgn /proc/self/status"), timeoutSeconds: 10)
  // Signals 32 and 33 belong to glibc's threads implementation and cannot be set by
  // programs; every standard signal (1-31, SIGPIPE among them) must be back at default.
  let mask = UInt64(text(result.tail).dropFirst("SigIgn:\t".count).prefix(16), radix: 16)
  #expect(mask.map { $0 & 0x7fff_ffff } == 0)
}

@Test(arguments: [
  ("exit 0", ProcessEnd.exited(0)), ("exit 3", .exited(3)), ("exit 255", .exited(255)),
  ("kill -TERM $$", .signaled(15)), ("kill -KILL $$", .signaled(9)),
])
func mapsExitStatusesAndSignals(_ script: String, _ expected: ProcessEnd) throws {
  #expect(try Spawn.runCapturing(shell(script), timeoutSeconds: 10).end == expected)
}

@Test func killsTheWholeGroupAtTheTimeout() throws {
  let start = Clock.monotonicMilliseconds()
  let result = try Spawn.runCapturing(shell("sleep 30 & sleep 30; wait"), timeoutSeconds: 1)
  #expect(result.end == nil)
  #expect(Clock.monotonicMilliseconds() - start < 10_000)
}

@Test func keepsOnlyTheTailOfLongOutput() throws {
  let result = try Spawn.runCapturing(shell("seq 1 100000"), timeoutSeconds: 10, tailLimit: 16)
  #expect(text(result.tail) == "98\n99999\n100000\n")
}

@Test func aMissingProgramIsAnError() {
  let run = ProgramRun(path: "/nonexistent/prog", arguments: ["x"], environment: [], directory: "/")
  #expect(throws: SystemError.self) { try Spawn.runCapturing(run, timeoutSeconds: 1) }
}

@Test(arguments: [
  (Int32(0), ProcessEnd.exited(0)), (0x0300, .exited(3)), (9, .signaled(9)), (0x8b, .signaled(11)),
])
func decodesWaitStatuses(_ status: Int32, _ expected: ProcessEnd) {
  #expect(Spawn.decode(status) == expected)
}
