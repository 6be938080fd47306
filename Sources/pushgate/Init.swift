// pushgate init: placeholder until the subcommand lands.
import ArgumentParser

struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Create a backup root.")
}
