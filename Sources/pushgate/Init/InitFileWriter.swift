// Reads and atomically replaces the files of a backup root.
//
// A file is never written in place: AtomicFile.replace puts the new text in a fresh temporary
// file in the same directory (O_CREAT | O_EXCL | O_NOFOLLOW, so nothing planted there is
// followed or reused), gives it its owner and mode, fsyncs it and renames it over the old
// name. A crash leaves either the old file or the new one, never half of either.
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// File effects for `pushgate init`.
enum FileWriter {
  /// Reads at most `limit + 1` bytes from `fd` (Descriptors.readAll).
  static func read(_ fd: Int32, limit: Int, path: String) throws(InitFailure) -> [UInt8] {
    do {
      return try Descriptors.readAll(fd, limit: limit)
    } catch {
      throw .system("read", path, error.number)
    }
  }

  /// Puts `step`'s contents, owner and mode in place at `step.path` (AtomicFile.replace).
  static func replace(_ step: SetupStep) throws(InitFailure) {
    do {
      try AtomicFile.replace(
        path: step.path, bytes: step.contents, mode: .init(step.mode),
        owner: AtomicFile.Owner(uid: step.owner.uid, gid: step.owner.gid))
    } catch {
      let operation =
        switch error.step {
        case .create: "create a temporary file next to"
        case .write: "write a temporary file next to"
        case .owner: "give \(step.owner) the file"
        case .mode: "chmod"
        case .sync: "fsync a temporary file next to"
        case .close: "close a temporary file next to"
        case .rename: "replace"
        }
      throw .system(operation, step.path, error.error.number)
    }
  }
}
