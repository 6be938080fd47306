// The per-connection binary links only Glibc and our own targets.
import Testing
import TestSupport

@Test func pushgateServeLinksNeitherFoundationNorArgumentParserNorLibssh() throws {
  let linked = try run("/usr/bin/ldd", [Binaries.serve])
  #expect(linked.status == 0)
  #expect(linked.out.contains("libc.so"))
  for forbidden in ["Foundation", "ArgumentParser", "libssh", "libcrypto", "libxml", "libcurl"] {
    #expect(!linked.out.contains(forbidden), "pushgate-serve links \(forbidden)")
  }
  // The symbol table tells the same for static linking of Swift modules.
  let symbols = try run("/usr/bin/nm", ["--demangle", Binaries.serve])
  #expect(!symbols.out.contains("Foundation."))
  #expect(!symbols.out.contains("ArgumentParser."))
  // Nor the admin tool's logic: doctor, status, log and setup stay out of the gate. nm does
  // not demangle Swift names, so look for the module as it is mangled ($s17PushgateAdminCore...).
  #expect(!symbols.out.contains("17PushgateAdminCore"), "pushgate-serve holds PushgateAdminCore")
}
