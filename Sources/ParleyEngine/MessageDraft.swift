public import ParleyModel

/// A message a participant asks to send.
public struct MessageDraft: Sendable {
    public var sender: Sender
    public var content: String
    public var contentType: ContentType
    public var fileID: UInt64?
    /// The client's id for the message, or the request's idempotency key: a repeat returns
    /// the first result and stores nothing.
    public var clientMessageID: String?
    /// A JSON object kept with the message (omni `metadata`), at most `maxMetadataBytes`.
    public var metadataJSON: String?

    public init(
        sender: Sender, content: String, contentType: ContentType = .text, fileID: UInt64? = nil,
        clientMessageID: String? = nil, metadataJSON: String? = nil
    ) {
        self.sender = sender
        self.content = content
        self.contentType = contentType
        self.fileID = fileID
        self.clientMessageID = clientMessageID
        self.metadataJSON = metadataJSON
    }
}

/// The answer to a send: the stored message, and whether it was a repeat of an earlier send.
public struct SendReceipt: Sendable, Hashable {
    public var message: Message
    public var lsn: UInt64
    public var duplicate: Bool
}
