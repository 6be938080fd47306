import TestSupport
// The per-connection binary links only Glibc and our own targets.
import Testing

@Test(.blocking) func pushgateServeLinksNeitherFoundationNorArgumentParserNorLibssh() throws {
  let linked = try run("/usr/bin/ldd", [Binaries.serve])
  #expect(linked.status == 0)
  #expect(linked.out.contains("libc.so"))
  for forbidden in ["Foundation", "ArgumentParser", "libssh", "libcrypto", "libxml", "libcurl"] {
    #expect(!linked.out.contains(forbidden), "pushgate-serve links \(forbidden)")
  }
  // The symbol table tells the same for static linking of Swift modules. nm does not demangle
  // Swift names, so look for each module as it is mangled ($s14ArgumentParser..., etc.).
  let modules = [
    "10Foundation", "20FoundationEssentials", "14ArgumentParser", "17PushgateAdminCore",
  ]
  let serve = try run("/usr/bin/nm", [Binaries.serve]).out
  for module in modules {
    #expect(!serve.contains(module), "pushgate-serve holds \(module)")
  }
  // The same look finds them in the admin tool, which uses every one: the check can fail.
  let admin = try run("/usr/bin/nm", [Binaries.pushgate]).out
  for module in modules {
    #expect(
      admin.contains(module), "nm shows no \(module) in pushgate: the check above would miss it")
  }
}
