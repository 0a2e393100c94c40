import Foundation

/// A client → server frame of either dialect, decoded leniently: `type` picks the command and
/// each command reads the fields it needs (CONTRACT §7).
struct ClientFrame: Decodable, Equatable {
    var type: String
    var conversation_id: String?
    /// The text of a `message` (`content`, or `message` as in seed 004 §12).
    var content: String?
    var message: String?
    var client_message_id: String?
    var message_id: String?
    /// `resume`: conversation id → the newest `seq` the client has.
    var positions: [String: UInt64]?
    /// omni `auth`: `Bearer …`; omni `subscribe`: channels.
    var token: String?
    var channels: [String]?
    /// native `init`: the visitor's name.
    var name: String?

    var text: String? { content ?? message }

    /// A text frame as JSON, or `nil` when it is not an object with a string `type`. The common
    /// flat frames are read by ``ClientFrameScanner``; the rest by `JSONDecoder`.
    static func decode(_ text: String) -> ClientFrame? {
        if case .frame(let frame) = ClientFrameScanner.scan(text) { return frame }
        return decodeWithFoundation(text)
    }

    /// The reference decoding (and the one for frames the scanner is not sure of).
    static func decodeWithFoundation(_ text: String) -> ClientFrame? {
        try? JSONDecoder().decode(ClientFrame.self, from: Data(text.utf8))
    }
}
