// pushgate.conf mistakes: every error with its exact `file:line: message` text.
import Testing

@testable import PushgateCore

private let file = "/b/pushgate.conf"

struct SettingsErrorCase: Sendable, CustomTestStringConvertible {
  let name: String
  let contents: [UInt8]
  let expected: String
  let sourceLocation: SourceLocation
  var testDescription: String { name }
}

private func bad(
  _ name: String, _ contents: [UInt8], _ expected: String,
  sourceLocation: SourceLocation = #_sourceLocation
) -> SettingsErrorCase {
  SettingsErrorCase(
    name: name, contents: contents, expected: expected, sourceLocation: sourceLocation)
}

private func bad(
  _ name: String, _ text: String, _ expected: String,
  sourceLocation: SourceLocation = #_sourceLocation
) -> SettingsErrorCase {
  bad(name, Array(text.utf8), expected, sourceLocation: sourceLocation)
}

private let r = "root = /backup\n"

/// The exact message for a bad path setting.
private func path(_ line: Int, _ name: String, _ shown: String) -> String {
  "\(file):\(line): '\(name)' must be an absolute path of letters, digits and / . _ - + , @ : "
    + "without '//', '.' or '..' parts or a trailing '/', not '\(shown)'"
}

private func number(_ name: String, _ range: String, _ shown: String) -> String {
  "\(file):2: '\(name)' must be a whole number from \(range), not '\(shown)'"
}

private func statuses(_ shown: String) -> String {
  "\(file):2: 'snapshot_on' must list rsync exit statuses (0-255) separated by spaces, such as '0 24', not '\(shown)'"
}

private func retain(_ problem: String) -> String {
  "\(file):2: 'retain': \(problem) (such as 'hourly=24 daily=7 weekly=4')"
}

private func duration(_ shown: String) -> String {
  "\(file):2: 'snapshot_min_interval' must be a duration such as 0, 90s, 30m, 1h or 2d, "
    + "at most 366d, not '\(shown)'"
}

let settingsErrorCases: [SettingsErrorCase] = [
  bad(
    "unknown with suggestion", r + "max_conections = 2\n",
    "\(file):2: unknown setting 'max_conections'; did you mean 'max_connections'?"),
  bad(
    "wrong case suggests root", "Root = /backup",
    "\(file):1: unknown setting 'Root'; did you mean 'root'?"),
  bad(
    "unknown at edit distance 3 gets a suggestion", r + "timeout = 5",
    "\(file):2: unknown setting 'timeout'; did you mean 'io_timeout'?"),
  bad("unknown, no suggestion", r + "compression = 9", "\(file):2: unknown setting 'compression'"),
  bad(
    "all capitals, too far for a suggestion", "ROOT = /backup", "\(file):1: unknown setting 'ROOT'"),
  bad("empty name", "= /backup", "\(file):1: unknown setting ''"),
  bad(
    "control character in the name is shown escaped", "ro\u{1B}ot = /backup",
    "\(file):1: unknown setting 'ro\\x1bot'; did you mean 'root'?"),
  bad(
    "repeated name names both lines", r + "# again\nroot = /srv\n",
    "\(file):3: 'root' is already set on line 1; keep one of the two"),
  bad(
    "repeated with the same value", "slot_wait = 1\n" + r + "slot_wait = 1\n",
    "\(file):3: 'slot_wait' is already set on line 1; keep one of the two"),
  bad("missing =", "root /backup", "\(file):1: expected 'name = value', found no '='"),
  bad("section header", "[pushgate]\n" + r, "\(file):1: expected 'name = value', found no '='"),
  bad("empty value", "root =", "\(file):1: 'root' needs a value"),
  bad("value of only blanks", r + "rsync = \t \r\n", "\(file):2: 'rsync' needs a value"),
  bad(
    "DEL in value", r + "push_module = pu\u{7F}sh",
    "\(file):2: 'push_module' contains a control character"),
  bad(
    "NUL in value", r + "push_module = pu\u{0}sh",
    "\(file):2: 'push_module' contains a control character"),
  bad("ESC in value", "root = /backup\u{1B}[2J", "\(file):1: 'root' contains a control character"),
  bad(
    "tab inside a value", r + "retain = hourly=24\tdaily=7",
    "\(file):2: 'retain' contains a control character"),
  bad("invalid UTF-8", Array(r.utf8) + [0x23, 0xFF, 0x0A], "\(file):2: line is not valid UTF-8"),
  bad(
    "invalid UTF-8 overlong /", Array("root = ".utf8) + [0xC0, 0xAF] + Array("backup".utf8),
    "\(file):1: line is not valid UTF-8"),
  bad(
    "missing root: empty file", "",
    "\(file): 'root' is required; add a line such as 'root = /backup'"),
  bad(
    "missing root: comments only", "# root = /backup\n\n",
    "\(file): 'root' is required; add a line such as 'root = /backup'"),
  bad(
    "missing root: other settings", "max_connections = 2\n",
    "\(file): 'root' is required; add a line such as 'root = /backup'"),
  bad("relative root", "root = backup", path(1, "root", "backup")),
  bad("root /", "root = /", path(1, "root", "/")),
  bad("root with trailing slash", "root = /backup/", path(1, "root", "/backup/")),
  bad("root with //", "root = /srv//backup", path(1, "root", "/srv//backup")),
  bad("root starting with //", "root = //backup", path(1, "root", "//backup")),
  bad("root with /./", "root = /srv/./backup", path(1, "root", "/srv/./backup")),
  bad("root with /../", "root = /srv/../backup", path(1, "root", "/srv/../backup")),
  bad("root ending in /..", "root = /srv/backup/..", path(1, "root", "/srv/backup/..")),
  bad("root with a space", "root = /my backup", path(1, "root", "/my backup")),
  bad("root with ;", "root = /backup;id", path(1, "root", "/backup;id")),
  bad("root with $", "root = /backup$HOME", path(1, "root", "/backup$HOME")),
  bad("root in single quotes", "root = '/backup'", path(1, "root", "'/backup'")),
  bad("root in double quotes", "root = \"/backup\"", path(1, "root", "\"/backup\"")),
  bad("root with ~", "root = ~/backup", path(1, "root", "~/backup")),
  bad("root with a backslash", "root = /back\\up", path(1, "root", "/back\\\\up")),
  bad("root with a non-ASCII letter", "root = /b\u{E4}ckup", path(1, "root", "/b\\xc3\\xa4ckup")),
  bad(
    "root longer than 1024 bytes", "root = /" + String(repeating: "a", count: 1024),
    path(1, "root", "/" + String(repeating: "a", count: 63))),
  bad("relative rsync", r + "rsync = rsync", path(2, "rsync", "rsync")),
  bad(
    "rsyncd_conf with trailing slash", r + "rsyncd_conf = /etc/", path(2, "rsyncd_conf", "/etc/")),
  bad("lock_file with a space", r + "lock_file = /run/a lock", path(2, "lock_file", "/run/a lock")),
  bad("audit_log with ..", r + "audit_log = /var/log/../x", path(2, "audit_log", "/var/log/../x")),
  bad(
    "module starting with -", r + "push_module = -push",
    "\(file):2: 'push_module' must be an rsync module name (letters, digits, . _ -), not '-push'"),
  bad(
    "module starting with .", r + "push_module = .push",
    "\(file):2: 'push_module' must be an rsync module name (letters, digits, . _ -), not '.push'"),
  bad(
    "module with /", r + "push_module = push/x",
    "\(file):2: 'push_module' must be an rsync module name (letters, digits, . _ -), not 'push/x'"),
  bad(
    "module with a space", r + "push_module = pu sh",
    "\(file):2: 'push_module' must be an rsync module name (letters, digits, . _ -), not 'pu sh'"),
  bad(
    "module of 65 bytes is shown cut at 64",
    r + "push_module = " + String(repeating: "m", count: 65),
    "\(file):2: 'push_module' must be an rsync module name (letters, digits, . _ -), not '"
      + String(repeating: "m", count: 64) + "'"),
  bad("max_connections 0", r + "max_connections = 0", number("max_connections", "1 to 1000", "0")),
  bad(
    "max_connections 1001", r + "max_connections = 1001",
    number("max_connections", "1 to 1000", "1001")),
  bad(
    "max_connections non-numeric", r + "max_connections = two",
    number("max_connections", "1 to 1000", "two")),
  bad(
    "max_connections negative", r + "max_connections = -1",
    number("max_connections", "1 to 1000", "-1")),
  bad(
    "max_connections with +", r + "max_connections = +3",
    number("max_connections", "1 to 1000", "+3")),
  bad(
    "max_connections fraction", r + "max_connections = 1.5",
    number("max_connections", "1 to 1000", "1.5")),
  bad(
    "max_connections hex", r + "max_connections = 0x10",
    number("max_connections", "1 to 1000", "0x10")),
  bad(
    "max_connections huge", r + "max_connections = 99999999999999999999",
    number("max_connections", "1 to 1000", "99999999999999999999")),
  bad(
    "max_connections of ten digits", r + "max_connections = 0000000001",
    number("max_connections", "1 to 1000", "0000000001")),
  bad(
    "max_connections full-width digit", r + "max_connections = \u{FF11}",
    number("max_connections", "1 to 1000", "\\xef\\xbc\\x91")),
  bad("slot_wait too long", r + "slot_wait = 86401", number("slot_wait", "0 to 86400", "86401")),
  bad("io_timeout negative", r + "io_timeout = -5", number("io_timeout", "0 to 86400", "-5")),
  bad(
    "snapshot_timeout 0", r + "snapshot_timeout = 0", number("snapshot_timeout", "1 to 604800", "0")
  ),
  bad(
    "snapshot_timeout too long", r + "snapshot_timeout = 604801",
    number("snapshot_timeout", "1 to 604800", "604801")),
  bad("rsnapshot relative program", r + "rsnapshot = rsnapshot", path(2, "rsnapshot", "rsnapshot")),
  bad(
    "rsnapshot program with ..", r + "rsnapshot = /usr/bin/../bin/rsnapshot",
    path(2, "rsnapshot", "/usr/bin/../bin/rsnapshot")),
  bad(
    "rsnapshot with arguments", r + "rsnapshot = /usr/bin/rsnapshot -v",
    path(2, "rsnapshot", "/usr/bin/rsnapshot -v")),
  bad(
    "the removed snapshot setting", r + "snapshot = /usr/bin/rsnapshot hourly",
    "\(file):2: unknown setting 'snapshot'; did you mean 'rsnapshot'?"),
  bad(
    "retain without counts", r + "retain = hourly daily",
    retain("--retain expects LEVEL=COUNT, such as 'daily=7', not 'hourly'")),
  bad(
    "retain with a level twice", r + "retain = hourly=24 hourly=3",
    retain("level 'hourly' is given twice in --retain")),
  bad(
    "retain with an rsnapshot command as a level", r + "retain = sync=3",
    retain("level name 'sync' is an rsnapshot command; choose another name")),
  bad(
    "retain first level 1 feeding another", r + "retain = hourly=1 daily=7",
    retain(
      "--retain hourly=1 cannot feed 'daily': rsnapshot needs at least 2 snapshots of the first level when a higher level follows"
    )),
  bad(
    "retain count 0", r + "retain = hourly=0",
    retain("--retain count for 'hourly' must be a whole number from 1 to 999, not '0'")),
  bad("interval with a fraction", r + "snapshot_min_interval = 1.5h", duration("1.5h")),
  bad("interval negative", r + "snapshot_min_interval = -1h", duration("-1h")),
  bad("interval with a space", r + "snapshot_min_interval = 1 h", duration("1 h")),
  bad("interval over a year", r + "snapshot_min_interval = 367d", duration("367d")),
  bad("interval in years", r + "snapshot_min_interval = 1y", duration("1y")),
  bad("snapshot_on with a comma", r + "snapshot_on = 0,24", statuses("0,24")),
  bad("snapshot_on 256", r + "snapshot_on = 256", statuses("256")),
  bad("snapshot_on 1000", r + "snapshot_on = 0 1000", statuses("0 1000")),
  bad("snapshot_on letter", r + "snapshot_on = x", statuses("x")),
  bad("snapshot_on negative", r + "snapshot_on = -1", statuses("-1")),
  bad(
    "snapshot_mode unknown", r + "snapshot_mode = background",
    "\(file):2: 'snapshot_mode' must be 'wait' or 'detach', not 'background'"),
  bad(
    "snapshot_mode capitalised", r + "snapshot_mode = Wait",
    "\(file):2: 'snapshot_mode' must be 'wait' or 'detach', not 'Wait'"),
  bad(
    "preserve in another form", r + "preserve = hourly=24",
    "\(file):2: 'preserve' must be counts of h, d, w, m or y (btrbk's form) such as "
      + "'24h 30d 12w 12m', or 'no', not 'hourly=24'"),
  bad(
    "preserve_min in seconds", r + "preserve_min = 90s",
    "\(file):2: 'preserve_min' must be 'all', 'latest', 'no' or a count of h, d, w, m (months) "
      + "or y such as '1d', not '90s'"),
  bad(
    "snapshots unknown", r + "snapshots = zfs",
    "\(file):2: 'snapshots' must be 'rsnapshot' or 'btrfs', not 'zfs'"),
  bad(
    "file too large", Array(r.utf8) + Array(repeating: 0x0A, count: 65537 - r.utf8.count),
    "\(file): file is larger than 65536 bytes"),
]

@Test(arguments: settingsErrorCases)
func rejectsSettings(_ c: SettingsErrorCase) {
  do {
    let parsed = try SettingsParser.parse(c.contents, file: file)
    Issue.record("parsed as \(parsed)", sourceLocation: c.sourceLocation)
  } catch {
    #expect(error.description == c.expected, sourceLocation: c.sourceLocation)
  }
}
