// doctor with many areas (one line per problem, not per area), when it may run rsnapshot on an
// area's configuration, and how it reads rsnapshot's complaints.
import PushgateAdminCore
import Testing

/// Healthy facts with `count` areas named a01, a02, ...
private func manyAreas(_ count: Int) -> DoctorFacts {
  var facts = healthyFacts()
  let labels = (1...count).map { $0 < 10 ? "a0\($0)" : "a\($0)" }
  for label in labels { addArea(&facts, label) }
  facts.keysEntries = .success(labels)
  facts.authorizedKeys = .success(
    labels.map {
      "restrict,command=\"/usr/local/bin/pushgate-serve --config /backup/pushgate.conf --key \($0)\" ssh-ed25519 AAAA\($0) \($0)\n"
    }.joined())
  return facts
}

@Suite struct DoctorAreaTests {
  @Test func manyAreasWithOneSharedProblemMakeOneLine() {
    var facts = manyAreas(12)
    for label in ["a03", "a04", "a05", "a06", "a07", "a08", "a09"] {
      facts.files["/backup/keys/\(label)/state"] = DoctorFile(.directory, mode: 0o700)
    }
    facts.configtests["a11"] = .ran(
      status: 1, stdout: "ERROR: cmd_rsync was not defined.\n", stderr: "")
    let lines = DoctorResult.render(DoctorChecks.run(facts)).filter {
      $0.contains(" areas ") || $0.contains(" slots ")
    }
    #expect(
      lines == [
        "ok    areas      4 of 12 areas in /backup/keys (a01, a02, a10, a12): incoming/, snapshots/ and state/ of backup; rsnapshot.conf passes configtest, backs up incoming/ into the area's snapshots/, syncs first",
        "FAIL  areas      a03, a04, a05, a06, a07 and 2 more: /backup/keys/LABEL/state is owned by root, not backup -- every session of the area would fail; fix: chown -R backup /backup/keys/LABEL/state",
        "FAIL  areas      a11: '/usr/bin/rsnapshot -c /backup/keys/a11/rsnapshot.conf configtest' fails with status 1: ERROR: cmd_rsync was not defined. -- no snapshot of the area would be taken; fix: correct /backup/keys/a11/rsnapshot.conf (fields are separated by TABs)",
        "warn  slots      12 areas share max_connections = 8 -- when every slot is in use, one key's pushes keep the others out; fix: raise max_connections in /backup/pushgate.conf to 12, if the machine can take that many transfers at once",
      ])
  }

  @Test func aLabelThatStartsAnotherIsNotReplacedInside() {
    let area = doctorSettings.area("lap")
    #expect(
      DoctorChecks.generic(
        "/backup/keys/lap/state, /backup/keys/laptop/state, /backup/keys/lap --key lap --key laptop",
        area, keys: "/backup/keys")
        == "/backup/keys/LABEL/state, /backup/keys/laptop/state, /backup/keys/LABEL --key LABEL --key laptop"
    )
  }

  @Test func aRootInstallNeedsNoAccountOwnedIncomingOrSnapshots() {
    var facts = healthyFacts()
    facts.account = DoctorAccount(
      name: "root", uid: 0, gid: 0, groups: [0], home: "/root", shell: "/bin/sh")
    withRsyncd(&facts, ["uid = root", "gid = root"] + healthyPush)
    facts.files["/backup/pushgate.log"] = DoctorFile(.regular, mode: 0o640)
    for label in ["laptop", "server"] {
      let area = doctorSettings.area(label)
      facts.files[area.incoming] = DoctorFile(.directory, uid: 1234, mode: 0o755, owner: "1234")
      facts.files[area.state] = DoctorFile(.directory, mode: 0o700)
      facts.files[area.snapshots] = DoctorFile(.directory, mode: 0o750)
    }
    #expect(DoctorResult.exitStatus(DoctorChecks.run(facts)) == 0)
  }
}

struct ConfigtestCase: Sendable, CustomTestStringConvertible {
  let name: String
  let userId: UInt32
  let files: [String: DoctorFile]
  let allowed: Bool
  var accountUid: UInt32 = 1000
  var testDescription: String { name }
}

private let conf = "/backup/keys/laptop/rsnapshot.conf"
private func account(_ kind: DoctorFile.Kind, _ mode: UInt32) -> DoctorFile {
  DoctorFile(kind, uid: 1000, gid: 1000, mode: mode, owner: "backup")
}

let configtestCases: [ConfigtestCase] = [
  ConfigtestCase(
    name: "as authorize makes it, doctor as root", userId: 0, files: [:], allowed: true),
  ConfigtestCase(
    name: "the account's file, doctor as root: runs it as the account", userId: 0,
    files: [conf: account(.regular, 0o644)], allowed: true),
  ConfigtestCase(
    name: "the account's file, doctor as root for the account root", userId: 0,
    files: [conf: account(.regular, 0o644)], allowed: false, accountUid: 0),
  ConfigtestCase(
    name: "a third account's file, doctor as root", userId: 0,
    files: [conf: DoctorFile(.regular, uid: 1001, mode: 0o644, owner: "mallory")],
    allowed: false),
  ConfigtestCase(
    name: "the account's file, doctor as the account", userId: 1000,
    files: [conf: account(.regular, 0o644)], allowed: true),
  ConfigtestCase(
    name: "root's file, doctor as the account", userId: 1000, files: [:], allowed: true),
  ConfigtestCase(
    name: "the account's file, doctor as another user", userId: 1001,
    files: [conf: account(.regular, 0o644)], allowed: false),
  ConfigtestCase(
    name: "root's file, writable by its group", userId: 0,
    files: [conf: DoctorFile(.regular, mode: 0o664)], allowed: false),
  ConfigtestCase(
    name: "a symlink", userId: 0, files: [conf: DoctorFile(.symlink, mode: 0o777)], allowed: false),
  ConfigtestCase(name: "missing", userId: 0, files: [conf: .missing], allowed: false),
  ConfigtestCase(
    name: "the area's directory is the account's: runs as the account", userId: 0,
    files: ["/backup/keys/laptop": account(.directory, 0o750)], allowed: true),
  ConfigtestCase(
    name: "the area's directory is the account's, account root", userId: 0,
    files: ["/backup/keys/laptop": account(.directory, 0o750)], allowed: false, accountUid: 0),
  ConfigtestCase(
    name: "ROOT/keys is the account's, account root", userId: 0,
    files: ["/backup/keys": account(.directory, 0o750)], allowed: false, accountUid: 0),
  ConfigtestCase(
    name: "ROOT group-writable and sticky, ROOT/keys root's", userId: 0,
    files: ["/backup": DoctorFile(.directory, gid: 1000, mode: 0o1770)], allowed: true),
  ConfigtestCase(
    name: "ROOT group-writable, not sticky", userId: 0,
    files: ["/backup": DoctorFile(.directory, gid: 1000, mode: 0o770)], allowed: false),
  ConfigtestCase(
    name: "ROOT a symlink", userId: 0, files: ["/backup": DoctorFile(.symlink, mode: 0o777)],
    allowed: false),
]

@Test(arguments: configtestCases)
func configtestRunsOnlyOnFilesNoOtherAccountCanChange(_ c: ConfigtestCase) {
  var facts = healthyFacts()
  facts.userId = c.userId
  facts.account?.uid = c.accountUid
  facts.files.merge(c.files) { $1 }
  #expect(DoctorChecks.mayRunConfigtest(facts, doctorSettings, "laptop") == c.allowed)
}

@Test func rsnapshotsComplaintIsItsFirstError() {
  #expect(
    DoctorChecks.rsnapshotError(
      "----\nrsnapshot encountered an error!\n----\nERROR: a on line 3:\nERROR: retain x 1 \nERROR: more\n"
    )
      == "ERROR: a on line 3: retain x 1")
  #expect(
    DoctorChecks.rsnapshotError("ERROR: cmd_rsync was not defined.\n")
      == "ERROR: cmd_rsync was not defined.")
  #expect(DoctorChecks.rsnapshotError("------\nsomething else\n") == "something else")
  #expect(DoctorChecks.rsnapshotError("\n---\n") == nil)
}
