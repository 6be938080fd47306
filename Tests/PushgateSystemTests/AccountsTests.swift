// Accounts, SelfPath, Executable and Identity against this machine: its password and group
// databases (root is in every one), /proc/self/exe, access(2), the ids of this process.
import Glibc
import PushgateAdminSystem
import PushgateSystem
import Testing

@Test func looksUpRootByNameAndByUid() throws {
  let root = try #require(Accounts.lookUp(name: "root"))
  #expect(root.name == "root")
  #expect(root.uid == 0)
  #expect(root.gid == 0)
  #expect(root.home.hasPrefix("/"))
  #expect(root.shell.hasPrefix("/"))
  #expect(Accounts.lookUp(uid: 0) == root)
  #expect(Accounts.name(of: 0) == "root")
  #expect(Accounts.groups(of: root).contains(0))
  #expect(Accounts.groupName(of: 0) == "root")
}

@Test func aMissingNameOrUidHasNoEntry() {
  #expect(Accounts.lookUp(name: "pushgate-no-such-account") == nil)
  #expect(Accounts.lookUp(name: "") == nil)
  #expect(Accounts.lookUp(uid: 4_000_000_000) == nil)
  #expect(Accounts.name(of: 4_000_000_000) == nil)
  #expect(Accounts.groupName(of: 4_000_000_000) == nil)
}

@Test func theRunningAccountComesFromTheDatabase() {
  let running = Identity.account()
  #expect(running.user == Accounts.name(of: geteuid()) ?? "uid\(geteuid())")
}

@Test func knowsItsOwnPathAndItsSiblings() throws {
  let path = SelfPath.executable()
  #expect(path.hasPrefix("/"))
  #expect(access(path, X_OK) == 0)
  let directory = String(path[..<(try #require(path.lastIndex(of: "/")))])
  #expect(SelfPath.sibling("pushgate-serve") == directory + "/pushgate-serve")
}

@Test func tellsWhatCanBeRun() {
  #expect(Executable.problem("/bin/sh") == nil)
  let missing = Executable.problem("/nonexistent/pushgate-serve")
  #expect(missing?.number == ENOENT)
  #expect(missing?.text == "/nonexistent/pushgate-serve: No such file or directory")
}

@Test func knowsWhoAndWhereItRuns() {
  #expect(Identity.userId == geteuid())
  #expect(Identity.isRoot == (geteuid() == 0))
  #expect(Identity.processId == Int(getpid()))
  #expect(!Identity.hostName().isEmpty)
}
