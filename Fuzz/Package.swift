// swift-tools-version:5.4
// libFuzzer targets for pushgate's parsers. They have no main and link only when built with
// -sanitize=fuzzer, so they live here, outside the root package; run them with scripts/fuzz.
import PackageDescription

let core = Target.Dependency.product(name: "PushgateCore", package: "pushgate")
let adminCore = Target.Dependency.product(name: "PushgateAdminCore", package: "pushgate")

let package = Package(
  name: "pushgate-fuzz",
  dependencies: [
    .package(name: "pushgate", path: "..")
  ],
  targets: [
    // The one helper every target shares: a failed property stops the fuzzer with a message.
    .target(name: "FuzzCheck"),
    .executableTarget(name: "FuzzCommand", dependencies: [core, "FuzzCheck"]),
    .executableTarget(name: "FuzzSettings", dependencies: [core, "FuzzCheck"]),
    .executableTarget(name: "FuzzAuditEntry", dependencies: [core, adminCore, "FuzzCheck"]),
    .executableTarget(name: "FuzzAuthorizedKeys", dependencies: [core, adminCore, "FuzzCheck"]),
    .executableTarget(name: "FuzzHookEvidence", dependencies: [core, "FuzzCheck"]),
    .executableTarget(name: "FuzzTransferLog", dependencies: [core, "FuzzCheck"]),
  ]
)
