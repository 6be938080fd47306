// SafeJSON: what `pushgate log --json` passes on of a record, and what it refuses.
import Foundation
import PushgateAdminCore
import Testing

struct SafeJSONCase: Sendable, CustomTestStringConvertible {
  let name: String
  let input: [UInt8]
  /// `nil`: refused.
  let expected: String?
  var testDescription: String { name }
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

let safeJSONCases: [SafeJSONCase] = [
  SafeJSONCase(
    name: "a record the gate wrote stays byte for byte",
    input: bytes(#"{"v":1,"command":"ls /\\x1b[2J","n":-1.5e+3,"ok":true,"x":null}"#),
    expected: #"{"v":1,"command":"ls /\\x1b[2J","n":-1.5e+3,"ok":true,"x":null}"#),
  SafeJSONCase(
    name: "spaces between tokens stay when all is printable",
    input: bytes(#"{ "v" : 1 , "a" : [ 1 , "]" ] }"#), expected: #"{ "v" : 1 , "a" : [ 1 , "]" ] }"#
  ),
  SafeJSONCase(
    name: "CR and tab outside strings are dropped", input: bytes("{\"v\":\t1}\r"),
    expected: #"{"v":1}"#),
  SafeJSONCase(
    name: "DEL in a string", input: bytes("{\"a\":\"x\u{7F}\"}"), expected: #"{"a":"x\u007f"}"#),
  SafeJSONCase(
    name: "C1 in a string", input: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC2, 0x9B, 0x22, 0x7D],
    expected: #"{"a":"\u009b"}"#),
  SafeJSONCase(
    name: "invalid UTF-8 in a string is visible text",
    input: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x9B, 0x22, 0x7D],
    expected: #"{"a":"\\xff\\x9b"}"#),
  SafeJSONCase(
    name: "non-ASCII and astral characters", input: bytes("{\"a\":\"é😀\"}"),
    expected: #"{"a":"\u00e9\ud83d\ude00"}"#),
  SafeJSONCase(
    name: "escapes are kept escaped", input: bytes(#"{"a":"\u001b\n\"\\\/"}"#),
    expected: #"{"a":"\u001b\n\"\\\/"}"#),
  SafeJSONCase(
    name: "a raw 0xE9 and a lone surrogate escape",
    input: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE9] + bytes(#"\ud800"}"#),
    expected: #"{"a":"\\xe9\ufffd"}"#),
  SafeJSONCase(
    name: "ESC outside strings is refused", input: bytes("{\"a\":[\u{1B}]}"), expected: nil),
  SafeJSONCase(
    name: "a raw control character in a string is refused", input: bytes("{\"a\":\"\u{1B}[2J\"}"),
    expected: nil),
  SafeJSONCase(name: "not JSON", input: bytes("\u{1B}[2Jnot json"), expected: nil),
  SafeJSONCase(name: "an array is not a record", input: bytes("[1]"), expected: nil),
  SafeJSONCase(name: "a malformed number", input: bytes(#"{"a":--1}"#), expected: nil),
  SafeJSONCase(name: "a leading zero", input: bytes(#"{"a":01}"#), expected: nil),
  SafeJSONCase(name: "an unknown escape", input: bytes(#"{"a":"\q"}"#), expected: nil),
  SafeJSONCase(name: "trailing garbage", input: bytes(#"{"a":1}x"#), expected: nil),
  SafeJSONCase(name: "a trailing comma", input: bytes(#"{"a":1,}"#), expected: nil),
  SafeJSONCase(
    name: "nesting beyond the limit",
    input: bytes(
      #"{"a":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"),
    expected: nil),
]

@Test(arguments: safeJSONCases)
func makesJSONSafe(_ c: SafeJSONCase) throws {
  let result = SafeJSON.object(c.input)
  #expect(result.map { String(decoding: $0, as: UTF8.self) } == c.expected)
  if let result {
    #expect(result.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
    #expect(try JSONSerialization.jsonObject(with: Data(result)) is [String: Any])
  }
}
