public import ParleyModel
import Synchronization

/// Hands out ids per kind, in order, never reused: each counter continues above the highest
/// id the state has seen. An id taken by a write that then fails is skipped, not reused.
public final class IDAllocator: Sendable {
    private let site: Atomic<UInt64>
    private let agent: Atomic<UInt64>
    private let visitor: Atomic<UInt64>
    private let conversation: Atomic<UInt64>
    private let message: Atomic<UInt64>
    private let tokenFamily: Atomic<UInt64>

    public init(after watermarks: IDWatermarks) {
        site = Atomic(watermarks.site)
        agent = Atomic(watermarks.agent)
        visitor = Atomic(watermarks.visitor)
        conversation = Atomic(watermarks.conversation)
        message = Atomic(watermarks.message)
        tokenFamily = Atomic(watermarks.tokenFamily)
    }

    public func nextSite() -> SiteID { SiteID(site.add(1, ordering: .relaxed).newValue) }
    public func nextAgent() -> AgentID { AgentID(agent.add(1, ordering: .relaxed).newValue) }
    public func nextVisitor() -> VisitorID { VisitorID(visitor.add(1, ordering: .relaxed).newValue) }
    public func nextConversation() -> ConversationID { ConversationID(conversation.add(1, ordering: .relaxed).newValue) }
    public func nextMessage() -> MessageID { MessageID(message.add(1, ordering: .relaxed).newValue) }
    public func nextTokenFamily() -> UInt64 { tokenFamily.add(1, ordering: .relaxed).newValue }
}
