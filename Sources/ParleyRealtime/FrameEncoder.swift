import Foundation
public import NIOCore

/// Encodes a server frame once into the wire bytes every recipient's outbox shares.
enum FrameEncoder {
    static func encode(_ frame: some Encodable) -> WireFrame {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // The frames are plain structs of strings, numbers and booleans: encoding cannot fail.
        let data = (try? encoder.encode(frame)) ?? Data(#"{"type":"error","code":"SERVER_ERROR","message":"encoding"}"#.utf8)
        return WireFrame(text: data)
    }
}
