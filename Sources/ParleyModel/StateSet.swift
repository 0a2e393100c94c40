public import HashTreeCollections

/// A set whose copies share their storage piece by piece, as ``StateMap``'s do (swift-collections'
/// `TreeSet`): an insert or removal after a snapshot's copy copies one path of trie nodes, not
/// the set. Iteration order is unspecified; sort what must be ordered.
public struct StateSet<Element: Hashable>: Sequence {
    @usableFromInline
    var members: TreeSet<Element>

    @inlinable
    public init() { members = [] }

    @inlinable public var count: Int { members.count }
    @inlinable public var isEmpty: Bool { members.isEmpty }

    @inlinable
    public func contains(_ member: Element) -> Bool { members.contains(member) }

    @inlinable @discardableResult
    public mutating func insert(_ member: Element) -> Bool { members.insert(member).inserted }

    @inlinable @discardableResult
    public mutating func remove(_ member: Element) -> Element? { members.remove(member) }

    @inlinable
    public func makeIterator() -> Iterator { Iterator(base: members.makeIterator()) }

    /// The members in an unspecified order. (Wrapped, so that users of the set need not
    /// import swift-collections for its members.)
    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: TreeSet<Element>.Iterator

        @inlinable init(base: TreeSet<Element>.Iterator) { self.base = base }

        @inlinable
        public mutating func next() -> Element? { base.next() }
    }
}

extension StateSet: Sendable where Element: Sendable {}
extension StateSet.Iterator: Sendable where Element: Sendable {}
extension StateSet: Equatable {}
