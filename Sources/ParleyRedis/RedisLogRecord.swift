public import NIOCore

/// A record a node hands the cluster log (docs/SCALING.md): the bytes the local write-ahead log
/// would hold (record type and payload, as `EventCodec` writes them), and what the `append`
/// script must decide for it.
public struct RedisLogRecord: Sendable {
    public var type: UInt8
    /// The payload, with zeros where the script fills in (a message's `seq` and id).
    public var payload: ByteBuffer
    /// The conversation the record belongs to, when it does.
    public var conversation: UInt64?
    public var kind: Kind
    /// Names that must be unique across the cluster (a visitor's external id on a site, an agent's
    /// login): the record is refused when another record holds one (``RedisAppendOutcome/taken(claim:lsn:)``);
    /// appended, it holds them all.
    public var claims: [String] = []
    /// Names this record lets go (an erased visitor's external id).
    public var releases: [String] = []
    /// Names unique for a while only (a request's `Idempotency-Key`): refused like ``claims``
    /// while another record holds one, held for ``expiringClaimLifetime`` after this record.
    public var expiringClaims: [String] = []
    public var expiringClaimLifetime: Duration = .seconds(86_400)

    public enum Kind: Sendable, Equatable {
        /// Nothing to decide: the record is appended as it is.
        case plain
        /// A message: refused when the conversation is closed; a client message id seen within
        /// the dedupe window answers the earlier message; else it gets the conversation's next
        /// `seq` and the next message id.
        case message(clientMessageID: String?)
        /// Closes the conversation: later messages to it are refused.
        case closesConversation
        /// Opens a conversation: it gets the next conversation id (the fill's `id`), so
        /// conversations are numbered in log order across the cluster, as on one node.
        case opensConversation
    }

    public init(type: UInt8, payload: ByteBuffer, conversation: UInt64? = nil, kind: Kind = .plain) {
        precondition(
            kind == .plain || kind == .opensConversation || conversation != nil, "a message or a close names its conversation")
        self.type = type
        self.payload = payload
        self.conversation = conversation
        self.kind = kind
    }
}

/// What the script filled in for a record: a message's `seq` and id, or an opened
/// conversation's id (0 where nothing was filled in).
public struct RedisLogFill: Sendable, Hashable {
    public var seq: UInt64
    /// The message id of a message, the conversation id of an opening.
    public var id: UInt64

    public init(seq: UInt64 = 0, id: UInt64 = 0) {
        self.seq = seq
        self.id = id
    }
}

/// One record as the stream holds it: its LSN (the stream id `0-<LSN>`), type, payload and fill.
public struct RedisLogEntry: Sendable, Hashable {
    public var lsn: UInt64
    public var type: UInt8
    public var payload: ByteBuffer
    public var fill: RedisLogFill

    public init(lsn: UInt64, type: UInt8, payload: ByteBuffer, fill: RedisLogFill) {
        self.lsn = lsn
        self.type = type
        self.payload = payload
        self.fill = fill
    }

    /// Reads one `XRANGE`/`XREAD` entry: `[id, [field, value, …]]`.
    init(_ value: RedisValue) throws(RedisError) {
        guard let parts = value.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array, fields.count % 2 == 0 else {
            throw .protocolError("a log entry is not [id, [field, value …]]")
        }
        guard id.hasPrefix("0-"), let lsn = UInt64(id.dropFirst(2)), lsn > 0 else {
            throw .protocolError("a log entry's id \(id) is not 0-<LSN>")
        }
        var type: UInt8?
        var payload: ByteBuffer?
        var fill = RedisLogFill()
        for index in stride(from: 0, to: fields.count, by: 2) {
            switch fields[index].string {
            case "t": type = fields[index + 1].string.flatMap { UInt8($0) }
            case "p": payload = fields[index + 1].bytes
            case "s": fill.seq = fields[index + 1].string.flatMap { UInt64($0) } ?? 0
            case "i": fill.id = fields[index + 1].string.flatMap { UInt64($0) } ?? 0
            default: break
            }
        }
        guard let type, let payload else { throw .protocolError("the log entry \(id) lacks its type or payload") }
        self.init(lsn: lsn, type: type, payload: payload, fill: fill)
    }
}

/// The script's answer to an append.
public enum RedisAppendOutcome: Sendable, Hashable {
    /// In the stream at `lsn` (durable once Redis answered, with `appendfsync always`).
    case appended(lsn: UInt64, fill: RedisLogFill)
    /// The client message id was used before, for the message `seq` at `lsn`; nothing appended.
    case repeated(seq: UInt64, lsn: UInt64)
    /// `claim` is held by the record at `lsn`; nothing appended.
    case taken(claim: String, lsn: UInt64)
    /// The expiring claim `claim` (``RedisLogRecord/expiringClaims``) is held by the record at
    /// `lsn`; nothing appended.
    case held(claim: String, lsn: UInt64)
}
