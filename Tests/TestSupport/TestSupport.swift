// Shared helpers for the binary and end-to-end tests: built binaries, temporary roots, processes.
import CPushgate
import Foundation
import Glibc

/// The built executables, found beside the running test bundle.
public enum Binaries {
  /// The build directory holding `pushgate`, `pushgate-serve` and the test runner.
  public static let directory: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return (exe as NSString).deletingLastPathComponent
  }()
  /// pushgate-serve.
  public static var serve: String { directory + "/pushgate-serve" }
  /// pushgate.
  public static var pushgate: String { directory + "/pushgate" }
  /// The repository root (for scripts/fake-ssh).
  public static let repository: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
  /// The simulated ssh used with `rsync -e`.
  public static var fakeSSH: String { repository + "/scripts/fake-ssh" }
}

/// Whether a program exists; tests that need it are skipped (loudly) without it.
public func installed(_ path: String) -> Bool {
  let found = FileManager.default.isExecutableFile(atPath: path)
  if !found {
    FileHandle.standardError.write(
      Data("SKIPPING: \(path) is not installed; CI installs it\n".utf8))
  }
  return found
}

/// A fresh directory under /tmp, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
  /// Its absolute path (only safe characters, so it can be a backup root).
  public let path: String

  /// Creates the directory.
  public init() throws {
    let template = "/tmp/pushgate-test-XXXXXX"
    var bytes = Array(template.utf8CString)
    guard let made = mkdtemp(&bytes) else { throw CocoaError(.fileWriteUnknown) }
    path = String(cString: made)
  }

  /// Removes it and everything below.
  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// What a finished process left.
public struct Finished: Sendable {
  /// Exit status (or 128 + signal).
  public let status: Int32
  /// Everything it wrote to stdout.
  public let stdout: Data
  /// Everything it wrote to stderr.
  public let stderr: Data
  /// stdout as text.
  public var out: String { String(decoding: stdout, as: UTF8.self) }
  /// stderr as text.
  public var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a program to completion with exactly `environment`, an empty stdin unless given.
@discardableResult
public func run(
  _ path: String, _ arguments: [String], environment: [String: String] = [:],
  directory: String? = nil, input: Data = Data()
) throws -> Finished {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  process.environment = environment
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  // Close-on-exec pipes from the start (Foundation's Pipe() is not): a child that a parallel
  // test starts meanwhile must not inherit this child's stdout, or reading it to its end
  // waits for that other child too (seen: a refusal that took 5 s, a daemon refusal's wait).
  let (outRead, outWrite) = try closeOnExecPipe()
  let (errRead, errWrite) = try closeOnExecPipe()
  let (inRead, inWrite) = try closeOnExecPipe()
  process.standardOutput = outWrite
  process.standardError = errWrite
  process.standardInput = inRead
  do {
    try process.run()
  } catch {
    for handle in [outWrite, errWrite, inRead, inWrite] { try? handle.close() }
    throw error
  }
  for handle in [outWrite, errWrite, inRead] { try? handle.close() }
  inWrite.write(input)
  try? inWrite.close()
  // Read both pipes concurrently so a chatty child cannot block on a full pipe.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = errRead.readDataToEndOfFile()
    group.leave()
  }
  let outData = outRead.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  let status =
    process.terminationReason == .uncaughtSignal
    ? 128 + process.terminationStatus : process.terminationStatus
  return Finished(status: status, stdout: outData, stderr: errData)
}

/// A pipe whose two ends are close-on-exec from the start (pipe2(2)): read end, write end.
private func closeOnExecPipe() throws -> (FileHandle, FileHandle) {
  var fds: [Int32] = [-1, -1]
  guard pg_pipe_cloexec(&fds) == 0 else { throw POSIXError(.EMFILE) }
  return (
    FileHandle(fileDescriptor: fds[0], closeOnDealloc: true),
    FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
  )
}

/// Writes a file with a mode, through a close-on-exec descriptor: a descriptor open for
/// writing that leaks into a child started meanwhile by a parallel test makes executing the
/// file fail with ETXTBSY.
public func write(_ text: String, to path: String, mode: Int = 0o644) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
  guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
  defer { close(fd) }
  let bytes = Array(text.utf8)
  guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count,
    fchmod(fd, mode_t(mode)) == 0
  else { throw CocoaError(.fileWriteUnknown) }
}

/// Reads a file as text ("" when missing).
public func read(_ path: String) -> String {
  (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// The audit log's records as dictionaries, one per line.
public func auditRecords(_ path: String) -> [[String: Any]] {
  read(path).split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
}

/// The environment sshd gives a forced command, as in FIELD-NOTES §2, plus a client's LANG.
public func sshEnvironment(command: String?, extra: [String: String] = [:]) -> [String: String] {
  var environment = [
    "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": NSHomeDirectory(), "USER": NSUserName(),
    "LOGNAME": NSUserName(), "SHELL": "/bin/sh", "MOTD_SHOWN": "pam",
    "SSH_CONNECTION": "203.0.113.7 51234 192.0.2.1 22", "SSH_CLIENT": "203.0.113.7 51234 22",
    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "RSYNC_NO_XFER_EXEC": "1", "REMOTE_HOST": "evil",
  ]
  if let command { environment["SSH_ORIGINAL_COMMAND"] = command }
  environment.merge(extra) { $1 }
  return environment
}
