import ParleyLog
import ParleyServer
import ParleyStorage
import Testing

@Suite struct ServerConfigurationTests {
    /// `--commit-delay-us` reaches the store's log configuration (and is off unless asked for).
    @Test func theCommitDelayReachesTheStorage() {
        var configuration = ServerConfiguration()
        #expect(configuration.storage.commitDelay == .zero)
        configuration.commitDelay = .microseconds(700)
        #expect(configuration.storage.commitDelay == .microseconds(700))
        #expect(configuration.storage.fsync == .always)
    }
}
