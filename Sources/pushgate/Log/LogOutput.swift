// Buffered standard output and cached key fingerprints for `pushgate log`.
import PushgateAdminCore
import PushgateCore

/// Standard output through a 64 KiB buffer: one write(2) per buffer, not per row.
struct LogOutput {
  private var buffer: [UInt8] = []
  private let capacity = 1 << 16
  private var hasHeader = false

  init() { buffer.reserveCapacity(capacity + 4096) }

  /// Appends `bytes` and a newline.
  mutating func line(_ bytes: some Collection<UInt8>) {
    buffer.append(contentsOf: bytes)
    buffer.append(UInt8(ascii: "\n"))
    if buffer.count >= capacity { flush() }
  }

  /// Appends the row for `summary` and a newline; the header row first, before the first
  /// row, so a log with no matching session prints nothing at all (cron mails nothing).
  mutating func row(_ summary: SessionSummary) {
    if !hasHeader {
      hasHeader = true
      line(LogRow.header)
    }
    LogRow.render(summary, into: &buffer)
    buffer.append(UInt8(ascii: "\n"))
    if buffer.count >= capacity { flush() }
  }

  /// Appends `text` and a newline.
  mutating func line(_ text: String) {
    var text = text
    text.withUTF8 { line($0) }
  }

  /// Writes out what is buffered, through ``Terminal``; a reader that went away (EPIPE) ends
  /// the output quietly.
  mutating func flush() {
    Terminal.write(bytes: buffer)
    buffer.removeAll(keepingCapacity: true)
  }
}

/// Short fingerprints, computed once per distinct key with libssh.
///
/// At most `limit` keys of at most `longestCached` bytes are kept (a 16384-bit RSA key is about
/// 2,800), so an edited log full of distinct or huge "keys" cannot grow it past a few MiB.
struct FingerprintCache {
  /// Keyed by the base64 blob alone (it names its own type), so a lookup builds no string.
  private var known: [String: (type: String, short: String?)] = [:]
  private let limit = 1024
  private let longestCached = 4096

  /// The short fingerprint (`SHA256:` and 12 characters) of a key, or `nil` when libssh
  /// cannot read it.
  mutating func short(type: String, base64: String) -> String? {
    if let cached = known[base64], cached.type == type { return cached.short }
    let computed = KeyFingerprint.sha256(type: type, base64: base64).map {
      "SHA256:" + KeyFingerprint.short($0)
    }
    guard base64.utf8.count <= longestCached else { return computed }
    if known.count >= limit { known.removeAll(keepingCapacity: true) }
    known[base64] = (type, computed)
    return computed
  }
}
