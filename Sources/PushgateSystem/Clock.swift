// Wall-clock and monotonic time (clock_gettime(2)), and sleeping (nanosleep(2)).
import Glibc

/// Time sources.
public enum Clock {
  /// Seconds since the epoch (CLOCK_REALTIME), for log timestamps.
  public static func now() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return spec.tv_sec
  }

  /// Milliseconds on CLOCK_MONOTONIC, for durations and deadlines.
  public static func monotonicMilliseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000
  }

  /// Sleeps for `milliseconds`, resuming after signals.
  public static func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
  }
}
