// pushgate doctor: checks the whole deployment and prints one line per check.
import ArgumentParser
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// `pushgate doctor`: settings, rsync, rsyncd.conf, rsnapshot, every key's area, lock file,
/// audit log, evidence directory, the account's shell, authorized_keys and sshd, each `ok`,
/// `warn` or `FAIL` with its fix.
struct Doctor: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check the whole deployment: one line per check, with the fix.",
    discussion: """
      Prints 'ok', 'warn' or 'FAIL', what was found and the fix for each check, and exits 0 \
      when everything is ok, 1 when the worst is a warning and 2 when a check failed. It \
      changes nothing. See pushgate-doctor(8).
      """)

  @Option(help: ArgumentHelp("The settings file.", valueName: "file"))
  var config = SettingsFile.defaultPath

  @Option(
    help: ArgumentHelp(
      "The backup account (default: the owner of the first area's state/, else of ROOT/keys "
        + "unless root; ROOT is the settings file's directory when they do not parse).",
      valueName: "user"))
  var account: String?

  @Option(
    help: ArgumentHelp(
      "The account's authorized_keys (default: ~ACCOUNT/.ssh/authorized_keys).", valueName: "file"))
  var authorizedKeys: String?

  @Option(help: ArgumentHelp("sshd, for 'sshd -T' (root only).", valueName: "path"))
  var sshd = "/usr/sbin/sshd"

  @Option(
    name: .customLong("sshd-config"),
    help: ArgumentHelp(
      "The sshd_config to check ('sshd -T -f FILE'; default: sshd's own).", valueName: "file"))
  var sshdConfig: String?

  @Option(
    name: .customLong("logrotate-config"),
    help: ArgumentHelp(
      "logrotate's configuration, whose 'include' lines doctor follows (default: /etc/logrotate.conf).",
      valueName: "file"))
  var logrotateConfig = "/etc/logrotate.conf"

  func run() throws {
    var facts = DoctorGather.facts(
      config: config, account: account, authorizedKeys: authorizedKeys, sshd: sshd,
      sshdConfig: sshdConfig)
    facts.logrotateFiles = DoctorGather.logrotateFiles(logrotateConfig)
    let results = DoctorChecks.run(facts)
    for line in DoctorResult.render(results) { print(line) }
    let status = DoctorResult.exitStatus(results)
    if status != 0 { throw ExitCode(status) }
  }
}
