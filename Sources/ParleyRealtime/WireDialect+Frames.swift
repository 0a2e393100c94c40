import NIOCore
public import ParleyModel
import ParleyHTTP

/// Each server frame in the dialect's own shape, and the dialect's id form for parsing.
extension WireDialect {
    public func message(_ message: Message, state: borrowing ParleyState) -> WireFrame {
        self.message(message, nativeSender: NativeWire.sender(message.sender, state: state))
    }

    /// The same frame with the native sender looked up already (only native frames name it;
    /// the hub reads it under the state's lock and writes the frame after).
    func message(_ message: Message, nativeSender: @autoclosure () -> NativeWire.UserRef) -> WireFrame {
        switch self {
        case .native: NativeFrames.message(message, sender: nativeSender())
        case .omni: OmniFrames.message(message)
        }
    }

    public func ack(_ message: Message) -> WireFrame {
        switch self {
        case .native: NativeFrames.ack(message)
        case .omni: OmniFrames.ack(message)
        }
    }

    public func error(_ code: String, _ message: String) -> WireFrame {
        switch self {
        case .native: NativeFrames.error(code, message)
        case .omni: OmniFrames.error(code, message)
        }
    }

    public func typing(_ conversation: ConversationID, _ typist: Participant, isTyping: Bool, state: borrowing ParleyState) -> WireFrame {
        switch self {
        case .native: NativeFrames.typing(conversation, typist, isTyping: isTyping, state: state)
        case .omni: OmniFrames.typing(conversation, typist, isTyping: isTyping, state: state)
        }
    }

    /// `message`: the message with `seq`, if the caller found it (it may be cold).
    public func receipt(
        _ conversation: ConversationLog, reader: Participant, seq: UInt64, message: Message?, state: borrowing ParleyState
    ) -> WireFrame {
        switch self {
        case .native: NativeFrames.receipt(conversation, reader: reader, seq: seq, message: message, state: state)
        case .omni: OmniFrames.receipt(conversation, reader: reader, seq: seq, message: message)
        }
    }

    /// Parses an id in this dialect's form.
    public func parse<Kind>(_ text: String, as type: Identifier<Kind>.Type) -> Identifier<Kind>? {
        switch self {
        case .native: NativeID.parse(text, as: type)
        case .omni: OmniID.parse(text, as: type)
        }
    }

    public func format<Kind>(_ id: Identifier<Kind>) -> String {
        switch self {
        case .native: NativeID.format(id)
        case .omni: OmniID.format(id)
        }
    }

    /// The name of the id form, for error messages.
    var idExample: String { self == .native ? "conv_123" : "a UUID" }
}
