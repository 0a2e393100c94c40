import NIOCore
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyStorage

/// The answer to `get_state` (and `init`): the session's conversations with unread counts and
/// last `seq`, and who of the other side is online; ids in the session's dialect.
struct StateFrame: Encodable {
    struct ConversationState: Encodable {
        var id: String
        var status: String
        var visitor_id: String
        var unread_count: Int
        var last_seq: UInt64
        var visitor_online: Bool
    }

    struct Presence: Encodable {
        var agents_online: [String]
        var visitors_online: [String]
    }

    var type = "state"
    var conversations: [ConversationState]
    var presence: Presence

    static func encode(for session: RealtimeSession, hub: Hub) -> WireFrame {
        let identity = session.identity
        let dialect = session.dialect
        let site = identity.site
        let frame: StateFrame = hub.broker.store.read { state in
            let ids: [ConversationID] = switch identity {
            case .visitor(let visitor, _):
                state.conversationsByVisitor[visitor] ?? []
            case .agent:
                state.openConversationsBySite[site]?.sorted() ?? []
            }
            let conversations = ids.compactMap { id -> ConversationState? in
                guard let log = state.conversations[id], let visitor = log.conversation.visitorID else { return nil }
                return ConversationState(
                    id: dialect.format(id),
                    status: dialect == .omni
                        ? log.conversation.status.rawValue : (log.conversation.status == .closed ? "closed" : "active"),
                    visitor_id: dialect == .omni ? OmniID.format(visitor) : NativeWire.visitorID(visitor, state: state),
                    unread_count: log.unreadCount(for: identity.participant, cold: hub.broker.store.history),
                    last_seq: log.lastSeq, visitor_online: hub.isOnline(.visitor(visitor, site: site)))
            }
            let agents = state.agents.values.filter { $0.siteID == site && hub.isOnline(.agent($0.id, site: site)) }
                .map { dialect.format($0.id) }.sorted()
            let visitors = Set(ids.compactMap { state.conversations[$0]?.conversation.visitorID })
                .filter { hub.isOnline(.visitor($0, site: site)) }
                .map { dialect == .omni ? OmniID.format($0) : NativeWire.visitorID($0, state: state) }.sorted()
            return StateFrame(conversations: conversations, presence: Presence(agents_online: agents, visitors_online: visitors))
        }
        return FrameEncoder.encode(frame)
    }
}
