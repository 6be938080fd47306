// pushgate keys: placeholder until the subcommand lands (issue 3).
import ArgumentParser

struct Keys: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Not yet available.", shouldDisplay: false)

  func run() throws {
    throw ValidationError("'pushgate keys' is not available yet")
  }
}
