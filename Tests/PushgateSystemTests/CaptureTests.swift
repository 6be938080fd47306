// Spawn.capture, the runner root's tools use for what the backup account controls: the
// child's user, its working directory, its session, its stdin, and its group at the timeout.
import Glibc
import PushgateAdminSystem
import PushgateCore
import PushgateSystem
import Testing

private func shell(_ script: String, directory: String = "/", environment: [String] = [])
  -> ProgramRun
{
  ProgramRun(
    path: "/bin/sh", arguments: ["sh", "-c", script], environment: environment,
    directory: directory)
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

private let nobody = Spawn.Credentials(uid: 65534, gid: 65534, groups: [65534, 4242])

@Test(.enabled(if: geteuid() == 0)) func runsAsTheGivenUserGroupAndGroups() throws {
  let result = try Spawn.capture(
    shell("grep -E '^(Uid|Gid|Groups):' /proc/self/status"), as: nobody, timeoutSeconds: 10)
  #expect(result.end == .exited(0))
  let lines = text(result.output).split(separator: "\n").map {
    $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map(String.init)
  }
  #expect(
    lines == [
      ["65534", "65534", "65534", "65534"], ["65534", "65534", "65534", "65534"],
      ["4242", "65534"],
    ])
}

@Test(.enabled(if: geteuid() == 0)) func entersItsDirectoryAsTheChildsUser() throws {
  var template = Array("/tmp/pushgate-capture-XXXXXX".utf8CString)
  let made = template.withUnsafeMutableBufferPointer { buffer in
    buffer.baseAddress.flatMap { mkdtemp($0) }
  }
  try #require(made != nil)
  let top = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  let closed = top + "/root-only"
  defer {
    rmdir(closed)
    rmdir(top)
  }
  chmod(top, 0o755)
  #expect(mkdir(closed, 0o700) == 0)
  #expect(throws: SystemError(number: EACCES, operation: "chdir '\(closed)'")) {
    try Spawn.capture(shell("pwd", directory: closed), as: nobody, timeoutSeconds: 10)
  }
  #expect(
    text(
      try Spawn.capture(shell("pwd", directory: closed), as: nil, timeoutSeconds: 10)
        .output) == closed + "\n")
}

@Test func changesDirectoryInTheChildNotInTheCaller() throws {
  let before = currentDirectory()
  let result = try Spawn.capture(shell("pwd", directory: "/usr/share"), as: nil, timeoutSeconds: 10)
  #expect(text(result.output) == "/usr/share\n")
  #expect(currentDirectory() == before)
  #expect(before != "/usr/share")
}

@Test func runsInItsOwnSessionWithStdinAtDevNullAndOnlyTheGivenEnvironment() throws {
  // Fields 6 and 7 of /proc/PID/stat: session, tty_nr (0: no controlling terminal).
  let script = """
    echo "$$ $(cut -d')' -f2 /proc/$$/stat | cut -d' ' -f5,6)"
    readlink /proc/$$/fd/0
    (exec 3</dev/tty) 2>/dev/null && echo tty || echo no-tty
    env
    """
  let result = try Spawn.capture(
    shell(script, environment: ["PATH=/usr/bin:/bin", "A=1"]), as: nil, timeoutSeconds: 10)
  let lines = text(result.output).split(separator: "\n").map(String.init)
  try #require(lines.count >= 3, "\(lines)")
  let ids = lines[0].split(separator: " ")
  #expect(ids.count == 3 && ids[0] == ids[1] && ids[2] == "0", "pid session tty: \(lines[0])")
  #expect(lines[1] == "/dev/null")
  #expect(lines[2] == "no-tty")
  #expect(Set(lines.dropFirst(3)) == ["PATH=/usr/bin:/bin", "A=1", "PWD=/"])
}

@Test func keepsStdoutAndStderrApart() throws {
  let result = try Spawn.capture(shell("echo out; echo err >&2"), as: nil, timeoutSeconds: 10)
  #expect(text(result.output) == "out\n")
  #expect(text(result.error) == "err\n")
}

@Test func capturingKillsTheWholeGroupAtTheTimeout() throws {
  let start = Clock.monotonicMilliseconds()
  let result = try Spawn.capture(
    shell("sleep 30 & echo $!; exec sleep 30"), as: nil, timeoutSeconds: 1)
  #expect(result.end == nil)
  #expect(Clock.monotonicMilliseconds() - start < 10_000)
  let background = text(result.output).split(separator: "\n").first.map(String.init) ?? ""
  try #require(Int32(background) != nil, "\(text(result.output))")
  // The orphaned sleep is gone, or a zombie waiting for init to reap it.
  var gone = false
  for _ in 0..<100 where !gone {
    let stat = readSmallText("/proc/\(background)/stat")
    gone = stat == nil || stat?.contains(") Z ") == true
    if !gone { Clock.sleep(milliseconds: 50) }
  }
  #expect(gone)
}

private func currentDirectory() -> String {
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  guard getcwd(&buffer, buffer.count) != nil else { return "" }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func readSmallText(_ path: String) -> String? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var buffer = [UInt8](repeating: 0, count: 4096)
  let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
  return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
}
