// Where the running executable is (readlink(2) of /proc/self/exe: the kernel's word, not
// argv[0] or PATH, which whoever started us chose).
import Glibc

/// The running executable's path.
public enum SelfPath {
  /// The absolute path of the running executable (readlink(2) of /proc/self/exe), or `""`
  /// when it cannot be read.
  public static func executable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return "" }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
