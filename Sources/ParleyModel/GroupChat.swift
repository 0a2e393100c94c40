/// A group chat of a site's agents (codec v11): who owns it and who takes part. Only members
/// read and write its messages; `isPublic` lets every agent of the site find it in the chats
/// list (`availability=public`); `isChannel` marks a broadcast channel (Pachca's `channel`).
public struct GroupChat: Hashable, Sendable {
    public var name: String
    public var ownerID: AgentID
    /// Sorted, without duplicates; always holds the owner.
    public var memberIDs: [AgentID]
    public var isChannel: Bool
    public var isPublic: Bool

    public init(name: String, ownerID: AgentID, memberIDs: [AgentID], isChannel: Bool = false, isPublic: Bool = false) {
        self.name = name
        self.ownerID = ownerID
        self.memberIDs = Array(Set(memberIDs + [ownerID])).sorted()
        self.isChannel = isChannel
        self.isPublic = isPublic
    }
}
