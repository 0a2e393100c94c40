import NIOCore
public import ParleyModel
import ParleyHTTP

/// The native dialect's server → client frames (seed 004 §12, CONTRACT §7).
public enum NativeFrames {
    struct MessageBody: Encodable {
        var id: String
        var seq: UInt64
        var content: String
        var type: String
        /// The attached file (`file_N`) of a `file` or `image` message.
        var file_id: String?
        var sender: NativeWire.UserRef
        var client_message_id: String?
        var created_at: String
    }

    struct MessageFrame: Encodable {
        var type = "message"
        var from: String
        var conversation_id: String
        var message: MessageBody
    }

    /// The shape of ``message(_:state:)``, encoded by ``FrameJSON`` (the test checks both agree).
    static func messageFrame(_ message: Message, state: borrowing ParleyState) -> MessageFrame {
        MessageFrame(
            from: NativeWire.from(message.sender), conversation_id: NativeID.format(message.conversationID),
            message: MessageBody(
                id: NativeID.format(message.id), seq: message.seq, content: message.content, type: message.contentType.name,
                file_id: message.fileID.map { NativeID.format(Identifier<FileKind>($0)) },
                sender: NativeWire.sender(message.sender, state: state), client_message_id: message.clientMessageID,
                created_at: message.createdAt.rfc3339))
    }

    /// ``messageFrame(_:state:)``'s JSON, written from the message itself: the ids go into the
    /// frame's bytes without a string of their own (`FrameJSONTests` checks the two agree).
    public static func message(_ message: Message, state: borrowing ParleyState) -> WireFrame {
        self.message(message, sender: NativeWire.sender(message.sender, state: state))
    }

    /// The same frame with its sender looked up already: the only part of it that needs the
    /// state, so the rest can be written outside the state's lock.
    static func message(_ message: Message, sender: NativeWire.UserRef) -> WireFrame {
        FrameJSON.frame(capacity: messageCapacity(message, sender: sender)) { json in
            json.field("type", "message")
            json.field("from", NativeWire.from(message.sender))
            json.field("conversation_id", nativeID: message.conversationID)
            json.object("message") { json in
                json.field("id", nativeID: message.id)
                json.field("seq", message.seq)
                json.field("content", message.content)
                json.field("type", message.contentType.name)
                if let file = message.fileID { json.field("file_id", nativeID: Identifier<FileKind>(file)) }
                json.object("sender") { json in
                    json.field("id", sender.id)
                    json.field("username", sender.username)
                    json.field("name", sender.name)
                }
                json.field("client_message_id", message.clientMessageID)
                json.field("created_at", message.createdAt)
            }
        }
    }

    /// Room for ``message(_:sender:)``'s JSON: its keys and fixed-length values (about 360
    /// bytes with ids of 20 digits and the slack of the last member's reservation), and the
    /// texts unescaped (an escaped one grows the buffer).
    static func messageCapacity(_ message: Message, sender: NativeWire.UserRef) -> Int {
        400 + message.content.utf8.count + (message.clientMessageID?.utf8.count ?? 0) + sender.id.utf8.count
            + (sender.username?.utf8.count ?? 0) + (sender.name?.utf8.count ?? 0)
    }

    struct Ack: Encodable {
        var type = "ack"
        var client_message_id: String?
        var message_id: String
        var conversation_id: String
        var seq: UInt64
    }

    static func ackFrame(_ message: Message) -> Ack {
        Ack(
            client_message_id: message.clientMessageID, message_id: NativeID.format(message.id),
            conversation_id: NativeID.format(message.conversationID), seq: message.seq)
    }

    public static func ack(_ message: Message) -> WireFrame {
        FrameJSON.frame(capacity: ackCapacity(message)) { json in
            json.field("type", "ack")
            json.field("client_message_id", message.clientMessageID)
            json.field("message_id", nativeID: message.id)
            json.field("conversation_id", nativeID: message.conversationID)
            json.field("seq", message.seq)
        }
    }

    /// Room for ``ack(_:)``'s JSON (as ``messageCapacity(_:sender:)``).
    static func ackCapacity(_ message: Message) -> Int { 160 + (message.clientMessageID?.utf8.count ?? 0) }

    struct ErrorFrame: Encodable {
        var type = "error"
        var code: String
        var message: String
    }

    public static func error(_ code: String, _ message: String) -> WireFrame {
        FrameEncoder.encode(ErrorFrame(code: code, message: message))
    }

    struct Typing: Encodable {
        var type: String
        var conversation_id: String
        var visitor_id: String?
        var agent_id: String?
        var name: String?
    }

    public static func typing(_ conversation: ConversationID, _ typist: Participant, isTyping: Bool, state: borrowing ParleyState) -> WireFrame {
        var frame = Typing(type: isTyping ? "typing_start" : "typing_stop", conversation_id: NativeID.format(conversation))
        switch typist {
        case .visitor(let id):
            frame.visitor_id = NativeWire.visitorID(id, state: state)
            if isTyping { frame.name = state.visitors[id]?.name }
        case .agent(let id):
            frame.agent_id = NativeID.format(id)
            if isTyping { frame.name = state.agents[id]?.displayName }
        }
        return FrameEncoder.encode(frame)
    }

    struct Presence: Encodable {
        var type: String
        var visitor_id: String?
        var agent_id: String?
        var name: String?
        /// Always present: `null` when the visitor has no open conversation.
        @ExplicitNull var conversation_id: String?
    }

    /// `user_joined`/`user_left` (a visitor) or `support_joined`/`support_left` (an agent),
    /// naming `conversation`: the visitor's open conversation (CONTRACT §7).
    public static func presence(
        _ identity: SessionIdentity, joined: Bool, conversation: ConversationID?, state: borrowing ParleyState
    ) -> WireFrame {
        let conversationID = conversation.map(NativeID.format)
        switch identity {
        case .visitor(let id, _):
            return FrameEncoder.encode(
                Presence(
                    type: joined ? "user_joined" : "user_left", visitor_id: NativeWire.visitorID(id, state: state),
                    name: joined ? state.visitors[id]?.name : nil, conversation_id: conversationID))
        case .agent(let id, _):
            return FrameEncoder.encode(
                Presence(
                    type: joined ? "support_joined" : "support_left", agent_id: NativeID.format(id),
                    name: joined ? state.agents[id]?.displayName : nil, conversation_id: conversationID))
        }
    }

    struct Receipt: Encodable {
        var type = "read"
        var conversation_id: String
        var reader: String
        var reader_id: String
        var seq: UInt64
        var message_id: String?
    }

    public static func receipt(
        _ conversation: ConversationLog, reader: Participant, seq: UInt64, message: Message?, state: borrowing ParleyState
    ) -> WireFrame {
        let readerID: String = switch reader {
        case .visitor(let id): NativeWire.visitorID(id, state: state)
        case .agent(let id): NativeID.format(id)
        }
        return FrameEncoder.encode(
            Receipt(
                conversation_id: NativeID.format(conversation.conversation.id),
                reader: ConversationSide(reader) == .visitor ? "visitor" : "support", reader_id: readerID, seq: seq,
                message_id: message.map { NativeID.format($0.id) }))
    }

    struct ConversationUpdated: Encodable {
        var type = "conversation_updated"
        var conversation_id: String
        /// `active` or `closed`, as native REST shows it.
        var status: String
        /// `pending`, `open` or `closed` (CONTRACT §7's one status model).
        var state: String
        @ExplicitNull var visitor_id: String?
        @ExplicitNull var assigned_agent_id: String?
        var updated_at: String
    }

    /// `conversation_updated`, to the site's agents (and the conversation's visitor): opened,
    /// assigned or closed — the native counterpart of omni's `conversation.updated`.
    public static func conversationUpdated(_ conversation: Conversation, at: Timestamp, state: borrowing ParleyState) -> WireFrame {
        FrameEncoder.encode(
            ConversationUpdated(
                conversation_id: NativeID.format(conversation.id), status: conversation.status == .closed ? "closed" : "active",
                state: conversation.status.rawValue,
                visitor_id: conversation.visitorID.map { NativeWire.visitorID($0, state: state) },
                assigned_agent_id: conversation.assignedAgentID.map { NativeID.format($0) }, updated_at: at.rfc3339))
    }

    struct Resumed: Encodable {
        var type = "resumed"
        var recovered: Bool
    }

    public static func resumed(_ recovered: Bool) -> WireFrame { FrameEncoder.encode(Resumed(recovered: recovered)) }

    struct Pong: Encodable { var type = "pong" }

    public static var pong: WireFrame { FrameEncoder.encode(Pong()) }
}
