// pushgate: the administrator's tool.
import ArgumentParser
import PushgateCore

/// The administrator's tool; every subcommand shares the core with pushgate-serve.
struct Pushgate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pushgate",
    abstract: "Set up and inspect a pushgate backup root.",
    version: Version.text,
    subcommands: [
      Init.self, Check.self, Authorize.self, Keys.self, Rotate.self, Doctor.self, Log.self,
      Status.self,
    ])
}

Pushgate.main()
