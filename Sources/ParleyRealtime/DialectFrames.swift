import ParleyModel

/// An event encoded once per wire dialect that one of its recipients speaks.
struct DialectFrames: Sendable {
    private var native: WireFrame?
    private var omni: WireFrame?

    /// The dialects an audience speaks: found once per fan-out, however many events it carries.
    struct Dialects {
        var native = false
        var omni = false

        init(of sessions: [RealtimeSession]) {
            for session in sessions {
                switch session.dialect {
                case .native: native = true
                case .omni: omni = true
                }
                if native && omni { break }
            }
        }
    }

    /// Encodes for each of `dialects` (nil where `encode` has nothing).
    init(_ dialects: Dialects, _ encode: (WireDialect) -> WireFrame?) {
        native = dialects.native ? encode(.native) : nil
        omni = dialects.omni ? encode(.omni) : nil
    }

    subscript(dialect: WireDialect) -> WireFrame? {
        switch dialect {
        case .native: native
        case .omni: omni
        }
    }
}

/// A conversation message ready for fan-out: the message and its frames.
struct PreparedMessage: Sendable {
    var message: Message
    var frames: DialectFrames
    var seq: UInt64 { message.seq }
}
