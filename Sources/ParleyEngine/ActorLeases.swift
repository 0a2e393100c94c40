import ParleyModel

/// Which conversation actors are alive and in use, as a plain state machine (no locks, no
/// clock of its own): an actor is made on first use, leased for each call, and dropped once it
/// has been unused for `idleTimeout` with no lease out (issue 15: actors are not kept forever).
///
/// An actor is dropped only when nobody holds it, and every call it carried out has finished
/// (durable and applied to the state) before its lease is returned; so an actor made again
/// later from the state starts exactly where the dropped one stopped.
struct ActorLeases<Actor> {
    struct Slot {
        var actor: Actor
        var leases = 0
        var lastUsed: ContinuousClock.Instant
    }

    let idleTimeout: Duration
    /// How often creation also sweeps for idle actors.
    let sweepInterval: Duration
    private(set) var slots: [ConversationID: Slot] = [:]
    private var lastSweep: ContinuousClock.Instant?

    init(idleTimeout: Duration, sweepInterval: Duration = .seconds(10)) {
        self.idleTimeout = idleTimeout
        self.sweepInterval = sweepInterval
    }

    /// Leases the conversation's actor, making it with `make` when there is none (`nil`: no such
    /// conversation). Making one may first drop actors idle past the timeout.
    mutating func lease(_ id: ConversationID, now: ContinuousClock.Instant, make: () -> Actor?) -> Actor? {
        // Every message takes a lease and returns it: the slot is found by one hash, then
        // changed in place through its index.
        if let index = slots.index(forKey: id) {
            slots.values[index].leases += 1
            slots.values[index].lastUsed = now
            return slots.values[index].actor
        }
        if lastSweep.map({ now - $0 >= sweepInterval }) ?? true { evictIdle(now: now) }
        guard let actor = make() else { return nil }
        slots[id] = Slot(actor: actor, leases: 1, lastUsed: now)
        return actor
    }

    /// Returns a lease once the call it was taken for has finished.
    mutating func release(_ id: ConversationID, now: ContinuousClock.Instant) {
        guard let index = slots.index(forKey: id) else { return }
        slots.values[index].leases -= 1
        slots.values[index].lastUsed = now
    }

    /// Drops every actor with no lease out and unused for the timeout; returns how many.
    @discardableResult
    mutating func evictIdle(now: ContinuousClock.Instant) -> Int {
        lastSweep = now
        let before = slots.count
        slots = slots.filter { $0.value.leases > 0 || now - $0.value.lastUsed < idleTimeout }
        return before - slots.count
    }

    var count: Int { slots.count }
}
