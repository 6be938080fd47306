// Runs the programs `pushgate doctor` and `authorize` check with (rsync, rsnapshot, the
// login shell, sshd -T) through Spawn.capture: no shell, a fixed environment, stdin
// /dev/null, a session of its own, stdout and stderr captured apart, the whole process group
// killed when it overruns, and as the backup account when root runs what the account controls.
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// One program run for a fact, bounded in time and output.
enum DoctorRunner {
  /// How long any one program may take.
  static let timeoutSeconds = 20
  /// Output kept per stream.
  static let outputLimit = 65536

  /// Runs `path` with `arguments` (argv[0] included) and `environment` in `directory`, as
  /// `account` when given (the child changes its groups, gid and uid; root only).
  static func run(
    _ path: String, _ arguments: [String],
    environment: [String] = ["PATH=/usr/bin:/bin", "LC_ALL=C"],
    directory: String = "/", as account: DoctorAccount? = nil
  ) -> DoctorRun {
    if let problem = Executable.problem(path) { return .notRun(problem.text) }
    let credentials = account.map {
      Spawn.Credentials(uid: $0.uid, gid: $0.gid, groups: $0.groups)
    }
    let captured: Spawn.Captured
    do {
      captured = try Spawn.capture(
        ProgramRun(
          path: path, arguments: arguments, environment: environment, directory: directory),
        as: credentials, timeoutSeconds: timeoutSeconds, outputLimit: outputLimit)
    } catch {
      return .notRun(error.text)
    }
    guard let end = captured.end else { return .timedOut(seconds: timeoutSeconds) }
    return .ran(
      status: end.passedOnStatus, stdout: String(decoding: captured.output, as: UTF8.self),
      stderr: String(decoding: captured.error, as: UTF8.self))
  }
}
