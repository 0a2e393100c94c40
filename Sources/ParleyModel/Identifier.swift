/// The kinds of entity that carry an integer id (CONTRACT §2). The raw value is the kind number
/// that the omni and gateway dialects put in the first group of their UUIDs.
public enum EntityKind: UInt8, Sendable, CaseIterable {
    case site = 1
    case agent = 2
    case visitor = 3
    case conversation = 4
    case message = 5
    case file = 6
    case notification = 7
    case webhook = 8
    case knowledgeDocument = 9
    case channel = 10
}

/// A marker type naming the kind of an ``Identifier``.
public protocol IdentifierKind: Sendable {
    /// The entity kind this marker stands for.
    static var kind: EntityKind { get }
}

/// An entity's internal integer id: assigned in order per kind, starting at 1, never reused.
///
/// ```swift
/// let conversation = ConversationID(456)
/// ```
public struct Identifier<Kind: IdentifierKind>: RawRepresentable, Hashable, Comparable, Sendable,
    CustomStringConvertible
{
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "\(Kind.kind)#\(rawValue)" }
}

public enum SiteKind: IdentifierKind { public static var kind: EntityKind { .site } }
public enum AgentKind: IdentifierKind { public static var kind: EntityKind { .agent } }
public enum VisitorKind: IdentifierKind { public static var kind: EntityKind { .visitor } }
public enum ConversationKind: IdentifierKind { public static var kind: EntityKind { .conversation } }
public enum MessageKind: IdentifierKind { public static var kind: EntityKind { .message } }
public enum FileKind: IdentifierKind { public static var kind: EntityKind { .file } }
public enum NotificationKind: IdentifierKind { public static var kind: EntityKind { .notification } }
public enum ChannelKind: IdentifierKind { public static var kind: EntityKind { .channel } }
public enum KnowledgeDocumentKind: IdentifierKind { public static var kind: EntityKind { .knowledgeDocument } }

public typealias SiteID = Identifier<SiteKind>
public typealias AgentID = Identifier<AgentKind>
public typealias VisitorID = Identifier<VisitorKind>
public typealias ConversationID = Identifier<ConversationKind>
public typealias MessageID = Identifier<MessageKind>
public typealias FileID = Identifier<FileKind>
public typealias NotificationID = Identifier<NotificationKind>
public typealias KnowledgeDocumentID = Identifier<KnowledgeDocumentKind>
