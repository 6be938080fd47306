// What `pushgate status` could learn from the root's lock file.
import PushgateCore

/// What `pushgate status` knows about the slots.
public enum LockReport: Equatable, Sendable {
  /// No settings file was given with `--file`, so there is no lock file to look at.
  case notAsked
  /// The lock file could not be read; the text says why.
  case unreadable(String)
  /// The lock file was read.
  case read(LockView)
}
