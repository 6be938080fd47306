// What the load tests' measuring rsyncs and rsnapshots saw, and how those tests report.
import Foundation

/// What one measuring rsync or rsnapshot (a fake of BinaryTests, or a wrapper of the real
/// program in EndToEndTests) saw when it started, from one line of `concurrency.log`:
/// `kind key rsyncs snapshots keyRsyncs keySnapshots [descriptors...]`.
public struct LoadMeasurement: Equatable, CustomStringConvertible, Sendable {
  /// "rsync" or "snapshot".
  public let kind: String
  /// The key of its session (rsync: PUSHGATE_KEY) or area (rsnapshot: its -c file).
  public let key: String
  /// Running rsyncs of every key, itself included.
  public let rsyncs: Int
  /// Running snapshots of every key, itself included.
  public let snapshots: Int
  /// Running rsyncs of its own key, itself included.
  public let keyRsyncs: Int
  /// Running snapshots of its own key, itself included.
  public let keySnapshots: Int
  /// The descriptor numbers the wrapper shell itself had at start (space-separated; the
  /// fakes leave it empty).
  public let descriptors: String

  /// The log line's fields, for failure messages.
  public var description: String {
    "\(kind) \(key) \(rsyncs) \(snapshots) \(keyRsyncs) \(keySnapshots) [\(descriptors)]"
  }

  /// Every measurement in the log file at `path`; lines of another shape are left out.
  public static func all(in path: String) -> [LoadMeasurement] {
    read(path).split(separator: "\n").compactMap { line in
      let words = line.split(separator: " ", maxSplits: 6).map(String.init)
      guard words.count >= 6, let r = Int(words[2]), let s = Int(words[3]), let kr = Int(words[4]),
        let ks = Int(words[5])
      else { return nil }
      return LoadMeasurement(
        kind: words[0], key: words[1], rsyncs: r, snapshots: s, keyRsyncs: kr, keySnapshots: ks,
        descriptors: words.count > 6 ? words[6] : "")
    }
  }
}

/// One line on stderr with what a load test measured, for the CI log.
public func loadReport(_ line: String) {
  FileHandle.standardError.write(Data("LOAD: \(line)\n".utf8))
}

/// The refusal bytes a daemon-mode rsync client reads on stdout.
public func daemonRefusal(_ message: String) -> String { "@RSYNCD: 31.0\n@ERROR: \(message)\n" }
