public import ParleyModel
public import ParleyStorage
import Synchronization

/// Hands out ids per kind, in order, never reused: each counter continues above the highest
/// id the state has seen. An id taken by a write that then fails is skipped, not reused.
///
/// On a cluster node (`cluster` given) sites, agents, visitors and token families come from
/// blocks reserved in Redis (``IDCounter``), and messages and conversations are numbered by the
/// cluster log's `append` script: ``nextMessage()`` and ``nextConversation()`` give 0 there,
/// which the script's fill replaces.
public final class IDAllocator: Sendable {
    private let site: IDCounter
    private let agent: IDCounter
    private let visitor: IDCounter
    private let tokenFamily: IDCounter
    private let conversation: Atomic<UInt64>
    private let message: Atomic<UInt64>
    private let isClustered: Bool

    public init(after watermarks: IDWatermarks, cluster: ClusterNode? = nil) {
        site = IDCounter("site", after: watermarks.site, cluster: cluster)
        agent = IDCounter("agent", after: watermarks.agent, cluster: cluster)
        visitor = IDCounter("visitor", after: watermarks.visitor, cluster: cluster)
        tokenFamily = IDCounter("token-family", after: watermarks.tokenFamily, cluster: cluster)
        conversation = Atomic(watermarks.conversation)
        message = Atomic(watermarks.message)
        isClustered = cluster != nil
    }

    public func nextSite() async throws -> SiteID { SiteID(try await site.next()) }
    public func nextAgent() async throws -> AgentID { AgentID(try await agent.next()) }
    public func nextVisitor() async throws -> VisitorID { VisitorID(try await visitor.next()) }
    public func nextTokenFamily() async throws -> UInt64 { try await tokenFamily.next() }
    public func nextConversation() -> ConversationID { ConversationID(isClustered ? 0 : conversation.add(1, ordering: .relaxed).newValue) }
    public func nextMessage() -> MessageID { MessageID(isClustered ? 0 : message.add(1, ordering: .relaxed).newValue) }
}
