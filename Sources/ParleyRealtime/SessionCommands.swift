import Foundation
public import NIOCore
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyStorage
import Synchronization

/// Carries out one session's client frames in arrival order: messages (appended at once and
/// acked once durable, without waiting for that before the next frame: issue 18), typing
/// (rate-limited), read cursors, `get_state`, `resume`, omni `subscribe`. Answers go out in the
/// order of the frames. A bad frame gets an `error` frame; the session stays open.
final class SessionCommands: Sendable {
    let session: RealtimeSession
    let hub: Hub
    let configuration: RealtimeConfiguration
    private var broker: Broker { hub.broker }
    private struct Local {
        var typingBudget = TokenBuckets()
        var typingIn: Set<ConversationID> = []
        /// A visitor session's conversation last found to be its visitor's: a conversation's
        /// visitor never changes, so the next frame naming it needs no look-up in the state
        /// (an erased visitor's sessions are closed; a conversation gone is refused by the append).
        var ownConversation: ConversationID?
    }
    private let local = Mutex(Local())

    init(session: RealtimeSession, hub: Hub, configuration: RealtimeConfiguration) {
        self.session = session
        self.hub = hub
        self.configuration = configuration
    }

    private func error(_ code: String, _ message: String) -> WireFrame { session.dialect.error(code, message) }

    /// What ``handleNow(_:)`` made of a frame.
    enum Immediate: Sendable {
        /// Carried out (or answered with an error).
        case done
        /// It has to wait for something: ``handle(_:)`` it on the session's task.
        case wait(ClientFrame)
    }

    /// Carries out a frame right where it is called (the connection's event loop, when nothing
    /// of the session waits: issue 18) when nothing in it needs to wait: a `message` to a
    /// conversation the session can name (appended under the conversation's lock, acked once
    /// durable), typing, `ping`, or text that is not a frame. The caller keeps the frames' order: it
    /// calls this only when every earlier frame is carried out.
    func handleNow(_ text: String) -> Immediate {
        guard let frame = ClientFrame.decode(text) else {
            session.respond(error("VALIDATION_ERROR", "a frame is a JSON object with a string \"type\""))
            hub.release(session)
            return .done
        }
        do {
            switch frame.type {
            case "message":
                guard let content = frame.text else { throw FrameError.validation("content is required") }
                // Past the unanswered limit, or a visitor's first message (which opens its
                // conversation): that waits, on the task.
                guard session.unanswered < configuration.maxUnacknowledged, let conversation = try knownConversation(frame) else {
                    return .wait(frame)
                }
                append(content, of: frame, to: conversation)
            case "typing_start", "typing", "typing_stop": try typing(frame, isTyping: frame.type != "typing_stop")
            case "ping": session.respond(NativeFrames.pong)
            default: return .wait(frame)
            }
        } catch {
            session.respond(errorFrame(error))
        }
        // The first frame ends the hold on live messages (a resume releases them itself).
        hub.release(session)
        return .done
    }

    /// Carries out a frame ``handleNow(_:)`` left waiting, on the session's task (typing and
    /// `ping` never wait).
    func handle(_ frame: ClientFrame) async {
        defer { hub.release(session) }
        do {
            switch frame.type {
            case "message": try await send(frame)
            default:
                // These read what the session's earlier messages changed: they wait until those
                // are durable and applied.
                await session.answered()
                switch frame.type {
                case "read": try await read(frame)
                case "get_state": session.respond(StateFrame.encode(for: session, hub: hub))
                case "init": try await initialize(frame)
                case "resume": try resume(frame)
                case "subscribe":
                    let channels = (frame.channels ?? []).filter { ["conversations", "messages"].contains($0) }
                    hub.subscribe(session, to: channels)
                    session.respond(FrameEncoder.encode(Subscribed(channels: channels)))
                default: session.respond(error("UNKNOWN_TYPE", "unknown frame type \"\(frame.type)\""))
                }
            }
        } catch {
            session.respond(errorFrame(error))
        }
    }

    /// The `error` frame that tells the client why its frame failed.
    private func errorFrame(_ error: any Error) -> WireFrame {
        switch error {
        case let error as EngineError: self.error(error.code.rawValue, error.message)
        case let error as FrameError: self.error(error.code, error.message)
        case let error as ClusterWriteError: errorFrame(EngineError.cluster(error) ?? .conflict("\(error)"))
        default: self.error("SERVER_ERROR", "the frame could not be carried out")
        }
    }

    struct Subscribed: Encodable {
        var type = "subscribed"
        var channels: [String]
    }

    struct FrameError: Error {
        var code: String
        var message: String
        static func validation(_ message: String) -> FrameError { FrameError(code: "VALIDATION_ERROR", message: message) }
        static let notFound = FrameError(code: "NOT_FOUND", message: "conversation not found")
    }

    /// The conversation a frame names, if this session may see it; a visitor may leave it out
    /// (their open conversation, opened on first use for `message`).
    private func conversation(_ frame: ClientFrame, openIfMissing: Bool = false) async throws -> ConversationID {
        if let known = try knownConversation(frame) { return known }
        guard openIfMissing, case .visitor(let visitor, let site) = session.identity else { throw FrameError.notFound }
        return try await broker.openConversation(site: site, visitor: visitor).id
    }

    /// The conversation a frame names, if this session may see it, or a visitor's open one when
    /// the frame names none; nil when that visitor has none open yet.
    private func knownConversation(_ frame: ClientFrame) throws -> ConversationID? {
        if let text = frame.conversation_id {
            guard let id = session.dialect.parse(text, as: ConversationID.self) else {
                throw FrameError.validation("conversation_id must be \(session.dialect.idExample)")
            }
            let identity = session.identity
            let isVisitor = identity.side == .visitor
            if isVisitor, local.withLock({ $0.ownConversation == id }) { return id }
            // Checked under the state's lock: copying the conversation out for each frame cost
            // a retain and a release per field.
            guard broker.store.read({ state in state.conversations[id].map { Hub.sees(identity, $0.conversation) } ?? false }) else {
                throw FrameError.notFound
            }
            if isVisitor { local.withLock { $0.ownConversation = id } }
            return id
        }
        guard case .visitor(let visitor, _) = session.identity else {
            throw FrameError.validation("conversation_id is required")
        }
        return broker.store.read { $0.openConversationByVisitor[visitor] }
    }

    /// Appends the message and returns: its ack (or error) is written once it is durable, in
    /// frame order, so one fsync covers every message that arrived meanwhile. Past
    /// ``RealtimeConfiguration/maxUnacknowledged`` unanswered frames, the next waits.
    private func send(_ frame: ClientFrame) async throws {
        guard let content = frame.text else { throw FrameError.validation("content is required") }
        if session.unanswered >= configuration.maxUnacknowledged { await session.answered() }
        append(content, of: frame, to: try await conversation(frame, openIfMissing: true))
    }

    /// Appends a `message` frame's `content` to `conversation` without waiting; the answer is
    /// reserved in frame order and written when the message is durable, or refused.
    private func append(_ content: String, of frame: ClientFrame, to conversation: ConversationID) {
        let sender: Sender = switch session.identity {
        case .agent(let id, _): .agent(id)
        case .visitor(let id, _): .visitor(id)
        }
        let ticket = session.reserveAnswer()
        do {
            // The hub writes the ack itself, with this session's copy of the message, when that
            // copy goes out first: one socket write instead of two.
            try broker.append(
                MessageDraft(sender: sender, content: content, clientMessageID: frame.client_message_id), to: conversation,
                prepared: { [session] message in session.attach(message.id, to: ticket) }
            ) { [session, self] result in
                switch result {
                case .success(let receipt): session.settle(ticket, with: session.dialect.ack(receipt.message))
                case .failure(let error): session.settle(ticket, with: self.errorFrame(error))
                }
            }
        } catch {
            session.settle(ticket, with: errorFrame(error))
        }
    }

    /// `init {name}` (seed 004 §12): a visitor's `name`, when given, becomes its name (durably,
    /// as a REST re-registration would); then the state, as for `get_state`.
    private func initialize(_ frame: ClientFrame) async throws {
        if let name = frame.name, case .visitor(let visitor, _) = session.identity {
            try await broker.directory.renameVisitor(visitor, to: name)
        }
        session.respond(StateFrame.encode(for: session, hub: hub))
    }

    private func typing(_ frame: ClientFrame, isTyping: Bool) throws {
        guard let conversation = try knownConversation(frame) else { throw FrameError.notFound }
        // Starts spend the budget (over it, a start is dropped without an answer: it is only a
        // hint); stops always go through.
        let allowed = local.withLock { local in
            guard isTyping else {
                local.typingIn.remove(conversation)
                return true
            }
            guard local.typingBudget.take("typing", perMinute: configuration.typingPerMinute, now: .now) == nil else {
                return false
            }
            local.typingIn.insert(conversation)
            return true
        }
        guard allowed else { return }
        try broker.setTyping(conversation, session.identity.participant, isTyping)
    }

    /// On disconnect: whoever was typing here stops now, not after the timeout.
    func stopTyping() {
        let conversations = local.withLock { $0.typingIn }
        for conversation in conversations {
            try? broker.setTyping(conversation, session.identity.participant, false)
        }
    }

    private func read(_ frame: ClientFrame) async throws {
        let conversation = try await conversation(frame)
        var seq = UInt64.max
        if let text = frame.message_id {
            guard let id = session.dialect.parse(text, as: MessageID.self) else {
                throw FrameError.validation("message_id is not a message id of this protocol")
            }
            let log = broker.store.read { $0.conversations[conversation] }
            let found = try log?.message(id: id, cold: broker.store.history)?.seq
            guard let found else { throw FrameError(code: "NOT_FOUND", message: "message not found") }
            seq = found
        }
        _ = try await broker.markRead(conversation, reader: session.identity.participant, through: seq)
    }

    private func resume(_ frame: ClientFrame) throws {
        var positions: [ConversationID: UInt64] = [:]
        for (text, seq) in frame.positions ?? [:] {
            guard let id = session.dialect.parse(text, as: ConversationID.self) else {
                throw FrameError.validation("positions keys must be conversation ids (\(session.dialect.idExample))")
            }
            positions[id] = seq
        }
        hub.resume(session, positions: positions)
    }
}
