// Refusing an rsync daemon-mode client over stdin/stdout (write(2), poll(2), read(2)).
import Glibc
import PushgateCore

/// The one place where the gate writes stdout and reads stdin: a refusal in the rsync daemon
/// protocol, sent before rsync ever starts.
public enum DaemonRefusal {
  /// Sends the greeting, reads (and discards) the client's version and module lines — at most
  /// ``DaemonReply/clientLimit`` bytes within `timeoutMilliseconds` — then sends the error.
  public static func send(_ message: String, timeoutMilliseconds: Int = 5000) {
    guard Descriptors.writeAll(1, DaemonReply.greeting) else { return }
    let deadline = Clock.monotonicMilliseconds() + timeoutMilliseconds
    var lines = 0
    var total = 0
    var buffer = [UInt8](repeating: 0, count: 512)
    while lines < DaemonReply.clientLines && total < DaemonReply.clientLimit {
      let left = deadline - Clock.monotonicMilliseconds()
      guard left > 0 else { break }
      var poller = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, Int32(left))
      if ready < 0 && errno == EINTR { continue }
      guard ready > 0 else { break }
      // Read byte by byte up to a newline budget: nothing after the module line is consumed.
      let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, 1) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      total += 1
      if buffer[0] == UInt8(ascii: "\n") { lines += 1 }
    }
    Descriptors.writeAll(1, DaemonReply.error(message))
  }
}
