public import ServiceLifecycle

/// Closes every WebSocket session with 1001 when graceful shutdown begins, before the HTTP
/// server stops (place it after the application in the `ServiceGroup`: shutdown runs in
/// reverse order). Connections still authenticating are closed (1001) when the HTTP server
/// quiesces (``WebSocketConnectionHandler``).
public struct RealtimeShutdown: Service {
    let hub: Hub
    let timeout: Duration

    public init(hub: Hub, timeout: Duration = .seconds(3)) {
        self.hub = hub
        self.timeout = timeout
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await hub.closeAllForShutdown(timeout: timeout)
    }
}
