// The access ACL parser doctor reads ROOT's `system.posix_acl_access` with: the bytes setfacl
// writes, what a mask lets through, and what is not an ACL.
import PushgateAdminCore
import Testing

/// The attribute's bytes for `entries` (tag, permissions, id), version 2, little-endian.
private func attribute(_ entries: [(UInt16, UInt16, UInt32)], version: UInt32 = 2) -> [UInt8] {
  func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }
  return bytes(version) + entries.flatMap { bytes($0.0) + bytes($0.1) + bytes($0.2) }
}

/// `setfacl -m u:nagios:x,g:staff:rwx` on a 1770 directory, as `getfacl` would list it.
private let monitoringAndStaff: [(UInt16, UInt16, UInt32)] = [
  (0x01, 7, 0xFFFF_FFFF), (0x02, 1, 1001), (0x04, 7, 0xFFFF_FFFF), (0x08, 7, 50),
  (0x10, 7, 0xFFFF_FFFF), (0x20, 0, 0xFFFF_FFFF),
]

@Suite struct PosixACLTests {
  @Test func parsesWhatSetfaclWrites() throws {
    let acl = try #require(PosixACL(attribute: attribute(monitoringAndStaff)))
    #expect(acl.entries.count == 6)
    #expect(acl.entries[1] == PosixACL.Entry(tag: .user, permissions: 1, id: 1001))
    #expect(acl.entries[3] == PosixACL.Entry(tag: .group, permissions: 7, id: 50))
  }

  @Test func aNamedWriterIsOneTheMaskLetsWrite() throws {
    let acl = try #require(PosixACL(attribute: attribute(monitoringAndStaff)))
    #expect(acl.namedWriters == [PosixACL.Entry(tag: .group, permissions: 7, id: 50)])
    // The same entries under a mask of r-x: nobody named may write.
    var masked = monitoringAndStaff
    masked[4].1 = 5
    #expect(try #require(PosixACL(attribute: attribute(masked))).namedWriters.isEmpty)
    // The owner, the owning group and others are the mode's business, never named writers.
    let modeOnly = try #require(
      PosixACL(attribute: attribute([(0x01, 7, 0), (0x04, 7, 0), (0x20, 7, 0)])))
    #expect(modeOnly.namedWriters.isEmpty)
  }

  @Test func whatIsNotAVersion2ACLIsNil() {
    #expect(PosixACL(attribute: []) == nil)
    #expect(PosixACL(attribute: attribute(monitoringAndStaff, version: 1)) == nil)
    #expect(PosixACL(attribute: attribute(monitoringAndStaff) + [0]) == nil)
    #expect(PosixACL(attribute: attribute([(0x40, 7, 0)])) == nil)
    #expect(PosixACL(attribute: attribute([]))?.entries == [])
  }
}
