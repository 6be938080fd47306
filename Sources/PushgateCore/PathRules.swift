// What a path or name in our settings may look like.

/// Rules for paths and names that end up in commands, hook lines and rsync parameters.
///
/// Paths are restricted to a conservative ASCII set so that they can never be read as shell
/// syntax (rsync runs hook commands through `/bin/sh -c`) nor as two words.
public enum PathRules {
  /// Whether `byte` may appear in a path we use.
  public static func isSafe(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      true
    case UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
      UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "@"), UInt8(ascii: ":"):
      true
    default: false
    }
  }

  /// An absolute, normalised path of safe bytes: no `//`, no `.` or `..` part, no trailing `/`.
  public static func isSafeAbsolute(_ path: String) -> Bool {
    let bytes = Array(path.utf8)
    guard bytes.count > 1, bytes.count <= 1024, bytes.first == UInt8(ascii: "/"),
      bytes.last != UInt8(ascii: "/"), bytes.allSatisfy(isSafe)
    else { return false }
    let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
  }

  /// An rsync module name: letters, digits, `.`, `_` and `-`, not starting with `.` or `-`.
  public static func isModuleName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= 64, first != UInt8(ascii: "."),
      first != UInt8(ascii: "-")
    else { return false }
    return bytes.allSatisfy {
      isSafe($0) && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "+")
        && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "@") && $0 != UInt8(ascii: ":")
    }
  }
}
