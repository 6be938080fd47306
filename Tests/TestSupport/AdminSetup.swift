// A backup root made the way an administrator makes one: `pushgate init`, then
// `pushgate authorize` for each key. The real-program fixtures (BackupRoot, SSHDSetup) build on
// these; the fake-program fixtures make their areas by hand.
import Foundation
import Testing

/// The environment of the admin tool: nothing of the test runner's.
public let adminEnvironment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": NSHomeDirectory()]

/// Runs `pushgate init ROOT` with `options` (`--account`, `--restore`, `--retain` ...) and
/// requires it to succeed.
public func initRoot(_ root: String, options: [String] = []) throws {
  let made = try run(Binaries.pushgate, ["init", root] + options, environment: adminEnvironment)
  try #require(made.status == 0, "init: \(made.out) \(made.err)")
}

/// Runs `pushgate authorize` for `publicKey` as `key` into `authorizedKeys`, naming the built
/// pushgate-serve and, when given, the backup `account`; requires it to succeed.
public func authorizeKey(
  _ key: String, publicKey: String, config: String, authorizedKeys: String,
  account: String? = nil
) throws {
  let authorized = try run(
    Binaries.pushgate,
    [
      "authorize", "--config", config, "--key", key, "--serve", Binaries.serve,
      "--authorized-keys", authorizedKeys,
    ] + (account.map { ["--account", $0] } ?? [])
      + [publicKey],
    environment: adminEnvironment)
  try #require(authorized.status == 0, "authorize \(key): \(authorized.out) \(authorized.err)")
}
