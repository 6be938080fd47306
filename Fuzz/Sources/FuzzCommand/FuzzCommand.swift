// Fuzzes the command classifier: it allows an input only when the input is byte-identical to
// the allowed command, and every refusal has the reason the input's shape calls for.
import FuzzCheck
import PushgateCore

/// Roots the classifier is checked against: the default, and a longer one with more bytes
/// that a Unicode-aware comparison could fold (`K`, `-`).
private let roots = ["/backup", "/srv/Backups/K-laptop_2.old"]
private let commands = roots.map {
  (AllowedCommand(root: $0), Array("cd \($0) && rsync --server --daemon .".utf8))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  for (command, allowed) in commands {
    require(
      command.bytes == allowed, "the allowed command is not 'cd ROOT && rsync --server --daemon .'")
    let verdict = command.classify(input)
    switch verdict {
    case .allow:
      require(input == allowed, "allowed '\(shown(input))', which differs from '\(shown(allowed))'")
    case .refuse(.notViaSSH):
      require(input.isEmpty, "refused non-empty '\(shown(input))' as not-via-ssh")
    case .refuse(.tooLong(let count)):
      require(count == input.count, "too-long reports \(count) bytes for \(input.count)")
      require(
        input.count > AllowedCommand.maximumLength, "refused \(input.count) bytes as too long")
    case .refuse(.notAllowed):
      require(input != allowed, "refused the allowed command")
      require(
        !input.isEmpty && input.count <= AllowedCommand.maximumLength,
        "wrong reason for '\(shown(input))'")
    case .refuse(let other):
      require(false, "classify returned \(other), which only slots and snapshots may")
    }
    require(command.classify(input) == verdict, "classify is not deterministic")
  }
  return 0
}
