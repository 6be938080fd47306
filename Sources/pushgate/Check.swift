// pushgate check: placeholder until the subcommand lands.
import ArgumentParser

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Decide a command as pushgate-serve would.")
}
