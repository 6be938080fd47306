// pushgate status: placeholder until the subcommand lands (issue 3).
import ArgumentParser

struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Not yet available.", shouldDisplay: false)

  func run() throws {
    throw ValidationError("'pushgate status' is not available yet")
  }
}
