// Every byte pushgate writes to stdout or stderr passes through here, escaped.
//
// What the tool prints holds bytes from files the backup account or a client controls (the
// audit log, authorized_keys, key comments, area files, program output). Terminal.write runs
// all of it through VisibleBytes.escaped, and `print` is shadowed in this module so that a new
// print site cannot forget: only a line feed, printable ASCII and valid UTF-8 from U+00A0 up
// reach the terminal; C0 and C1 controls, DEL and invalid UTF-8 read as `\xHH`.
import Glibc
import PushgateCore
import PushgateSystem

/// `Swift.print` for this module, writing through ``Terminal/write(_:to:)``.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  Terminal.write(items.map { "\($0)" }.joined(separator: separator) + terminator)
}

/// Escaped writes to standard output and standard error.
enum Terminal {
  /// Writes `text`, escaped, to `fd` (standard output unless told otherwise).
  static func write(_ text: String, to fd: Int32 = STDOUT_FILENO) {
    write(bytes: Array(text.utf8), to: fd)
  }

  /// Writes `bytes`, escaped, to `fd` (Descriptors.writeAll: write(2) until all is written);
  /// a reader that went away (EPIPE) ends the output quietly.
  static func write(bytes: some Collection<UInt8>, to fd: Int32 = STDOUT_FILENO) {
    Descriptors.writeAll(fd, VisibleBytes.escaped(bytes, keeping: [.newlines, .unicode]))
  }
}
