// POSIX access ACLs as Linux stores them (the `system.posix_acl_access` extended attribute), for
// doctor: who, beyond ROOT's owner and group, may create names in ROOT.

/// An access ACL, parsed from the attribute's bytes: a little-endian version 2, then 8 bytes per
/// entry (tag, permissions, id), as `setfacl` writes them.
public struct PosixACL: Equatable, Sendable {
  /// One entry: whom it names and what it grants.
  public struct Entry: Equatable, Sendable {
    /// Whom an entry names (`ACL_USER_OBJ` … `ACL_OTHER`).
    public enum Tag: UInt16, Sendable {
      /// The file's owner (`user::`).
      case owner = 0x01
      /// A named user (`user:NAME:`).
      case user = 0x02
      /// The file's group (`group::`).
      case owningGroup = 0x04
      /// A named group (`group:NAME:`).
      case group = 0x08
      /// The most any named entry or the group gets (`mask::`).
      case mask = 0x10
      /// Everyone else (`other::`).
      case other = 0x20
    }

    /// Whom the entry names.
    public var tag: Tag
    /// `r` 4, `w` 2, `x` 1.
    public var permissions: UInt16
    /// The uid or gid of a named user or group.
    public var id: UInt32

    /// Creates an entry.
    public init(tag: Tag, permissions: UInt16, id: UInt32) {
      self.tag = tag
      self.permissions = permissions
      self.id = id
    }
  }

  /// The entries, in the attribute's order.
  public var entries: [Entry]

  /// Parses `bytes`; `nil` when they are not a version 2 ACL.
  public init?(attribute bytes: [UInt8]) {
    func number(_ at: Int, _ width: Int) -> UInt32 {
      (0..<width).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }
    guard bytes.count >= 4, (bytes.count - 4) % 8 == 0, number(0, 4) == 2 else { return nil }
    var entries: [Entry] = []
    for at in stride(from: 4, to: bytes.count, by: 8) {
      guard let tag = Entry.Tag(rawValue: UInt16(number(at, 2))) else { return nil }
      entries.append(
        Entry(tag: tag, permissions: UInt16(number(at + 2, 2)), id: number(at + 4, 4)))
    }
    self.entries = entries
  }

  /// The named users and groups whose entry grants write, as the mask lets it through.
  public var namedWriters: [Entry] {
    let mask = entries.first { $0.tag == .mask }?.permissions ?? 0o7
    return entries.filter { entry in
      (entry.tag == .user || entry.tag == .group) && entry.permissions & mask & 0o2 != 0
    }
  }
}
