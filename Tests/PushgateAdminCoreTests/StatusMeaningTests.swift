// The words `pushgate log` and `pushgate status` give rsync's exit statuses.
import PushgateAdminCore
import Testing

@Test(arguments: [
  (0, "success"), (23, "partial transfer due to error"),
  (24, "partial transfer due to vanished source files"), (30, "timeout in data send/receive"),
  (75, "busy"), (77, "refused"),
])
func namesExitStatuses(_ status: Int, _ text: String) {
  #expect(StatusMeaning.text(status) == text)
}

@Test func unknownStatusesHaveNoWords() {
  #expect(StatusMeaning.text(7) == nil)
  #expect(StatusMeaning.text(-1) == nil)
}
