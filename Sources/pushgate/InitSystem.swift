// What `pushgate init` asks the system: accounts, its own path, the host name, and whether
// rsnapshot accepts the written configuration.
import Foundation
import Glibc
import PushgateCore

/// Look-ups and the rsnapshot check for `pushgate init`.
enum InitSystem {
  /// The account called `name` (or the effective user when `nil`) from getpwnam(3) /
  /// getpwuid(3), its primary group's name from getgrgid(3), and its login shell.
  static func account(_ name: String?) throws(InitFailure) -> (SetupAccount, shell: String) {
    let entry = name.map { getpwnam($0) } ?? getpwuid(geteuid())
    guard let entry else {
      throw InitFailure(
        message: name.map { "unknown account '\($0)'; create it first or give --account" }
          ?? "cannot find the current user (uid \(geteuid())) in the password database",
        status: ExitStatus.usage)
    }
    let user = entry.pointee
    let group =
      getgrgid(user.pw_gid).map { String(cString: $0.pointee.gr_name) }
      ?? String(user.pw_gid)
    return (
      SetupAccount(
        name: String(cString: user.pw_name), uid: user.pw_uid, gid: user.pw_gid, group: group),
      String(cString: user.pw_shell)
    )
  }

  /// This machine's name from gethostname(2).
  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Runs `rsnapshot -c FILE configtest` with a fixed environment and returns its exit
  /// status and combined output.
  static func configtest(rsnapshot: String, config: String) throws(InitFailure)
    -> (status: Int32, output: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: rsnapshot)
    process.arguments = ["-c", config, "configtest"]
    process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
    let pipe = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = pipe
    process.standardError = pipe
    do {
      try process.run()
    } catch {
      throw InitFailure(
        message: "cannot run '\(rsnapshot)' to check '\(config)': \(error.localizedDescription); "
          + "install rsnapshot", status: ExitStatus.osError)
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
