// Whether a path is root's alone: what root's tools may run, or hand to a program that
// evaluates it, when they run as root.
import PushgateAdminSystem
import PushgateSystem

/// Checks that only root can change a file: the file and every directory above it, both along
/// the path as given and along the path with its symbolic links resolved (FileStatus:
/// realpath(3), lstat(2)).
enum RootOnly {
  /// What lets an account other than root change `path` (or what it resolves to), and the fix;
  /// `nil` when nothing does.
  ///
  /// A directory writable by group or others passes only when it is sticky and the entry in it is
  /// root's.
  static func hazard(_ path: String) -> (found: String, fix: String)? {
    let real: String
    do {
      real = try FileStatus.resolvedPath(path)
    } catch {
      return ("cannot resolve \(path): \(error.reason)", "correct the path")
    }
    return hazard(along: prefixes(path).dropLast()) ?? hazard(along: prefixes(real)[...])
  }

  private static func hazard(along chain: ArraySlice<String>) -> (found: String, fix: String)? {
    var inSharedDirectory = false
    for path in chain {
      let info: FileStatus
      do {
        info = try FileStatus.of(path)
      } catch {
        return ("cannot inspect \(path): \(error.reason)", "correct the path")
      }
      // A symlink's own owner cannot change it; only the directory it is in can.
      if info.uid != 0 && (info.kind != .symlink || inSharedDirectory) {
        let owner = Accounts.name(of: info.uid) ?? String(info.uid)
        return ("\(path) is owned by \(owner)", "chown root:root \(path)")
      }
      inSharedDirectory = false
      guard info.kind != .symlink, info.mode & 0o022 != 0 else { continue }
      // 0o1000: the sticky bit (S_ISVTX).
      guard info.kind == .directory, info.mode & 0o1000 != 0 else {
        let mode = String(info.mode, radix: 8)
        return (
          "\(path) has mode \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode)",
          "chmod go-w \(path)"
        )
      }
      inSharedDirectory = true
    }
    return nil
  }

  /// `/`, `/a`, `/a/b`, ...
  ///
  /// up to `path` itself.
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
