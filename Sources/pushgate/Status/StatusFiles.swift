// The files pushgate status reads and writes: the audit log, the lock files, the areas' state,
// a textfile output.
import Foundation
import Glibc
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

enum StatusFiles {
  /// Adds every record of `log` and its rotations to `tally`; returns why the log (or one of
  /// its rotations) cannot be read, or `nil`.
  static func read(_ log: String, into tally: inout StatusTally) -> String? {
    let files = LogFiles.files(for: log)
    guard !files.isEmpty else { return String(cString: strerror(ENOENT)) }
    for file in files {
      errno = 0
      let opened = LogFiles.forEachLine(in: file) { line in
        if let entry = AuditEntry(line) { tally.add(entry) } else { tally.damagedLines += 1 }
      }
      if !opened {
        let name = URL(fileURLWithPath: file).lastPathComponent
        return "\(name): " + (errno == 0 ? "cannot open" : String(cString: strerror(errno)))
      }
    }
    tally.finish()
    return nil
  }

  /// The slots, read from the settings' lock file.
  ///
  /// A lock file that does not exist yet means nobody holds anything. Whoever cannot open the lock
  /// file (it is the backup account's alone) reads the group-readable holders file instead.
  static func locks(_ settings: Settings) -> LockReport {
    let probe: LockProbe
    do {
      probe = try LockProbe.open(settings.lockFile)
    } catch {
      if error.number == ENOENT { return .read(LockView(slots: free(settings))) }
      if error.number == EACCES { return holders(settings, lockFileError: error) }
      return .unreadable("'\(settings.lockFile)': " + error.text)
    }
    defer { probe.close() }
    do {
      return .read(try probe.view(slots: settings.maxConnections))
    } catch {
      return .unreadable("'\(settings.lockFile)': " + error.text)
    }
  }

  /// The slots as the holders file publishes them, for a user who cannot open the lock file.
  private static func holders(_ settings: Settings, lockFileError: SystemError) -> LockReport {
    let probe: LockProbe
    do {
      probe = try LockProbe.open(settings.holdersFile)
    } catch {
      // No session has published yet: nothing is held.
      if error.number == ENOENT { return .read(LockView(slots: free(settings))) }
      return .unreadable(
        "'\(settings.lockFile)': \(lockFileError.text); '\(settings.holdersFile)': \(error.text)")
    }
    defer { probe.close() }
    do {
      return .read(try probe.holdersView(slots: settings.maxConnections))
    } catch {
      return .unreadable("'\(settings.holdersFile)': " + error.text)
    }
  }

  private static func free(_ settings: Settings) -> [SlotState] {
    (0..<settings.maxConnections).map { SlotState(slot: $0, holder: nil) }
  }

  /// Every area under the settings' `ROOT/keys`, each as ``area(_:)`` reads it.
  static func areas(_ settings: Settings) -> AreaListing {
    do {
      return .listed(
        try AreaFiles.labels(settings).map {
          area(settings.area($0), countingSnapshots: settings.snapshots == .btrfs)
        })
    } catch {
      return .unreadable("'\(settings.keysDirectory)': " + error.text)
    }
  }

  /// What holds `area` now, what it has pending and when it was last snapshotted; with
  /// `countingSnapshots` (btrfs), the snapshots in its snapshots/.
  ///
  /// Its state directory belongs to the backup account (mode 0700): another user, such as a
  /// monitoring account, gets "unknown" and the reason, never an error.
  static func area(_ area: Area, countingSnapshots: Bool = false) -> AreaReport {
    var report = AreaReport(label: area.label)
    if countingSnapshots {
      do {
        report.snapshots = SnapshotCount.of(try Btrfs.snapshotNames(of: area))
      } catch {
        report.snapshots = .unreadable(error.text)
      }
    }
    if let directory = try? FileStatus.of(area.directory) { report.since = directory.modified }
    do {
      let probe = try LockProbe.open(area.lockFile)
      defer { probe.close() }
      report.activity = try probe.areaView()
    } catch {
      // No lock file yet: no session has ever held the area.
      if error.number != ENOENT {
        report.activity = .unknown
        report.problem = "'\(area.lockFile)': " + error.text
      }
    }
    // AreaFiles.state reads a pending file it cannot see as "nothing pending": look first.
    do {
      _ = try FileStatus.ifExists(area.pendingFile)
    } catch {
      report.pending = nil
      report.problem = report.problem ?? "'\(area.pendingFile)': " + error.text
      return report
    }
    let state = AreaFiles.state(area)
    report.pending = state.pending
    report.lastSnapshot = state.lastSnapshot
    return report
  }

  /// Writes `text` to `path` as node_exporter's textfile collector requires: whole or not at all,
  /// mode 0644 (AtomicFile.replace).
  ///
  /// Returns the problem, or `nil`.
  static func replace(_ path: String, with text: String) -> String? {
    do {
      try AtomicFile.replace(path: path, bytes: Array(text.utf8), mode: 0o644)
      return nil
    } catch {
      return error.error.reason
    }
  }
}
