public import HashTreeCollections

/// A hash map whose copies share their storage piece by piece: the state's big tables
/// (conversations, visitors and their indexes, tokens, widget sessions, customer identities,
/// ratings, files, idempotent replies) are kept in these.
///
/// A snapshot copies the state under its lock in O(1) and encodes the copy on its own thread
/// (``MessageRun`` says why). The live state, no longer the only owner of its storage, copies
/// what it changes next: with a `Dictionary` that is the whole table, on the commit path and
/// under the state's lock, once per snapshot for each table a commit touches (152–155 ms for a
/// table of 1,000,000 visitors; docs/PERFORMANCE.md, "The pause at the top of the state").
/// Here a change after a copy copies the one path of trie nodes from the root to its entry
/// (swift-collections' `TreeDictionary`, a compressed hash-array mapped prefix tree): a few
/// nodes of at most 32 entries, whatever the table's size.
///
/// Lookups descend that path (about log₃₂ of the count, four levels for a million entries)
/// where a `Dictionary` probes one array; `StateBenchmarks` measures both costs.
///
/// The API is the part of `Dictionary`'s the state uses. Iteration order is unspecified, as a
/// `Dictionary`'s is: whatever must be ordered (snapshot records, pages) is sorted.
public struct StateMap<Key: Hashable, Value>: Sequence {
    public typealias Element = (key: Key, value: Value)

    @usableFromInline
    var entries: TreeDictionary<Key, Value>

    @inlinable
    public init() { entries = [:] }

    @inlinable
    public init(uniqueKeysWithValues pairs: some Sequence<(Key, Value)>) {
        entries = TreeDictionary(uniqueKeysWithValues: pairs)
    }

    @inlinable public var count: Int { entries.count }
    @inlinable public var isEmpty: Bool { entries.isEmpty }
    @inlinable public var keys: Projection<Key> { Projection(map: self) { $0.key } }
    @inlinable public var values: Projection<Value> { Projection(map: self) { $0.value } }

    /// The value for `key`; set to `nil` to remove it.
    ///
    /// A change through this subscript takes the value out of the trie and puts it back (the
    /// value is changed while only this code holds it; a copy out and back would copy the
    /// value's own storage). Changes on a hot path go through ``modify(_:_:)`` or the
    /// `default:` subscript, which change the value where it lies.
    ///
    /// Why not `TreeDictionary`'s own optional subscript `_modify`: in swift-collections 1.6 it
    /// keeps an unowned reference (`_UnsafePath.node`) to each node it has just replaced by a
    /// private copy, and the assertions of `_UnsafePath.descendToChild` read that old node
    /// again. When a copy of the map is read on another thread meanwhile, as a snapshot does,
    /// that thread may drop the last reference to the old node in between: in a debug build the
    /// assertion then reads freed memory ("Bad pointer dereference" in
    /// `_HashNode._prepareValueUpdate`, seen twice in the full suite and reproduced by
    /// `StateMapStressTests`). The `default:` accessor (`prepareDefaultedValueUpdate`) keeps
    /// no such reference.
    @inlinable
    public subscript(key: Key) -> Value? {
        get { entries[key] }
        _modify {
            var value = entries.removeValue(forKey: key)
            defer { if let value { entries.updateValue(value, forKey: key) } }
            yield &value
        }
    }

    /// The value for `key`, `defaultValue()` inserted first when there is none; changed in
    /// place: after a copy, the path from the root to the entry is copied, nothing else.
    @inlinable
    public subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { entries[key, default: defaultValue()] }
        _modify { yield &entries[key, default: defaultValue()] }
    }

    /// Changes the value for `key` in place with `body` and returns what it returns; `nil`,
    /// without calling `body`, when there is no value. (One lookup to find the key, one access
    /// to change it where it lies: see ``subscript(_:)`` for why not the optional accessor.)
    @inlinable
    public mutating func modify<Result, Failure: Error>(
        _ key: Key, _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard entries.keys.contains(key) else { return nil }
        return try body(&entries[key, default: Self.absent()])
    }

    /// The `default:` of ``modify(_:_:)``'s access, which runs only for a key it has just found.
    @usableFromInline
    static func absent() -> Value { preconditionFailure("StateMap.modify: the key it found is gone") }

    @inlinable @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        entries.updateValue(value, forKey: key)
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        entries.removeValue(forKey: key)
    }

    @inlinable
    public func makeIterator() -> Iterator { Iterator(base: entries.makeIterator()) }

    /// The entries in an unspecified order. (Wrapped, so that users of the map need not
    /// import swift-collections for its members.)
    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: TreeDictionary<Key, Value>.Iterator

        @inlinable init(base: TreeDictionary<Key, Value>.Iterator) { self.base = base }

        @inlinable
        public mutating func next() -> Element? { base.next() }
    }

    /// One part of each entry (``keys``, ``values``), in the entries' order.
    public struct Projection<Part>: Sequence {
        @usableFromInline let map: StateMap
        @usableFromInline let part: (StateMap.Element) -> Part

        @inlinable init(map: StateMap, part: @escaping (StateMap.Element) -> Part) {
            self.map = map
            self.part = part
        }

        @inlinable public var count: Int { map.count }
        @inlinable public var isEmpty: Bool { map.isEmpty }

        @inlinable
        public func makeIterator() -> LazyMapSequence<StateMap, Part>.Iterator { map.lazy.map(part).makeIterator() }
    }
}

extension StateMap: Sendable where Key: Sendable, Value: Sendable {}
extension StateMap.Iterator: Sendable where Key: Sendable, Value: Sendable {}

extension StateMap: Equatable where Value: Equatable {}

extension StateMap: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (Key, Value)...) {
        self.init(uniqueKeysWithValues: elements)
    }
}
