// Table: splitting authorized_keys lines into options, type, key and comment, and reading the
// forced command of pushgate lines.
import PushgateAdminCore
import Testing

private let key = "AAAAC3NzaC1lZDI1NTE5AAAAIFoRI+heEoLaH0KUnn/+5iXhfbTUfZBT7JkSKXYTAO4k"

struct LineCase: Sendable, CustomTestStringConvertible {
  let name: String
  let input: String
  let expected: AuthorizedKeysLine?
  var testDescription: String { name }
}

private func option(_ name: String, _ value: String? = nil) -> AuthorizedKeysOption {
  AuthorizedKeysOption(name: name, value: value)
}

let lineCases: [LineCase] = [
  LineCase(
    name: "a plain .pub line", input: "ssh-ed25519 \(key) me@laptop",
    expected: AuthorizedKeysLine(keyType: "ssh-ed25519", base64: key, comment: "me@laptop")),
  LineCase(
    name: "no comment", input: "ssh-ed25519 \(key)",
    expected: AuthorizedKeysLine(keyType: "ssh-ed25519", base64: key)),
  LineCase(
    name: "comment with inner spaces kept as written", input: "ssh-ed25519 \(key) my  laptop x",
    expected: AuthorizedKeysLine(keyType: "ssh-ed25519", base64: key, comment: "my  laptop x")),
  LineCase(
    name: "leading blanks and a CR before the newline", input: " \tssh-ed25519 \(key) c\r",
    expected: AuthorizedKeysLine(keyType: "ssh-ed25519", base64: key, comment: "c")),
  LineCase(
    name: "one flag option", input: "restrict ssh-ed25519 \(key)",
    expected: AuthorizedKeysLine(options: [option("restrict")], keyType: "ssh-ed25519", base64: key)
  ),
  LineCase(
    name: "quoted values with spaces and commas",
    input: #"restrict,from="10.0.0.1,10.0.0.2",command="/bin/x --a b" ssh-ed25519 \#(key) c"#,
    expected: AuthorizedKeysLine(
      options: [
        option("restrict"), option("from", "10.0.0.1,10.0.0.2"), option("command", "/bin/x --a b"),
      ],
      keyType: "ssh-ed25519", base64: key, comment: "c")),
  LineCase(
    name: "escaped quote inside a value; other backslashes are themselves",
    input: #"command="echo \"hi\" \n" ssh-ed25519 \#(key)"#,
    expected: AuthorizedKeysLine(
      options: [option("command", #"echo "hi" \n"#)], keyType: "ssh-ed25519", base64: key)),
  LineCase(
    name: "a future key type is still a key", input: "ssh-new \(key) c",
    expected: AuthorizedKeysLine(keyType: "ssh-new", base64: key, comment: "c")),
  LineCase(name: "empty line", input: "", expected: nil),
  LineCase(name: "only blanks", input: "  \t ", expected: nil),
  LineCase(name: "a comment", input: "# ssh-ed25519 \(key)", expected: nil),
  LineCase(name: "an indented comment", input: "   # note", expected: nil),
  LineCase(name: "unterminated quote", input: #"command="x ssh-ed25519 \#(key)"#, expected: nil),
  LineCase(name: "options and nothing else", input: "restrict", expected: nil),
  LineCase(name: "options without a key", input: "restrict ssh-ed25519", expected: nil),
  LineCase(name: "empty option", input: "restrict,,pty ssh-ed25519 \(key)", expected: nil),
  LineCase(name: "value without quotes", input: "from=1.2.3.4 ssh-ed25519 \(key)", expected: nil),
]

/// Reading authorized_keys lines and pushgate forced commands.
@Suite struct AuthorizedKeysLineTests {
  @Test(arguments: lineCases)
  func parsesAuthorizedKeysLine(_ c: LineCase) {
    #expect(AuthorizedKeysLine.parse(c.input) == c.expected)
  }

  @Test func findsOptionsWithoutRegardToCase() throws {
    let line = try #require(AuthorizedKeysLine.parse("Restrict,COMMAND=\"x\" ssh-ed25519 \(key)"))
    #expect(line.option("restrict") != nil)
    #expect(line.option("command")?.value == "x")
    #expect(line.option("from") == nil)
  }

  @Test func rendersTheLineAuthorizeWritesAndReadsItBack() throws {
    let text = try #require(
      PushgateKeyEntry.render(
        serve: "/usr/local/bin/pushgate-serve", config: "/backup/pushgate.conf", label: "laptop",
        from: "203.0.113.7,10.0.0.0/8", keyType: "ssh-ed25519", base64: key))
    #expect(
      text == #"restrict,from="203.0.113.7,10.0.0.0/8",command="/usr/local/bin/pushgate-serve "#
        + #"--config /backup/pushgate.conf --key laptop" ssh-ed25519 \#(key) laptop"#)
    let line = try #require(AuthorizedKeysLine.parse(text))
    let entry = try #require(PushgateKeyEntry(lineNumber: 4, line: line))
    #expect(entry.serve == "/usr/local/bin/pushgate-serve")
    #expect(entry.config == "/backup/pushgate.conf")
    #expect(entry.key == "laptop")
    #expect(
      entry.isRestricted && entry.from == "203.0.113.7,10.0.0.0/8" && entry.otherWords.isEmpty)
    #expect(
      PushgateKeyEntry.render(
        serve: "/usr/local/bin/pushgate-serve", config: "/b/p.conf", label: "laptop", from: nil,
        keyType: "ssh-ed25519", base64: key)
        == #"restrict,command="/usr/local/bin/pushgate-serve --config /b/p.conf --key laptop" ssh-ed25519 \#(key) laptop"#
    )
  }

  struct RenderRefusal: Sendable, CustomTestStringConvertible {
    let name: String
    var serve = "/usr/local/bin/pushgate-serve"
    var config = "/backup/pushgate.conf"
    var label = "laptop"
    var from: String? = nil
    var testDescription: String { name }
  }

  @Test(arguments: [
    RenderRefusal(name: "relative serve", serve: "pushgate-serve"),
    RenderRefusal(name: "serve with a space", serve: "/usr/local/bin/push gate"),
    RenderRefusal(name: "config with a quote", config: "/backup/\"x"),
    RenderRefusal(name: "config with ..", config: "/backup/../etc/x"),
    RenderRefusal(name: "label with a space", label: "my laptop"),
    RenderRefusal(name: "empty label", label: ""),
    RenderRefusal(name: "from with a quote", from: "1.2.3.4\",command=\"sh"),
    RenderRefusal(name: "from with a space", from: "1.2.3.4 5.6.7.8"),
    RenderRefusal(name: "from with a tab", from: "1.2.3.4\t"),
    RenderRefusal(name: "from with a newline", from: "1.2.3.4\nssh-ed25519"),
    RenderRefusal(name: "from with a backslash", from: "1.2.3.4\\"),
    RenderRefusal(name: "from with non-ASCII", from: "h\u{F6}st"),
    RenderRefusal(name: "empty from", from: ""),
  ])
  func refusesToRenderUnsafeParts(_ c: RenderRefusal) {
    #expect(
      PushgateKeyEntry.render(
        serve: c.serve, config: c.config, label: c.label, from: c.from, keyType: "ssh-ed25519",
        base64: key) == nil)
  }

  struct EntryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let serve: String?
    var config: String? = nil
    var key: String? = nil
    var otherWords: [String] = []
    var isRestricted = false
    var testDescription: String { name }
  }

  @Test(arguments: [
    EntryCase(
      name: "the example line",
      input:
        #"restrict,from="203.0.113.7",command="/usr/local/bin/pushgate-serve --config /backup/pushgate.conf --key laptop" ssh-ed25519 \#(key) laptop"#,
      serve: "/usr/local/bin/pushgate-serve", config: "/backup/pushgate.conf", key: "laptop",
      isRestricted: true),
    EntryCase(
      name: "equals forms and an extra word",
      input: #"command="pushgate-serve --key=a --config=/c.conf -v" ssh-ed25519 \#(key)"#,
      serve: "pushgate-serve", config: "/c.conf", key: "a", otherWords: ["-v"]),
    EntryCase(
      name: "no arguments", input: #"restrict,command="/opt/pushgate-serve" ssh-ed25519 \#(key)"#,
      serve: "/opt/pushgate-serve", isRestricted: true),
    EntryCase(
      name: "another forced command", input: #"command="/usr/bin/rrsync /x" ssh-ed25519 \#(key)"#,
      serve: nil),
    EntryCase(
      name: "a look-alike name",
      input: #"command="/bin/pushgate-serve2 --key a" ssh-ed25519 \#(key)"#, serve: nil),
    EntryCase(name: "no command", input: "restrict ssh-ed25519 \(key)", serve: nil),
  ])
  func readsPushgateCommandWords(_ c: EntryCase) throws {
    let line = try #require(AuthorizedKeysLine.parse(c.input))
    let entry = PushgateKeyEntry(lineNumber: 1, line: line)
    #expect(entry?.serve == c.serve)
    guard let entry else { return }
    #expect(entry.config == c.config && entry.key == c.key)
    #expect(entry.otherWords == c.otherWords && entry.isRestricted == c.isRestricted)
  }
}
