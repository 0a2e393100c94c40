/// The engine's input limits (CONTRACT §4 defaults; all configurable).
public struct EngineLimits: Sendable {
    /// Message text, in UTF-8 bytes.
    public var maxMessageBytes = 16 * 1024
    public var maxNameBytes = 256
    public var maxClientMessageIDBytes = 128
    public var maxMetadataBytes = 8 * 1024
    /// How long a typist stays "typing" without a new typing frame.
    public var typingTimeout: Duration = .seconds(6)

    public init() {}
}
