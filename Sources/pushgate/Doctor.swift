// pushgate doctor: placeholder until the subcommand lands (issue 3).
import ArgumentParser

struct Doctor: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Not yet available.", shouldDisplay: false)

  func run() throws {
    throw ValidationError("'pushgate doctor' is not available yet")
  }
}
