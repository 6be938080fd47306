// rsync's pre-xfer and post-xfer hooks: record what rsync saw into the session's evidence file.
import Glibc
import PushgateCore
import PushgateSystem

/// Appends one evidence line and exits 0; a hook must never abort the client's transfer.
/// Without the line, the session simply takes no snapshot, and the log says so.
func recordHook(name: String, evidence: String) -> Never {
  let module = RawEnvironment.bytes("RSYNC_MODULE_NAME") ?? []
  let line: [UInt8]
  if name == "pre-xfer" {
    var arguments: [[UInt8]] = []
    while arguments.count < 60, let argument = RawEnvironment.bytes("RSYNC_ARG\(arguments.count)") {
      arguments.append(argument)
    }
    line = HookEvidence.preLine(
      module: module, request: RawEnvironment.bytes("RSYNC_REQUEST") ?? [], arguments: arguments)
  } else {
    line = HookEvidence.postLine(module: module, status: RawEnvironment.bytes("RSYNC_EXIT_STATUS") ?? [])
  }
  _ = EvidenceFile.append(path: evidence, line: line)
  exit(0)
}
