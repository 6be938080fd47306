// Whether a path is root's alone: what root's tools may run, or hand to a program that
// evaluates it, when they run as root.
import Glibc
import PushgateSystem

/// Checks that only root can change a file: the file and every directory above it, both along
/// the path as given and along the path with its symbolic links resolved (realpath(3), lstat(2)).
enum RootOnly {
  /// What lets an account other than root change `path` (or what it resolves to), and the
  /// fix; `nil` when nothing does. A directory writable by group or others passes only when
  /// it is sticky and the entry in it is root's.
  static func hazard(_ path: String) -> (found: String, fix: String)? {
    guard let resolved = realpath(path, nil) else {
      return ("cannot resolve \(path): \(String(cString: strerror(errno)))", "correct the path")
    }
    defer { free(resolved) }
    let real = String(cString: resolved)
    return hazard(along: prefixes(path).dropLast()) ?? hazard(along: prefixes(real)[...])
  }

  private static func hazard(along chain: ArraySlice<String>) -> (found: String, fix: String)? {
    var inSharedDirectory = false
    for path in chain {
      var info = stat()
      guard lstat(path, &info) == 0 else {
        return ("cannot inspect \(path): \(String(cString: strerror(errno)))", "correct the path")
      }
      let kind = info.st_mode & S_IFMT
      // A symlink's own owner cannot change it; only the directory it is in can.
      if info.st_uid != 0 && (kind != S_IFLNK || inSharedDirectory) {
        let owner = Accounts.name(of: info.st_uid) ?? String(info.st_uid)
        return ("\(path) is owned by \(owner)", "chown root:root \(path)")
      }
      inSharedDirectory = false
      guard kind != S_IFLNK, info.st_mode & 0o022 != 0 else { continue }
      guard kind == S_IFDIR, info.st_mode & S_ISVTX != 0 else {
        let mode = String(info.st_mode & 0o7777, radix: 8)
        return (
          "\(path) has mode \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode)",
          "chmod go-w \(path)"
        )
      }
      inSharedDirectory = true
    }
    return nil
  }

  /// `/`, `/a`, `/a/b`, ... up to `path` itself.
  private static func prefixes(_ path: String) -> [String] {
    var result = ["/"]
    var current = ""
    for part in path.split(separator: "/") where part != "." {
      current += "/" + part
      result.append(current)
    }
    return result
  }
}
