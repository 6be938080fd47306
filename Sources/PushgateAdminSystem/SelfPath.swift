// The programs installed beside the running executable (`pushgate-serve` beside `pushgate`);
// the executable's own path is read in PushgateSystem's SessionInputs.swift.
import PushgateSystem

extension SelfPath {
  /// `name` in the running executable's directory (`pushgate-serve` beside `pushgate`), or
  /// `nil` when our own path is unknown.
  public static func sibling(_ name: String) -> String? {
    let path = executable()
    guard let slash = path.lastIndex(of: "/") else { return nil }
    return String(path[..<slash]) + "/" + name
  }
}
