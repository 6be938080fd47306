// The kernel's table of mounts (/proc/self/mountinfo, proc(5)), read for the mount that holds
// the backup root: its file system and its options.
//
// A line is `ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER`;
// the kernel writes a space, tab, newline or backslash in a path as `\040`-style octal.

/// One mount, as /proc/self/mountinfo lists it.
public struct MountEntry: Equatable, Sendable {
  /// Where it is mounted, unescaped.
  public var mountPoint: String
  /// The file system type, such as `btrfs`.
  public var fileSystem: String
  /// The device or other source, unescaped.
  public var source: String
  /// The per-mount options, such as `rw` and `noatime`.
  public var mountOptions: [String]
  /// The file system's own (super block) options, such as `user_subvol_rm_allowed`.
  public var superOptions: [String]

  /// A mount entry.
  public init(
    mountPoint: String, fileSystem: String, source: String, mountOptions: [String],
    superOptions: [String]
  ) {
    self.mountPoint = mountPoint
    self.fileSystem = fileSystem
    self.source = source
    self.mountOptions = mountOptions
    self.superOptions = superOptions
  }

  /// Whether the mount, or the file system under it, is read-only.
  public var isReadOnly: Bool { mountOptions.contains("ro") || superOptions.contains("ro") }

  /// Whether any account may delete a subvolume it owns (btrfs' `user_subvol_rm_allowed`).
  public var allowsUserSubvolumeRemoval: Bool {
    (mountOptions + superOptions).contains("user_subvol_rm_allowed")
  }
}

/// Parsing /proc/self/mountinfo.
public enum MountInfo {
  /// Every well-formed line of `text`, in order; a line that is not is skipped.
  public static func parse(_ text: String) -> [MountEntry] {
    text.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
      guard fields.count >= 10, let dash = fields[6...].firstIndex(of: "-"),
        dash + 3 < fields.count
      else { return nil }
      return MountEntry(
        mountPoint: unescape(fields[4]), fileSystem: fields[dash + 1],
        source: unescape(fields[dash + 2]),
        mountOptions: fields[5].split(separator: ",").map(String.init),
        superOptions: fields[dash + 3].split(separator: ",").map(String.init))
    }
  }

  /// The mount that holds the absolute, resolved `path`: the longest mount point that is `path`
  /// or a directory above it; of two at the same point, the later (mounted over the first).
  public static func containing(_ path: String, in entries: [MountEntry]) -> MountEntry? {
    var best: MountEntry? = nil
    for entry in entries where holds(entry.mountPoint, path) {
      if entry.mountPoint.utf8.count >= (best?.mountPoint.utf8.count ?? 0) { best = entry }
    }
    return best
  }

  private static func holds(_ mountPoint: String, _ path: String) -> Bool {
    if mountPoint == "/" || mountPoint == path { return true }
    return path.utf8.starts(with: (mountPoint + "/").utf8)
  }

  /// `\NNN` (three octal digits) as the byte it stands for.
  static func unescape(_ field: String) -> String {
    let bytes = Array(field.utf8)
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
      let digits = bytes.count - index > 3 ? bytes[(index + 1)...(index + 3)] : []
      if bytes[index] == UInt8(ascii: "\\"), digits.count == 3,
        digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") })
      {
        let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
        if value < 256 {
          out.append(UInt8(value))
          index += 4
          continue
        }
      }
      out.append(bytes[index])
      index += 1
    }
    return String(decoding: out, as: UTF8.self)
  }
}
