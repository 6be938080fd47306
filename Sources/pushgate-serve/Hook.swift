// rsync's pre-xfer hook: record what the client asked for into the session's evidence file.
import Glibc
import PushgateCore
import PushgateSystem

/// Appends one evidence line and exits 0; a hook must never abort the client's transfer.
///
/// Without the line, the session's activity reads as unknown in the log; what it changed, and so
/// the snapshot, comes from rsync's transfer log.
func recordHook(evidence: String) -> Never {
  var arguments: [[UInt8]] = []
  while arguments.count < 60, let argument = RawEnvironment.bytes("RSYNC_ARG\(arguments.count)") {
    arguments.append(argument)
  }
  let line = HookEvidence.preLine(
    module: RawEnvironment.bytes("RSYNC_MODULE_NAME") ?? [],
    request: RawEnvironment.bytes("RSYNC_REQUEST") ?? [], arguments: arguments)
  _ = EvidenceFile.append(path: evidence, line: line)
  exit(0)
}
