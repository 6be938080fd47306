// pushgate's version: the one place it is written. The Makefile reads it for the package and
// the man pages' footers; both binaries print it with --version.

/// The release this source tree is.
public enum Version {
  /// The version, such as `0.11.0`.
  public static let text = "0.11.0"
}
