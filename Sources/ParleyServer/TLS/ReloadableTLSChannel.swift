import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// TLS in front of another child channel (HTTP and the WebSocket upgrade: `wss://`), with the
/// context taken per connection from ``TLSCertificates``. HummingbirdTLS's `TLSChannel` fixes
/// its context when the server starts, which a certificate reload on SIGHUP cannot change.
struct ReloadableTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let certificates: TLSCertificates

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: certificates.current))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
