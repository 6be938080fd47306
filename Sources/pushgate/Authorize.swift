// pushgate authorize: placeholder until the subcommand lands (issue 3).
import ArgumentParser

struct Authorize: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Not yet available.", shouldDisplay: false)

  func run() throws {
    throw ValidationError("'pushgate authorize' is not available yet")
  }
}
