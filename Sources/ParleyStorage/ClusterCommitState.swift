/// What a cluster node's writes are waiting for (docs/SCALING.md, "Build order", step 3), as a
/// plain state machine: ``ClusterLog`` carries it out, tests drive it without I/O.
///
/// A write gets a *ticket* at append (this node's own counter, in call order: records leave for
/// the `append` script in that order). It resolves once the script answered **and** this node's
/// tail applied the LSN the script gave (so a reader after the acknowledgement sees the write), or
/// at once when the script refused it or the connection failed. A resolved ticket's outcome is
/// kept for the newest ``retained`` tickets, so a later wait on the same ticket (a second
/// request for the same visitor) gets it too.
struct ClusterCommitState<Payload, Waiter> {
    /// How a ticket ended.
    enum Outcome: Equatable {
        case committed(CommitPosition)
        case failed(ClusterWriteError)
    }

    private(set) var nextTicket: UInt64 = 1
    /// The LSN through which this node applied the stream.
    private(set) var applied: UInt64
    /// Queued for the script, in ticket order.
    private var queued: [(ticket: UInt64, payload: Payload)] = []
    /// Answered by the script, waiting for the tail to apply their LSN (ascending LSN in practice).
    private var answered: [(lsn: UInt64, ticket: UInt64, position: CommitPosition)] = []
    /// Records the state refused, by LSN: every node refuses them alike; their writer is told.
    private var refused: [UInt64: String] = [:]
    private var refusedOrder: [UInt64] = []
    private var waiters: [UInt64: [Waiter]] = [:]
    /// Outcomes of resolved tickets, a ring indexed by ticket.
    private var outcomes: [(ticket: UInt64, outcome: Outcome)?]
    let retained: Int
    /// No more appends are taken (the node is stopping).
    private(set) var isClosed = false

    init(applied: UInt64, retained: Int = 65_536) {
        self.applied = applied
        self.retained = retained
        outcomes = Array(repeating: nil, count: retained)
    }

    /// Queues a record; returns its ticket, or `nil` once closed.
    mutating func enqueue(_ payload: Payload) -> UInt64? {
        guard !isClosed else { return nil }
        defer { nextTicket += 1 }
        queued.append((nextTicket, payload))
        return nextTicket
    }

    /// Takes up to `limit` queued records, oldest first, to send in one pipeline.
    mutating func takeBatch(limit: Int) -> [(ticket: UInt64, payload: Payload)] {
        let count = min(limit, queued.count)
        let batch = Array(queued.prefix(count))
        queued.removeFirst(count)
        return batch
    }

    var hasQueued: Bool { !queued.isEmpty }

    /// The script's answer for `ticket`: resolved now when it failed, or when the tail already
    /// applied the LSN; otherwise when ``applied(through:refused:)`` reaches it.
    mutating func answered(_ ticket: UInt64, _ answer: Result<CommitPosition, ClusterWriteError>) -> [(Waiter, Outcome)] {
        switch answer {
        case .failure(let error):
            return resolve(ticket, .failed(error))
        case .success(let position):
            if position.lsn <= applied { return resolve(ticket, outcome(for: position)) }
            let index = answered.lastIndex { $0.lsn <= position.lsn }.map { $0 + 1 } ?? 0
            answered.insert((position.lsn, ticket, position), at: index)
            return []
        }
    }

    /// The tail applied the stream through `lsn`; `refusedNow` are the records of that step the
    /// state refused (with why).
    mutating func applied(through lsn: UInt64, refused refusedNow: [UInt64: String]) -> [(Waiter, Outcome)] {
        applied = max(applied, lsn)
        for (refusedLSN, reason) in refusedNow.sorted(by: { $0.key < $1.key }) {
            refused[refusedLSN] = reason
            refusedOrder.append(refusedLSN)
        }
        // A refusal whose ticket is on another node is never asked for: keep the newest 4,096.
        if refusedOrder.count > 4_096 {
            for old in refusedOrder.prefix(refusedOrder.count - 4_096) { refused[old] = nil }
            refusedOrder.removeFirst(refusedOrder.count - 4_096)
        }
        var resolved: [(Waiter, Outcome)] = []
        let ready = answered.prefix { $0.lsn <= applied }
        for entry in ready { resolved += resolve(entry.ticket, outcome(for: entry.position)) }
        answered.removeFirst(ready.count)
        return resolved
    }

    /// Adds a waiter for `ticket`; returns the outcome when it is known already.
    mutating func wait(_ ticket: UInt64, _ waiter: Waiter) -> Outcome? {
        if let known = outcome(of: ticket) { return known }
        guard ticket < nextTicket, !isClosed else { return .failed(.unavailable("the cluster log is closed")) }
        waiters[ticket, default: []].append(waiter)
        return nil
    }

    /// The outcome of a resolved ticket still retained. A ticket older than the retained window
    /// resolved long ago and its outcome is forgotten: it is answered as unavailable, never as
    /// committed (a write is acknowledged only when this node knows it is in the log).
    func outcome(of ticket: UInt64) -> Outcome? {
        guard ticket < nextTicket else { return nil }
        if let slot = outcomes[Int(ticket % UInt64(retained))], slot.ticket == ticket { return slot.outcome }
        if ticket + UInt64(retained) < nextTicket { return .failed(.unavailable("the outcome of this write is no longer known; retry")) }
        return nil
    }

    /// Fails every ticket not yet resolved (the node is stopping); later appends are refused.
    mutating func close(_ error: ClusterWriteError) -> [(Waiter, Outcome)] {
        isClosed = true
        var tickets = Set(queued.map(\.ticket))
        tickets.formUnion(answered.map(\.ticket))
        tickets.formUnion(waiters.keys)
        queued.removeAll()
        answered.removeAll()
        return tickets.sorted().flatMap { resolve($0, .failed(error)) }
    }

    private func outcome(for position: CommitPosition) -> Outcome {
        // Never a success: the effect that carried the key was not appended.
        if position.heldClaim != nil {
            return .failed(.idempotencyKeyTaken(lsn: position.lsn))
        }
        if !position.isRepeat, let reason = refused[position.lsn] {
            return .failed(.refused(lsn: position.lsn, reason: reason))
        }
        return .committed(position)
    }

    private mutating func resolve(_ ticket: UInt64, _ outcome: Outcome) -> [(Waiter, Outcome)] {
        outcomes[Int(ticket % UInt64(retained))] = (ticket, outcome)
        return (waiters.removeValue(forKey: ticket) ?? []).map { ($0, outcome) }
    }
}
