// pushgate log: placeholder until the subcommand lands (issue 3).
import ArgumentParser

struct Log: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Not yet available.", shouldDisplay: false)

  func run() throws {
    throw ValidationError("'pushgate log' is not available yet")
  }
}
