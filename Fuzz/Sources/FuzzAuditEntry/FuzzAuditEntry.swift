// Fuzzes the audit record reader on arbitrary lines, and the writer-reader round trip: a
// record written with the input as the client's command, key label and SSH_CONNECTION reads
// back with the fields the writer meant.
import FuzzCheck
import PushgateAdminCore
import PushgateCore

/// Fields of docs/audit-log.md, plus names that are not there.
private let names = [
  "v", "time", "session", "event", "key", "peer", "port", "pubkey_type", "pubkey", "user",
  "command", "command_truncated", "command_bytes", "reason", "detail", "slot", "wait_ms", "pid",
  "status", "signal", "duration_ms", "module", "request", "dry_run", "pull", "args",
  "hook_status", "snapshot", "snapshot_reason", "result", "mode", "output", "", "missing",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  readArbitraryLine(input)
  roundTrip(input)
  return 0
}

/// Any line: parse it and ask for every field in every type.
private func readArbitraryLine(_ input: [UInt8]) {
  guard let entry = AuditEntry(input) else { return }
  require(entry.bytes == input, "the entry does not keep the line's bytes")
  let isUTF8 = String(validating: input, as: UTF8.self) != nil
  for name in names {
    let text = entry.string(name)
    _ = (entry.int(name), entry.bool(name))
    if let text, isUTF8 {
      require(entry.has(name, text), "has('\(name)', string('\(name)')) is false")
    }
  }
  _ = (entry.event, entry.session, entry.key, entry.time)
}

/// The writer's records read back: the command is its visible rendering, whatever the bytes.
private func roundTrip(_ input: [UInt8]) {
  let label = String(decoding: input.prefix(80), as: UTF8.self)
  let context = SessionContext(
    session: "0123456789abcdef", key: label, originalCommand: input, sshConnection: input)
  let record = AuditRecord.refused(context, .notAllowed, time: 1_795_782_000)
  require(record.last == UInt8(ascii: "\n"), "the record does not end in a newline")
  let line = record.dropLast()
  require(
    line.allSatisfy { $0 >= 0x20 && $0 < 0x7F },
    "the record is not one printable line: '\(shown(Array(line)))'")
  guard let entry = AuditEntry(line) else {
    require(false, "the reader refuses the writer's record '\(shown(Array(line)))'")
    return
  }
  require(entry.event == "refused", "event is \(String(describing: entry.event))")
  require(entry.session == "0123456789abcdef", "session is \(String(describing: entry.session))")
  require(entry.time == 1_795_782_000, "time is \(String(describing: entry.time))")
  require(entry.int("v") == AuditRecord.version, "v is \(String(describing: entry.int("v")))")
  require(entry.has("reason", "not-allowed"), "reason is not not-allowed")
  let command = VisibleBytes.render(input).text
  require(
    entry.string("command") == command,
    "command reads back as \(String(describing: entry.string("command"))), written \(command)")
  require(entry.has("command", command), "has('command', rendering) is false")
  require(entry.int("command_bytes") == input.count, "command_bytes is not \(input.count)")
  require(
    entry.bool("command_truncated") == (input.count > 256 ? true : nil),
    "command_truncated is wrong for \(input.count) bytes")
  require(
    entry.key == VisibleBytes.render(Array(label.utf8)).text,
    "key reads back as \(String(describing: entry.key))")
  let peer = PeerAddress.parse(input)
  require(
    entry.string("peer") == peer?.address, "peer is \(String(describing: entry.string("peer")))")
  require(entry.int("port") == peer?.port, "port is \(String(describing: entry.int("port")))")
  if let peer {
    require(peer.address.utf8.count <= 45 && (0...65535).contains(peer.port), "odd peer \(peer)")
  }
}
