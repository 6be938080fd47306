// The snapshots of an area as both engines make them, for tests stated once for both: rsnapshot's
// `hourly.N` (0 the newest) and btrfs's read-only subvolumes named by their UTC time.
import Foundation
import Glibc
import TestSupport
import Testing

extension BackupRoot {
  /// The key's snapshots, newest first: `hourly.0`, `hourly.1` ...; or the btrfs names
  /// (`YYYY-MM-DDTHHMMSSZ`, which sort by time), latest first.
  func history(_ key: String? = nil) -> [String] {
    switch engine {
    case .rsnapshot: return snapshots(key)
    case .btrfs:
      return names(in: snapshotsDirectory(key ?? keys[0])).filter(isBtrfsSnapshotName).reversed()
    }
  }

  /// The path of the key's newest snapshot.
  func newestSnapshot(_ key: String? = nil) -> String? {
    history(key).first.map { snapshotsDirectory(key ?? keys[0]) + "/" + $0 }
  }

  /// Whether the client was told a snapshot was taken: `pushgate: snapshot taken` (rsnapshot)
  /// or `pushgate: snapshot NAME taken` (btrfs).
  func saysSnapshotTaken(_ err: String) -> Bool {
    lines(err).contains { line in
      switch engine {
      case .rsnapshot: return line == "pushgate: snapshot taken"
      case .btrfs:
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        return words.count == 4 && words[0] == "pushgate:" && words[1] == "snapshot"
          && isBtrfsSnapshotName(String(words[2])) && words[3] == "taken"
      }
    }
  }

  /// Starts pushing the key's source directory (default: the first key's, or `from`) in the
  /// background.
  ///
  /// The client's output goes to files in the temporary directory.
  func startPush(_ options: [String] = ["-a"], key: String? = nil, from: String? = nil) throws
    -> SpawnedProcess
  {
    let key = key ?? keys[0]
    return try SpawnedProcess(
      ["/usr/bin/rsync"] + clientPrefix() + options + [
        (from ?? source(key)) + "/", "localhost::push",
      ],
      environment: clientEnvironment(key),
      output: temporary.path + "/client-\(key)-\(UInt32.random(in: 0..<1_000_000_000))")
  }

  /// With btrfs: expects each of the key's snapshots to be a read-only subvolume (its own
  /// root, `ro=true`) owned by the backup account, whose files not even root can write.
  func expectSealedSnapshots(
    _ key: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard engine == .btrfs else { return }
    let owner = account?.uid ?? 0
    for name in history(key) {
      let snapshot = snapshotsDirectory(key ?? keys[0]) + "/" + name
      var info = stat()
      #expect(lstat(snapshot, &info) == 0, "\(snapshot)", sourceLocation: sourceLocation)
      // 256: the inode of every subvolume's root directory (BTRFS_FIRST_FREE_OBJECTID).
      #expect(info.st_ino == 256, "not a subvolume: \(snapshot)", sourceLocation: sourceLocation)
      #expect(info.st_uid == owner, "\(snapshot) owner", sourceLocation: sourceLocation)
      #expect(
        btrfsReadOnlyProperty(snapshot) == "ro=true", "\(snapshot)",
        sourceLocation: sourceLocation)
      let fd = open(snapshot + "/written-later", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
      let error = errno
      if fd >= 0 { close(fd) }
      #expect(
        fd < 0 && error == EROFS, "\(snapshot) took a new file", sourceLocation: sourceLocation)
    }
  }
}

/// Whether `name` is a btrfs snapshot's name, `YYYY-MM-DDTHHMMSSZ`.
func isBtrfsSnapshotName(_ name: String) -> Bool {
  let pattern = Array("dddd-dd-ddTddddddZ")
  let bytes = Array(name)
  return bytes.count == pattern.count
    && zip(bytes, pattern).allSatisfy { $1 == "d" ? $0.isASCII && $0.isNumber : $0 == $1 }
}

/// The bytes of each file below `directory`, by relative path: equal maps are byte-equal trees.
func fileBytes(_ directory: String) -> [String: Data] {
  TreeState.of(directory).entries.compactMapValues { $0.contents }
}

/// A root on a new btrfs with `keys`, run by a new non-root backup account.
///
/// The caller removes both. Fails (never skips, as BtrfsDisk) where accounts cannot be added.
func btrfsAccountRoot(keys: [String] = ["laptop"], settings: [String] = []) throws -> (
  BackupRoot, TestAccount
) {
  try #require(canAddAccounts, "btrfs tests with a backup account add one: run as root")
  let account = try TestAccount()
  do {
    return (
      try BackupRoot(keys: keys, settings: settings, account: account, engine: .btrfs), account
    )
  } catch {
    account.remove()
    throw error
  }
}
