// Traits for the tests that run processes: threads of their own for blocking waits, and the
// slow tag that `scripts/test --quick` skips.
import Foundation
import Testing

extension Tag {
  /// A test that takes more than about 5 s (bursts, load, contention, the fault matrix, rotation
  /// during sessions).
  ///
  /// `scripts/test --quick` skips it, saying so; `scripts/test` runs it.
  @Tag public static var slow: Self
}

/// Whether this run skips `.slow` tests: `scripts/test --quick` sets `PUSHGATE_TEST_QUICK=1`.
public let quickRun = ProcessInfo.processInfo.environment["PUSHGATE_TEST_QUICK"] == "1"

extension Trait where Self == ConditionTrait {
  /// Skips a `.slow` test in a quick run, with a line saying so.
  public static var skippedInQuickRun: Self {
    .disabled(if: quickRun, "slow: scripts/test --quick skips it; scripts/test runs it")
  }
}

/// A task executor with a fixed number of threads of its own.
///
/// Swift Testing runs tests on the cooperative pool, which has one thread per core (2 here); a
/// synchronous test that blocks in waitpid, poll, read or usleep holds such a thread, and a few of
/// them stall the whole run. Tests with `.blocking` run their body here instead, so they wait side
/// by side (at most `width` at once, which also bounds how many process-heavy tests share the 2
/// cores).
public final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
  /// The one instance every `.blocking` test uses: `PUSHGATE_TEST_WIDTH` threads, 6 unless set.
  public static let shared = BlockingExecutor(
    width: ProcessInfo.processInfo.environment["PUSHGATE_TEST_WIDTH"].flatMap { Int($0) } ?? 6)

  // Guards `jobs`; the workers wait on it.
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []

  private init(width: Int) {
    for _ in 0..<width {
      let worker = Thread { [self] in work() }
      // The size of a cooperative-pool thread's stack (the default pthread stack here).
      worker.stackSize = 8 << 20
      worker.start()
    }
  }

  /// Queues a job for the next free worker.
  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  private func work() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

/// Runs each test case's body on ``BlockingExecutor``; on a suite, every test in it.
public struct BlockingTrait: TestTrait, SuiteTrait, TestScoping {
  /// Applies to the tests of a suite too.
  public var isRecursive: Bool { true }

  /// A scope for each test case only, where the body runs (not for the suite as a whole).
  public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
    testCase == nil ? nil : self
  }

  /// Runs the test case with the blocking executor as its task's preferred executor, and says
  /// on stderr when it still runs after 10 s (and every 10 s after), so a quiet run shows
  /// where it waits.
  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let name = test.displayName ?? test.name
    try await withTaskExecutorPreference(BlockingExecutor.shared) {
      // Counted from when a worker runs the body, not from when it was queued.
      let progress = Task {
        var seconds = 0
        while true {
          try await Task.sleep(for: .seconds(10))
          seconds += 10
          FileHandle.standardError.write(Data("… still running after \(seconds) s: \(name)\n".utf8))
        }
      }
      defer { progress.cancel() }
      try await function()
    }
  }
}

extension Trait where Self == BlockingTrait {
  /// The test (or every test of the suite) blocks on processes: run it off the cooperative pool.
  public static var blocking: Self { BlockingTrait() }
}
