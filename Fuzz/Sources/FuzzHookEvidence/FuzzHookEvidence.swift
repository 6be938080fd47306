// Fuzzes the hook evidence reader, and the hook-to-gate round trip: whatever bytes rsync puts
// in RSYNC_MODULE_NAME, RSYNC_REQUEST and RSYNC_ARG*, the line a hook writes reads back as one
// record with the visible rendering of each field.
import FuzzCheck
import PushgateCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  let evidence = HookEvidence.parse(input)
  require(HookEvidence.parse(input) == evidence, "parse is not deterministic")
  let lineCount = input.prefix(HookEvidence.maximumSize).split(separator: 10).count
  require(evidence.pre.count <= lineCount, "more records than lines")
  for pre in evidence.pre { _ = (pre.isPull, pre.isDryRun, pre.isListOnly, pre.isBatch) }

  // The input's NUL-separated pieces stand for the variables one hook run saw.
  let fields = input.split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
  let module = fields[0]
  let request = fields.count > 1 ? fields[1] : []
  let arguments = Array(fields.dropFirst(2))
  let visible = { (field: [UInt8]) in VisibleBytes.render(field, limit: 512).text }

  let preLine = HookEvidence.preLine(module: module, request: request, arguments: arguments)
  checkOneLine(preLine)
  let pre = HookEvidence.parse(preLine)
  require(pre.pre.count == 1, "a pre-xfer line reads back as \(pre)")
  if let record = pre.pre.first {
    require(record.module == visible(module), "module reads back as '\(record.module)'")
    require(record.request == visible(request), "request reads back as '\(record.request)'")
    require(
      record.arguments == arguments.prefix(61).map(visible),
      "arguments read back as \(record.arguments)")
  }

  return 0
}

/// A hook line is visible ASCII and tabs, ending in its only newline.
private func checkOneLine(_ line: [UInt8]) {
  require(line.last == 10, "the hook line does not end in a newline")
  require(
    line.dropLast().allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 9 },
    "the hook line is not visible ASCII: '\(shown(line))'")
}
