import ParleyModel

/// An event encoded once per wire dialect that one of its recipients speaks.
struct DialectFrames: Sendable {
    private var native: WireFrame?
    private var omni: WireFrame?

    /// Encodes for each dialect among `sessions` (nil where `encode` has nothing).
    init(for sessions: [RealtimeSession], _ encode: (WireDialect) -> WireFrame?) {
        var wantsNative = false
        var wantsOmni = false
        for session in sessions {
            switch session.dialect {
            case .native: wantsNative = true
            case .omni: wantsOmni = true
            }
            if wantsNative && wantsOmni { break }
        }
        native = wantsNative ? encode(.native) : nil
        omni = wantsOmni ? encode(.omni) : nil
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
