// swift-tools-version:6.0
// The package: the gate's pure core, a thin syscall layer, the per-connection gate, and the admin
// tool with its own pure core.
import PackageDescription

let package = Package(
  name: "pushgate",
  products: [
    .executable(name: "pushgate-serve", targets: ["pushgate-serve"]),
    .executable(name: "pushgate", targets: ["pushgate"]),
    // The pure cores as libraries, so the fuzzing package in Fuzz/ can depend on them by path.
    .library(name: "PushgateCore", targets: ["PushgateCore"]),
    .library(name: "PushgateAdminCore", targets: ["PushgateAdminCore"]),
  ],
  dependencies: [
    // The admin tool's command line; never linked into pushgate-serve.
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // Everything pure that pushgate-serve needs, and nothing else.
    .target(name: "PushgateCore"),
    // The admin tool's pure logic (doctor, status, setup, authorized_keys, log rows); never
    // linked into pushgate-serve.
    .target(name: "PushgateAdminCore", dependencies: ["PushgateCore"]),
    // Wrappers that need _GNU_SOURCE (OFD locks, closefrom, setsid spawn) or a
    // signal-safe handler; Swift's Glibc module does not expose them.
    .target(name: "CPushgate"),
    .target(name: "PushgateSystem", dependencies: ["PushgateCore", "CPushgate"]),
    // The btrfs ioctls only the admin tool makes (create and delete subvolumes, read flags).
    .target(name: "CPushgateAdmin"),
    // Syscalls only the admin tool makes (probing locks, running the account's programs,
    // account lookups, file status); pushgate-serve never builds them.
    .target(
      name: "PushgateAdminSystem",
      dependencies: [
        "PushgateCore", "PushgateAdminCore", "PushgateSystem", "CPushgate", "CPushgateAdmin",
      ]),
    // libssh parses and fingerprints public keys for the admin tool (pushgate authorize,
    // keys, log); pushgate-serve never links it.
    .systemLibrary(name: "CLibSSH", pkgConfig: "libssh", providers: [.apt(["libssh-dev"])]),
    // zlib reads rotated .gz audit logs as a stream.
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .executableTarget(name: "pushgate-serve", dependencies: ["PushgateCore", "PushgateSystem"]),
    .executableTarget(
      name: "pushgate",
      dependencies: [
        "PushgateCore", "PushgateAdminCore", "PushgateSystem", "PushgateAdminSystem", "CLibSSH", "CZlib",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .target(name: "TestSupport", dependencies: ["CPushgate"], path: "Tests/TestSupport"),
    .testTarget(name: "PushgateCoreTests", dependencies: ["PushgateCore"]),
    .testTarget(name: "PushgateAdminCoreTests", dependencies: ["PushgateAdminCore"]),
    .testTarget(name: "PushgateSystemTests", dependencies: ["PushgateSystem", "PushgateAdminSystem"]),
    .testTarget(
      name: "BinaryTests", dependencies: ["TestSupport", "pushgate-serve", "pushgate"]),
    .testTarget(name: "AdminTests", dependencies: ["TestSupport", "pushgate"]),
    .testTarget(
      name: "EndToEndTests", dependencies: ["TestSupport", "pushgate-serve", "pushgate"]),
  ]
)
