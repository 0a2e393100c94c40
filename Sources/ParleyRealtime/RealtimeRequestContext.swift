public import Hummingbird
public import HummingbirdWebSocket
public import NIOCore

/// The request context of WebSocket upgrades: keeps the connection's channel so that a session
/// whose peer stopped reading can be cut off even while a write to it is stuck.
public struct RealtimeRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
