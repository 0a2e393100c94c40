/// One record of the log: its LSN, its type and its payload.
public struct LogRecord: Hashable, Sendable {
    /// The log sequence number: 1, 2, 3 … across all segments.
    public var lsn: UInt64
    /// What the payload is, as its owner numbers it (0 is never used).
    public var type: UInt8
    public var payload: [UInt8]

    public init(lsn: UInt64, type: UInt8, payload: [UInt8]) {
        self.lsn = lsn
        self.type = type
        self.payload = payload
    }
}

/// A record seen in place while scanning a segment; `payload` is valid only inside the callback.
public struct LogRecordView {
    public var lsn: UInt64
    public var type: UInt8
    public var payload: UnsafeRawBufferPointer
    /// The frame's byte offset in its segment file.
    public var offset: Int
}
