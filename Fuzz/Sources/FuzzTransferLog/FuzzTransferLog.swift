// Fuzzes the reader of rsync's transfer log: whatever rsync (or a name it escapes) puts in the
// log, the counts are the same in any chunking, never more than the lines, and nothing counts
// without the session's tag.
import FuzzCheck
import PushgateCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  let whole = TransferLog.read(input, tag: "0123abcd", pushModule: "push")
  let lines = input.filter { $0 == 10 }.count
  require(whole.created + whole.changed + whole.deleted + whole.sent <= lines, "more items than lines")
  require(whole.bytesReceived >= 0, "negative bytes")
  require(!whole.isUnknown, "a readable log is never unknown")

  var chunked = TransferLog(tag: "0123abcd", pushModule: "push")
  var start = 0
  var step = 1
  while start < input.count {
    let end = min(start + step, input.count)
    chunked.feed(input[start..<end])
    start = end
    step = step % 97 + 1
  }
  require(chunked.changes == whole, "chunking changed the counts: \(chunked.changes) vs \(whole)")

  let untagged = TransferLog.read(input, tag: "feedfacefeedface", pushModule: "push")
  let mentionsTag = input.indices.contains { index in
    input[index...].starts(with: Array("pushgate-feedfacefeedface ".utf8))
  }
  require(mentionsTag || untagged == TransferChanges(), "lines without the tag counted: \(untagged)")
  return 0
}
