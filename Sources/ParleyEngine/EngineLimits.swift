/// The engine's input limits (CONTRACT §4 defaults; all configurable).
public struct EngineLimits: Sendable {
    /// Message text, in UTF-8 bytes.
    public var maxMessageBytes = 16 * 1024
    public var maxNameBytes = 256
    public var maxClientMessageIDBytes = 128
    public var maxMetadataBytes = 8 * 1024
    /// How long a typist stays "typing" without a new typing frame.
    public var typingTimeout: Duration = .seconds(6)
    /// How many of a conversation's newest client message ids are remembered for deduplication.
    public var dedupeWindow = 1024
    /// A conversation actor unused this long is dropped (made again from the state when needed).
    public var actorIdleTimeout: Duration = .seconds(300)

    public init() {}
}
