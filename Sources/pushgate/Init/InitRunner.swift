// Applies the steps of a SetupPlan: compares each with the disk, never follows a symlink,
// never replaces a differing file without --force, and writes files atomically.
import Glibc
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// What applying one step did.
enum StepOutcome: Equatable {
  /// The path did not exist and was made.
  case created
  /// The path already matched the step.
  case unchanged
  /// The path differed and --force replaced it.
  case updated
  /// The path differs and was left alone; the text says how it differs.
  case kept(String)
}

/// A step that could not be applied; init stops at the first one.
struct InitFailure: Error {
  /// One line, lower case, without the `pushgate: ` prefix.
  let message: String
  /// The exit status init ends with.
  let status: Int32

  /// An operating-system error for `operation` on `path`, with errno's text.
  static func system(_ operation: String, _ path: String, _ number: Int32 = errno) -> InitFailure {
    InitFailure(
      message: "cannot \(operation) '\(path)': \(String(cString: strerror(number)))",
      status: ExitStatus.osError)
  }
}

/// Applies steps one by one.
struct SetupRunner {
  /// Whether differing paths are replaced.
  let force: Bool

  /// Files larger than this are "different" without being read to the end.
  private static let readLimit = 1 << 20

  /// Applies `steps` in order, printing one line per step (a kept path with `keptHint`);
  /// returns whether anything changed and the paths kept because they differ.
  func applyAll(_ steps: [SetupStep], keptHint: String = "")
    throws(InitFailure) -> (changed: Bool, kept: [String])
  {
    var kept: [String] = []
    var changed = false
    for step in steps {
      let outcome = try apply(step)
      switch outcome {
      case .created, .updated:
        changed = true
        print("\(outcome == .created ? "created" : "updated")    \(step.path) (\(step.summary))")
      case .unchanged:
        print("unchanged  \(step.path)")
      case .kept(let how):
        kept.append(step.path)
        print("kept       \(step.path) (\(how)\(keptHint))")
      }
    }
    return (changed, kept)
  }

  /// Brings `step.path` to the state the step describes, or reports how it differs.
  func apply(_ step: SetupStep) throws(InitFailure) -> StepOutcome {
    switch step.kind {
    case .directory(let followsPushes): try directory(step, followsPushes: followsPushes)
    case .subvolume: try subvolume(step)
    case .file: try file(step)
    }
  }

  private func subvolume(_ step: SetupStep) throws(InitFailure) -> StepOutcome {
    var info = stat()
    guard lstat(step.path, &info) == 0 else {
      guard errno == ENOENT else { throw .system("inspect", step.path) }
      do { try Btrfs.createSubvolume(step.path) } catch {
        throw InitFailure(
          message: "cannot create the btrfs subvolume '\(step.path)': \(error.reason)",
          status: ExitStatus.osError)
      }
      try setAttributes(step)
      return .created
    }
    try requireKind(info, S_IFDIR, step.path, "a directory")
    guard Btrfs.isSubvolume(step.path) else {
      throw InitFailure(
        message: "'\(step.path)' exists and is not a btrfs subvolume; move its data away "
          + "('mv \(step.path) \(step.path).old'), run authorize again, and push anew",
        status: ExitStatus.osError)
    }
    return .unchanged
  }

  private func directory(_ step: SetupStep, followsPushes: Bool) throws(InitFailure)
    -> StepOutcome
  {
    var info = stat()
    guard lstat(step.path, &info) == 0 else {
      guard errno == ENOENT else { throw .system("inspect", step.path) }
      guard mkdir(step.path, 0o700) == 0 else { throw .system("create directory", step.path) }
      try setAttributes(step)
      return .created
    }
    try requireKind(info, S_IFDIR, step.path, "a directory")
    if followsPushes { return .unchanged }
    let found = differences(step, info)
    if !found.isEmpty && !force && isFreshMountPoint(step.path, info) {
      try setAttributes(step)
      return .updated
    }
    return try settle(step, found)
  }

  /// Whether `path` is root's and empty but for `lost+found`: a file system just made and
  /// mounted there (or a directory just made for it), which init takes over without --force.
  private func isFreshMountPoint(_ path: String, _ info: stat) -> Bool {
    guard info.st_uid == 0, let names = try? Directory.names(path) else { return false }
    return names.allSatisfy { $0 == "lost+found" }
  }

  private func file(_ step: SetupStep) throws(InitFailure) -> StepOutcome {
    let fd = open(step.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      if errno == ELOOP { throw symlink(step.path) }
      guard errno == ENOENT else { throw .system("open", step.path) }
      try FileWriter.replace(step)
      return .created
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .system("inspect", step.path) }
    try requireKind(info, S_IFREG, step.path, "a regular file")
    var found = differences(step, info)
    if try FileWriter.read(fd, limit: SetupRunner.readLimit, path: step.path) != step.contents {
      found.insert("content differs", at: 0)
    }
    return try settle(step, found)
  }

  private func settle(_ step: SetupStep, _ found: [String]) throws(InitFailure) -> StepOutcome {
    if found.isEmpty { return .unchanged }
    guard force else { return .kept(found.joined(separator: ", ")) }
    if case .file = step.kind { try FileWriter.replace(step) } else { try setAttributes(step) }
    return .updated
  }

  private func differences(_ step: SetupStep, _ info: stat) -> [String] {
    var found: [String] = []
    let mode = UInt32(info.st_mode) & 0o7777
    if mode != step.mode {
      found.append("mode \(SetupStep.octal(mode)), not \(SetupStep.octal(step.mode))")
    }
    if info.st_uid != step.owner.uid || info.st_gid != step.owner.gid {
      found.append("owner \(info.st_uid):\(info.st_gid), not \(step.owner)")
    }
    return found
  }

  /// Sets owner, then mode (chown may clear mode bits), on a descriptor opened without
  /// following a symlink, so a path swapped since lstat(2) is not followed.
  private func setAttributes(_ step: SetupStep) throws(InitFailure) {
    let fd = open(step.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw .system("open directory", step.path) }
    defer { close(fd) }
    guard fchown(fd, step.owner.uid, step.owner.gid) == 0 else {
      throw .system("give \(step.owner) the directory", step.path)
    }
    guard fchmod(fd, mode_t(step.mode)) == 0 else { throw .system("chmod", step.path) }
  }

  private func requireKind(_ info: stat, _ kind: mode_t, _ path: String, _ name: String)
    throws(InitFailure)
  {
    if info.st_mode & S_IFMT == S_IFLNK { throw symlink(path) }
    guard info.st_mode & S_IFMT == kind else {
      throw InitFailure(
        message: "'\(path)' exists and is not \(name); move it away and run init again",
        status: ExitStatus.osError)
    }
  }

  private func symlink(_ path: String) -> InitFailure {
    InitFailure(
      message: "refusing '\(path)': it is a symbolic link; replace it with the real "
        + "directory or file, or remove it, and run init again",
      status: ExitStatus.osError)
  }
}
