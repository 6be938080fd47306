// Reading audit records back: round trips, partial and hostile lines, unknown fields, times.
import PushgateAdminCore
import PushgateCore
import Testing

private let context = SessionContext(
  session: "0123456789abcdef", key: "laptop",
  originalCommand: Array("ls /\u{1B}[2J\n\"quoted\" \\ end".utf8),
  sshConnection: Array("203.0.113.7 51234 192.0.2.1 22".utf8))

@Test func readsBackWhatTheWriterWrote() throws {
  let line = AuditRecord.refused(context, .notAllowed, time: 1_795_782_000)
  let entry = try #require(AuditEntry(line.dropLast()))
  #expect(entry.event == "refused")
  #expect(entry.session == "0123456789abcdef")
  #expect(entry.key == "laptop")
  #expect(entry.int("port") == 51234)
  #expect(entry.time == 1_795_782_000)
  #expect(entry.string("reason") == "not-allowed")
  // The file holds the visible rendering; reading gives that rendering back, not raw bytes.
  #expect(entry.string("command") == "ls /\\x1b[2J\\n\"quoted\" \\\\ end")
  #expect(entry.has("reason", "not-allowed"))
  #expect(!entry.has("reason", "busy"))
  #expect(entry.string("missing") == nil)
  #expect(entry.int("reason") == nil)
}

@Test func readsBooleansAndNumbers() throws {
  let entry = try #require(
    AuditEntry(Array(#"{"a":true,"b":false,"c":-12,"d":null,"e":"x"}"#.utf8)))
  #expect(entry.bool("a") == true)
  #expect(entry.bool("b") == false)
  #expect(entry.int("c") == -12)
  #expect(entry.bool("d") == nil)
  #expect(entry.bool("e") == nil)
}

@Test func keepsGoingPastUnknownAndNestedFields() throws {
  let line = #"{"v":2,"future":{"x":[1,"}",{"y":"]"}]},"list":[],"event":"allowed" }"#
  let entry = try #require(AuditEntry(Array(line.utf8)))
  #expect(entry.event == "allowed")
  #expect(entry.int("v") == 2)
}

@Test(arguments: [
  "", "{", #"{"v":1,"time":"2026-11-27T12:4"#, #"{"v":1}x"#, #"{"v":1,}"#, #"{"v"}"#, "[1]",
  #"{"a":tru}"#, "{\"a\":\"raw\ncontrol\"}", #"{"a":"unterminated}"#, "not json at all",
])
func refusesLinesThatAreNotCompleteObjects(_ line: String) {
  #expect(AuditEntry(Array(line.utf8)) == nil)
}

@Test func decodesJSONEscapesAnotherWriterMightUse() throws {
  let entry = try #require(AuditEntry(Array(#"{"s":"a\nb\t\u00e9\/\"\\\ud800"}"#.utf8)))
  #expect(entry.string("s") == "a\nb\té/\"\\\u{FFFD}")
}

@Test(arguments: [
  ("1970-01-01T00:00:00Z", 0), ("2000-02-29T00:00:00Z", 951_782_400),
  ("2026-11-27T12:20:00Z", 1_795_782_000), ("2026-11-27", 1_795_737_600),
  ("2100-01-01T00:00:00Z", 4_102_444_800),
])
func parsesTimes(_ text: String, _ seconds: Int) {
  #expect(Timestamp.parse(text) == seconds)
  if text.count == 20 { #expect(Timestamp.iso8601(seconds) == text) }
}

@Test(arguments: [
  "", "2026-11-27T12:20:00", "2026-13-01", "2026-02-30", "2026-11-27T24:00:00Z", "26-11-27",
  "2026-11-27 12:20:00Z", "２０２６-11-27", "2026-1a-27",
])
func refusesMalformedTimes(_ text: String) {
  #expect(Timestamp.parse(text) == nil)
}

@Test func holderRecordsHaveAFixedSizeAndReadBack() throws {
  let record = HolderRecord.render(context, pid: 4242, since: 1_795_782_000)
  #expect(record.count == HolderRecord.size)
  #expect(record.last == UInt8(ascii: "\n"))
  let entry = try #require(AuditEntry(record))
  #expect(entry.int("pid") == 4242)
  #expect(entry.key == "laptop")
  #expect(entry.string("peer") == "203.0.113.7")
  #expect(entry.string("since") == "2026-11-27T12:20:00Z")
  #expect(HolderRecord.slotOffset(2) == 4608)
  var long = context
  long.key = String(repeating: "k", count: 300)
  #expect(HolderRecord.render(long, pid: 1, since: 0).count == HolderRecord.size)
}
