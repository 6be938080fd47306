// pushgate-serve: what sshd runs for every backup connection.
import Glibc
import PushgateCore
import PushgateSystem

// A vanished client must not kill us before the log line is written; children get SIGPIPE
// back at its default (pg_spawn resets every signal in the child).
signal(SIGPIPE, SIG_IGN)
Signals.unblockAll()
Descriptors.sanitize()

switch ServeArguments.parse(Array(CommandLine.arguments.dropFirst())) {
case .serve(let config, let key)?:
  serve(config: config, key: key)
case .hook(let evidence)?:
  recordHook(evidence: evidence)
case .detachedSnapshot(let config, let key, let session)?:
  runDetachedSnapshot(config: config, key: key, session: session)
case .version?:
  print("pushgate-serve \(Version.text)")
case nil:
  stopWithUsage(Array(CommandLine.arguments.dropFirst()))
}
