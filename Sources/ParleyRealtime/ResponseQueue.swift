public import ParleyModel

/// A session's answers to its client's frames, kept in the order of those frames (issue 18).
///
/// A client may send messages without waiting for their acks: the session appends each to its
/// conversation at once and acknowledges it when it is durable, so one fsync covers everything
/// that arrived meanwhile. An ack therefore waits here until the message is durable, and every
/// answer to a later frame (another ack, an error, a state) waits behind it: the client reads its
/// answers in the order it sent the frames, which is how it knows which frame an error is about.
///
/// A plain state machine: the session holds it under its lock and writes what it returns.
public struct ResponseQueue: Sendable {
    /// One answer's place in the queue: tickets are handed out in frame order.
    public typealias Ticket = UInt64

    private struct Entry: Sendable {
        var ticket: Ticket
        /// The message this answer acknowledges, once it has an id (the hub looks for it).
        var message: MessageID?
        var frame: WireFrame?
    }

    private var entries: [Entry] = []
    /// Entries before this index are answered and gone (compacted now and then).
    private var head = 0
    private var nextTicket: Ticket = 1

    public init() {}

    /// Answers still waiting for a message to become durable, or behind one that is.
    public var count: Int { entries.count - head }
    public var isEmpty: Bool { head == entries.count }

    /// A place for an answer that comes later (a message's ack once it is durable).
    public mutating func reserve() -> Ticket {
        defer { nextTicket += 1 }
        entries.append(Entry(ticket: nextTicket, message: nil, frame: nil))
        return nextTicket
    }

    /// The reserved answer acknowledges message `id` (so the hub can write it in front of the
    /// session's copy of that message).
    public mutating func attach(_ id: MessageID, to ticket: Ticket) {
        guard let index = index(of: ticket) else { return }
        entries[index].message = id
    }

    /// An answer that needs nothing more: written now when nothing is ahead of it, else queued.
    public mutating func answer(_ frame: WireFrame) -> [WireFrame] {
        defer { nextTicket += 1 }
        if isEmpty { return [frame] }
        entries.append(Entry(ticket: nextTicket, message: nil, frame: frame))
        return []
    }

    /// The reserved answer is known (an ack, or an error): returns the answers that can be
    /// written now, in order. A second answer for the same place is ignored.
    public mutating func settle(_ ticket: Ticket, with frame: WireFrame) -> [WireFrame] {
        guard let index = index(of: ticket), entries[index].frame == nil else { return [] }
        entries[index].frame = frame
        return takeReady()
    }

    /// The hub routes the session's copy of message `id`: if its ack is still to be written, the
    /// ack is settled, and what can be written now returned (to go in front of the copy).
    public mutating func settleCopy(of id: MessageID, ack: () -> WireFrame) -> [WireFrame] {
        guard let index = entries[head...].firstIndex(where: { $0.message == id }), entries[index].frame == nil else { return [] }
        entries[index].frame = ack()
        return takeReady()
    }

    private func index(of ticket: Ticket) -> Int? {
        guard head < entries.count, ticket >= entries[head].ticket else { return nil }
        let index = head + Int(ticket - entries[head].ticket)
        return index < entries.count ? index : nil
    }

    private mutating func takeReady() -> [WireFrame] {
        var ready: [WireFrame] = []
        while head < entries.count, let frame = entries[head].frame {
            ready.append(frame)
            head += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return ready
    }
}
