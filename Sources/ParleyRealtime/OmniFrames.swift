import NIOCore
public import ParleyModel
import ParleyHTTP

/// The omni dialect's server → client frames (seed 003, CONTRACT §7): `{"type", "data"}` with
/// UUID-form ids and `sender_type` `customer|agent|system|bot`.
public enum OmniFrames {
    struct Envelope<Payload: Encodable>: Encodable {
        var type: String
        var data: Payload
    }

    static func participant(_ participant: Participant) -> (type: String, id: String) {
        switch participant {
        case .visitor(let id): ("customer", OmniID.format(id))
        case .agent(let id): ("agent", OmniID.format(id))
        }
    }

    struct MessageData: Encodable {
        var id: String
        var conversation_id: String
        var seq: UInt64
        var sender_type: String
        var sender_id: String?
        var content: String
        var attachments: [String] = []
        var client_message_id: String?
        var created_at: String
    }

    /// The shape of ``message(_:)``, encoded by ``FrameJSON`` (the test checks both agree).
    static func messageFrame(_ message: Message) -> Envelope<MessageData> {
        let (type, id) = OmniWire.sender(message.sender)
        return Envelope(
            type: "message.new",
            data: MessageData(
                id: OmniID.format(message.id), conversation_id: OmniID.format(message.conversationID), seq: message.seq,
                sender_type: type, sender_id: id, content: message.content,
                attachments: message.fileID.map { [OmniID.format(Identifier<FileKind>($0))] } ?? [],
                client_message_id: message.clientMessageID, created_at: message.createdAt.rfc3339))
    }

    /// ``messageFrame(_:)``'s JSON, written from the message itself: the ids go into the frame's
    /// bytes without a string of their own (`FrameJSONTests` checks the two agree).
    public static func message(_ message: Message) -> WireFrame {
        FrameJSON.frame(capacity: messageCapacity(message)) { json in
            json.field("type", "message.new")
            json.object("data") { json in
                json.field("id", omniID: message.id)
                json.field("conversation_id", omniID: message.conversationID)
                json.field("seq", message.seq)
                json.field("sender_type", OmniWire.senderType(message.sender))
                if let sender = OmniWire.senderID(message.sender) {
                    json.field("sender_id", omniKind: sender.kind, value: sender.value)
                }
                json.field("content", message.content)
                json.array("attachments", message.fileID.map { [OmniID.format(Identifier<FileKind>($0))] } ?? [])
                json.field("client_message_id", message.clientMessageID)
                json.field("created_at", message.createdAt)
            }
        }
    }

    /// Room for ``message(_:)``'s JSON: its keys and fixed-length values (about 370 bytes with
    /// an attachment and the slack of the last member's reservation), and the texts unescaped
    /// (an escaped one grows the buffer).
    static func messageCapacity(_ message: Message) -> Int {
        400 + message.content.utf8.count + (message.clientMessageID?.utf8.count ?? 0)
    }

    struct AckData: Encodable {
        var client_message_id: String?
        var message_id: String
        var conversation_id: String
        var seq: UInt64
    }

    static func ackFrame(_ message: Message) -> Envelope<AckData> {
        Envelope(
            type: "message.ack",
            data: AckData(
                client_message_id: message.clientMessageID, message_id: OmniID.format(message.id),
                conversation_id: OmniID.format(message.conversationID), seq: message.seq))
    }

    /// ``ackFrame(_:)``'s JSON, written from the message itself (`FrameJSONTests` checks the two agree).
    public static func ack(_ message: Message) -> WireFrame {
        FrameJSON.frame(capacity: ackCapacity(message)) { json in
            json.field("type", "message.ack")
            json.object("data") { json in
                json.field("client_message_id", message.clientMessageID)
                json.field("message_id", omniID: message.id)
                json.field("conversation_id", omniID: message.conversationID)
                json.field("seq", message.seq)
            }
        }
    }

    /// Room for ``ack(_:)``'s JSON (as ``messageCapacity(_:)``).
    static func ackCapacity(_ message: Message) -> Int { 200 + (message.clientMessageID?.utf8.count ?? 0) }

    struct ErrorData: Encodable {
        var code: String
        var detail: String
    }

    public static func error(_ code: String, _ detail: String) -> WireFrame {
        FrameEncoder.encode(Envelope(type: "error", data: ErrorData(code: code, detail: detail)))
    }

    struct TypingData: Encodable {
        var conversation_id: String
        var sender_type: String
        var sender_id: String
        var name: String?
    }

    public static func typing(_ conversation: ConversationID, _ typist: Participant, isTyping: Bool, state: borrowing ParleyState) -> WireFrame {
        let (type, id) = participant(typist)
        let name: String? = switch typist {
        case .visitor(let visitor): state.visitors[visitor]?.name
        case .agent(let agent): state.agents[agent]?.displayName
        }
        return FrameEncoder.encode(
            Envelope(
                type: isTyping ? "typing.start" : "typing.stop",
                data: TypingData(conversation_id: OmniID.format(conversation), sender_type: type, sender_id: id, name: name)))
    }

    struct ReadData: Encodable {
        var conversation_id: String
        var reader_type: String
        var reader_id: String
        var seq: UInt64
        var message_id: String?
    }

    public static func receipt(_ conversation: ConversationLog, reader: Participant, seq: UInt64, message: Message?) -> WireFrame {
        let (type, id) = participant(reader)
        return FrameEncoder.encode(
            Envelope(
                type: "message.read",
                data: ReadData(
                    conversation_id: OmniID.format(conversation.conversation.id), reader_type: type, reader_id: id, seq: seq,
                    message_id: message.map { OmniID.format($0.id) })))
    }

    struct ConversationData: Encodable {
        var id: String
        var customer_id: String
        var status: String
        var assigned_to: String?
        var updated_at: String
    }

    /// `conversation.updated`: opened, assigned or closed. Status as omni shows it (CONTRACT §7).
    public static func conversationUpdated(_ conversation: Conversation, at: Timestamp) -> WireFrame {
        FrameEncoder.encode(
            Envelope(
                type: "conversation.updated",
                data: ConversationData(
                    id: OmniID.format(conversation.id), customer_id: conversation.visitorID.map(OmniID.format) ?? "", status: conversation.status.rawValue,
                    assigned_to: conversation.assignedAgentID.map { OmniID.format($0) }, updated_at: at.rfc3339)))
    }
}
