// Fuzzes the settings parser: it never crashes, decides the same way twice, returns only
// settings that pass its own rules, and names every mistake in one printable line.
import FuzzCheck
import PushgateCore

private let file = "/backup/pushgate.conf"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  let first = Result { () throws(SettingsError) in try SettingsParser.parse(input, file: file) }
  let second = Result { () throws(SettingsError) in try SettingsParser.parse(input, file: file) }
  require(first == second, "parse is not deterministic")
  let bestEffortLog = SettingsParser.bestEffortAuditLog(input, file: file)
  switch first {
  case .success(let settings):
    checkValid(settings)
    require(
      bestEffortLog == settings.auditLog,
      "bestEffortAuditLog gives '\(bestEffortLog)', parse gives '\(settings.auditLog)'")
  case .failure(let error):
    let text = Array(error.description.utf8)
    require(
      text.allSatisfy { $0 >= 0x20 && $0 < 0x7F },
      "error is not one printable line: '\(shown(text))'")
    require(error.file == file, "error names another file")
    if let line = error.line {
      let lineCount = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .count
      require(line >= 1 && line <= lineCount, "error names line \(line) of \(lineCount)")
    }
  }
  return 0
}

/// Every value that reaches a command line, a lock or a log passes the rules it was read with.
private func checkValid(_ settings: Settings) {
  for path in [
    settings.root, settings.rsync, settings.rsyncdConf, settings.lockFile, settings.auditLog,
    settings.rsnapshot,
  ] {
    require(PathRules.isSafeAbsolute(path), "accepted unsafe path '\(path)'")
  }
  require(PathRules.isModuleName(settings.pushModule), "accepted module '\(settings.pushModule)'")
  require(
    !settings.retain.isEmpty
      && settings.retain.allSatisfy {
        RetainLevel.isLevelName($0.name) && (1...RetainLevel.maximumCount).contains($0.count)
      }
      && Set(settings.retain.map(\.name)).count == settings.retain.count,
    "retain \(settings.retain)")
  require(
    (0...(366 * 86400)).contains(settings.snapshotMinInterval),
    "snapshot_min_interval \(settings.snapshotMinInterval)")
  require(
    (1...1000).contains(settings.maxConnections), "max_connections \(settings.maxConnections)")
  require((0...86400).contains(settings.slotWait), "slot_wait \(settings.slotWait)")
  require((0...86400).contains(settings.ioTimeout), "io_timeout \(settings.ioTimeout)")
  require(
    (1...604800).contains(settings.snapshotTimeout), "snapshot_timeout \(settings.snapshotTimeout)")
  require(
    settings.snapshotOn.allSatisfy { (0...255).contains($0) }
      && Set(settings.snapshotOn).count == settings.snapshotOn.count,
    "snapshot_on \(settings.snapshotOn)")
  // The root goes into the allowed command: that command must be allowed, and nothing shorter.
  let allowed = Array("cd \(settings.root) && rsync --server --daemon .".utf8)
  require(settings.allowedCommand.classify(allowed) == .allow, "the root's own command is refused")
  require(
    settings.allowedCommand.classify(Array(allowed.dropLast())) == .refuse(.notAllowed),
    "a prefix of the allowed command is allowed")
}
