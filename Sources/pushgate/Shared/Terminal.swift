import PushgateAdminSystem
// Every byte pushgate writes to stdout or stderr passes through here, escaped.
//
// What the tool prints holds bytes from files the backup account or a client controls (the
// audit log, authorized_keys, key comments, area files, program output). Terminal.write runs
// all of it through VisibleBytes.escaped, and `print` is shadowed in this module so that a new
// print site cannot forget: only a line feed, printable ASCII and valid UTF-8 from U+00A0 up
// reach the terminal; C0 and C1 controls, DEL and invalid UTF-8 read as `\xHH`.
import PushgateCore
import PushgateSystem

/// `Swift.print` for this module, writing through ``Terminal/write(_:to:)``.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  Terminal.write(items.map { "\($0)" }.joined(separator: separator) + terminator)
}

/// Escaped writes to standard output and standard error.
enum Terminal {
  /// Where a write goes.
  enum Stream: Int32 {
    /// Standard output, descriptor 1.
    case output = 1
    /// Standard error, descriptor 2.
    case error = 2
  }

  /// Writes `text`, escaped, to `stream` (standard output unless told otherwise).
  static func write(_ text: String, to stream: Stream = .output) {
    write(bytes: Array(text.utf8), to: stream)
  }

  /// Writes `bytes`, escaped, to `stream` (Descriptors.writeAll: write(2) until all is
  /// written); a reader that went away (EPIPE) ends the output quietly.
  static func write(bytes: some Collection<UInt8>, to stream: Stream = .output) {
    let safe = VisibleBytes.escaped(bytes, keeping: [.newlines, .unicode])
    Descriptors.writeAll(stream.rawValue, safe)
  }
}
