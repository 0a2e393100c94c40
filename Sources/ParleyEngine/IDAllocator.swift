public import ParleyModel
public import ParleyStorage
import Synchronization

/// Hands out ids per kind, in order, never reused: each counter continues above the highest
/// id the state has seen. An id taken by a write that then fails is skipped, not reused.
///
/// On a cluster node (`cluster` given) sites, agents, visitors and token families come from
/// blocks reserved in Redis (``ClusterIDBlocks``), and messages and conversations are numbered by
/// the cluster log's `append` script: ``nextMessage()`` and ``nextConversation()`` give 0 there,
/// which the script's fill replaces.
public final class IDAllocator: Sendable {
    private let site: Atomic<UInt64>
    private let agent: Atomic<UInt64>
    private let visitor: Atomic<UInt64>
    private let conversation: Atomic<UInt64>
    private let message: Atomic<UInt64>
    private let tokenFamily: Atomic<UInt64>
    private let cluster: ClusterIDBlocks?

    public init(after watermarks: IDWatermarks, cluster: ClusterIDBlocks? = nil) {
        site = Atomic(watermarks.site)
        agent = Atomic(watermarks.agent)
        visitor = Atomic(watermarks.visitor)
        conversation = Atomic(watermarks.conversation)
        message = Atomic(watermarks.message)
        tokenFamily = Atomic(watermarks.tokenFamily)
        self.cluster = cluster
    }

    public func nextSite() async throws -> SiteID {
        guard let cluster else { return SiteID(site.add(1, ordering: .relaxed).newValue) }
        return SiteID(try await cluster.next("site"))
    }

    public func nextAgent() async throws -> AgentID {
        guard let cluster else { return AgentID(agent.add(1, ordering: .relaxed).newValue) }
        return AgentID(try await cluster.next("agent"))
    }

    public func nextVisitor() async throws -> VisitorID {
        guard let cluster else { return VisitorID(visitor.add(1, ordering: .relaxed).newValue) }
        return VisitorID(try await cluster.next("visitor"))
    }

    public func nextTokenFamily() async throws -> UInt64 {
        guard let cluster else { return tokenFamily.add(1, ordering: .relaxed).newValue }
        return try await cluster.next("token-family")
    }

    public func nextConversation() -> ConversationID {
        ConversationID(cluster == nil ? conversation.add(1, ordering: .relaxed).newValue : 0)
    }
    public func nextMessage() -> MessageID { MessageID(cluster == nil ? message.add(1, ordering: .relaxed).newValue : 0) }

}
