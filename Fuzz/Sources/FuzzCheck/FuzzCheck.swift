// What every fuzz target needs besides the code under test: its input, and a way to fail.

/// Stops the fuzzer when a property does not hold; libFuzzer then keeps the input as a crash.
///
/// `fatalError` traps in every build configuration, unlike `assert`.
public func require(
  _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
  line: UInt = #line
) {
  if !condition { fatalError("property failed: \(message())", file: file, line: line) }
}

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, copied into an array.
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
  guard let data, size > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Bytes as visible ASCII, for property messages.
public func shown(_ bytes: [UInt8]) -> String {
  var out = ""
  for byte in bytes.prefix(200) {
    if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
      out.unicodeScalars.append(Unicode.Scalar(byte))
    } else {
      let hex = String(byte, radix: 16)
      out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
    }
  }
  return bytes.count > 200 ? out + "..." : out
}
