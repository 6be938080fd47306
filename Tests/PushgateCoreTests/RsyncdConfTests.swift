// The rsyncd.conf reader: sections, comments, continuations, names as rsync compares them.
import PushgateCore
import Testing

@Suite struct RsyncdConfTests {
  @Test func readsGlobalParametersAndModules() {
    let conf = RsyncdConf.parse(
      "# comment\n  ; another\nuse chroot = no\n\n[push]\n  path = /backup/incoming \n"
        + "  read only=no\n[snapshots]\npath = /backup/snapshots\n")
    #expect(
      conf.global.parameters == [RsyncdConf.Parameter(name: "use chroot", value: "no", line: 3)])
    #expect(conf.modules.map(\.name) == ["push", "snapshots"])
    #expect(conf.module("push")?.line == 5)
    #expect(conf.module("push")?.parameter("path")?.value == "/backup/incoming")
    #expect(conf.module("push")?.parameter("read only")?.value == "no")
    #expect(conf.module("Push") == nil)
    #expect(conf.directives.isEmpty && conf.unreadableLines.isEmpty)
  }

  @Test func comparesNamesIgnoringCaseAndBlanksButNotUnderscores() {
    let module = RsyncdConf.parse("[m]\nPRE-XFER  Exec = a\nread_only = no\n").module("m")
    #expect(module?.parameter("pre-xfer exec")?.value == "a")
    #expect(module?.parameter("prexfer exec") == nil)
    // rsync 3.5.0 ignored 'read_only = no': the module stayed read only.
    #expect(module?.parameter("read only") == nil)
    #expect(RsyncdConf.key("Lock  File") == RsyncdConf.key("lockfile"))
  }

  @Test func joinsContinuationLinesButNotComments() {
    let conf = RsyncdConf.parse(
      "# a comment \\\n[m]\nrefuse options = delete \\\n  dry-run\\\n\npath = /x\n")
    #expect(
      conf.module("m")?.parameter("refuse options")
        == RsyncdConf.Parameter(name: "refuse options", value: "delete   dry-run", line: 3))
    #expect(conf.module("m")?.parameter("path")?.line == 6)
  }

  @Test func aRepeatedModuleIsOneModuleAndTheLastValueWins() {
    let conf = RsyncdConf.parse("[m]\npath = /a\nwrite only = no\n[n]\n[m]\nwrite only = yes\n")
    #expect(conf.modules.map(\.name) == ["m", "n"])
    #expect(conf.module("m")?.parameter("write only")?.value == "yes")
    #expect(conf.module("m")?.parameters.count == 3)
  }

  @Test func theGlobalSectionAndModuleDefaults() {
    let conf = RsyncdConf.parse(
      "lock file = /a\n[m]\npath = /x\n[global]\nuse chroot = no\n[n]\nlock file = /b\n")
    #expect(conf.modules.map(\.name) == ["m", "n"])
    #expect(conf.global.parameter("use chroot")?.value == "no")
    let m = conf.module("m")!
    let n = conf.module("n")!
    #expect(conf.effective("lock file", in: m)?.value == "/a")
    #expect(conf.effective("lock file", in: n)?.value == "/b")
  }

  @Test func notesIncludesWithoutFollowingThem() {
    let conf = RsyncdConf.parse("&include /etc/rsyncd.d\n[m]\n&merge /etc/more\npath = /x\n")
    #expect(conf.directives.map(\.name) == ["&include /etc/rsyncd.d", "&merge /etc/more"])
    #expect(conf.directives.map(\.line) == [1, 3])
    #expect(conf.module("m")?.parameters.count == 1)
  }

  @Test func recordsLinesItCannotRead() {
    let conf = RsyncdConf.parse("[m\njust words\r\n[n]\r\npath = /y\r\n")
    #expect(conf.unreadableLines == [1, 2])
    #expect(conf.module("n")?.parameter("path")?.value == "/y")
  }

  @Test func readsBooleansAsRsyncDoes() {
    #expect(["yes", "True", "1", "on"].map(RsyncdConf.bool) == [true, true, true, true])
    #expect(["no", "FALSE", "0", "off"].map(RsyncdConf.bool) == [false, false, false, false])
    #expect(RsyncdConf.bool("maybe") == nil)
  }
}
