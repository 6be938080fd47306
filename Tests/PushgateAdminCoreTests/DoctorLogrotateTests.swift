// doctor's logrotate check: which stanza names the audit log, and what it does to it.
import PushgateAdminCore
import Testing

struct LogrotateCase: Sendable, CustomTestStringConvertible {
  let name: String
  let main: String
  let included: String
  let expected: [DoctorResult]
  var testDescription: String { name }
}

private let log = "/backup/pushgate.log"
private let recommended = """
  /backup/pushgate.log {
      su backup backup
      create 0640 backup backup
      weekly
      rotate 12
      compress
      delaycompress
      missingok
      notifempty
  }

  """
private let debianMain = "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n"

let logrotateCases: [LogrotateCase] = [
  LogrotateCase(
    name: "the recommended stanza", main: debianMain, included: recommended,
    expected: [DoctorResult(.ok, "logrotate", "/etc/logrotate.d/pushgate:1 rotates \(log)")]),
  LogrotateCase(
    name: "no stanza for the log", main: debianMain, included: "/var/log/other.log {\n}\n",
    expected: [
      DoctorResult(
        .warn, "logrotate", "no logrotate stanza names \(log) -- it grows without bound",
        fix:
          "add the stanza 'pushgate init' prints and writes with --system-files (su ACCOUNT GROUP, create 0640 ACCOUNT GROUP, compress, delaycompress)"
      )
    ]),
  LogrotateCase(
    name: "copytruncate", main: debianMain,
    included: "/backup/*.log {\n  su backup backup\n  copytruncate\n}\n",
    expected: [
      DoctorResult(
        .fail, "logrotate",
        "/etc/logrotate.d/pushgate:1 rotates \(log) with copytruncate -- records written between the copy and the truncate are lost",
        fix: "replace copytruncate with 'create 0640 backup GROUP'")
    ]),
  LogrotateCase(
    name: "copytruncate set globally, before the include", main: "copytruncate\n" + debianMain,
    included: "\"/backup/pushgate.log\" {\n  su backup backup\n}\n",
    expected: [
      DoctorResult(
        .fail, "logrotate",
        "/etc/logrotate.d/pushgate:1 rotates \(log) with copytruncate -- records written between the copy and the truncate are lost",
        fix: "replace copytruncate with 'create 0640 backup GROUP'")
    ]),
  LogrotateCase(
    name: "nocopytruncate in the stanza overrides the global one",
    main: "copytruncate\n" + debianMain,
    included: "/backup/pushgate.log {\n  nocopytruncate\n}\n",
    expected: [DoctorResult(.ok, "logrotate", "/etc/logrotate.d/pushgate:1 rotates \(log)")]),
  LogrotateCase(
    name: "create names root", main: debianMain,
    included: "/backup/pushgate.log {\n  create 0640 root adm\n}\n",
    expected: [
      DoctorResult(
        .fail, "logrotate",
        "/etc/logrotate.d/pushgate:1 creates the new \(log) as root, not backup -- every session would fail (audit-log, 71) after a rotation",
        fix: "set 'create 0640 backup GROUP'")
    ]),
  LogrotateCase(
    name: "compress without delaycompress", main: debianMain,
    included:
      "/backup/pushgate.log {\n  compress\n  postrotate\n    copytruncate\n  endscript\n}\n",
    expected: [
      DoctorResult(
        .warn, "logrotate",
        "/etc/logrotate.d/pushgate:1 compresses \(log) without delaycompress -- a record racing the rotation is written twice",
        fix: "add delaycompress")
    ]),
  LogrotateCase(
    name: "a star does not cross a slash", main: debianMain,
    included: "/*.log {\n  copytruncate\n}\n" + recommended,
    expected: [DoctorResult(.ok, "logrotate", "/etc/logrotate.d/pushgate:4 rotates \(log)")]),
]

@Test(arguments: logrotateCases)
func checksTheAuditLogsLogrotateStanza(_ c: LogrotateCase) {
  var facts = healthyFacts()
  facts.logrotateFiles = [
    LogrotateFile(path: "/etc/logrotate.conf", text: c.main),
    LogrotateFile(path: "/etc/logrotate.d/pushgate", text: c.included),
  ]
  let results = DoctorChecks.run(facts).filter { $0.name == "logrotate" }
  #expect(results == c.expected)
}

@Test func noLogrotateConfigurationNoLine() {
  #expect(DoctorChecks.run(healthyFacts()).allSatisfy { $0.name != "logrotate" })
}
