public import ParleyModel
import Synchronization

/// Who is online, for the whole process: the routing hub reports WebSocket sessions opening
/// and closing, and both the hub (presence frames, `get_state`) and REST (a visitor's
/// `status`, the active visitors, agents' `last_seen`) read it. A participant is online while
/// a session of theirs is open and for the grace period after the last one closed
/// (``PresenceTracker``). Socket presence is never logged: after a restart, clients reconnect.
public final class PresenceBoard: Sendable {
    /// What the board knows of when a participant was last seen.
    public enum Seen: Sendable, Hashable {
        /// A session is open, or the last one closed within the grace period.
        case online
        /// Offline; the last session closed at this time (since the process started).
        case left(Timestamp)
        /// No session of theirs since the process started.
        case unknown
    }

    private struct State {
        var tracker = PresenceTracker<Participant>()
        var sites: [Participant: SiteID] = [:]
        var bySite: [SiteID: Set<Participant>] = [:]
        /// When each participant's most recent session closed. At most one entry per
        /// participant, so it is bounded by the state's own visitors and agents.
        var lastClosed: [Participant: Timestamp] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// A session of `participant` (of `site`) opened; `true` when they just came online.
    public func connect(_ participant: Participant, site: SiteID) -> Bool {
        state.withLock { state in
            let joined = state.tracker.connect(participant)
            if joined {
                state.sites[participant] = site
                state.bySite[site, default: []].insert(participant)
            }
            return joined
        }
    }

    /// A session of `participant` closed at `at`; after their last one they stay online until
    /// `deadline`.
    public func disconnect(_ participant: Participant, at: Timestamp, leavesAt deadline: ContinuousClock.Instant) {
        state.withLock { state in
            state.tracker.disconnect(participant, leavesAt: deadline)
            state.lastClosed[participant] = at
        }
    }

    /// Participants whose grace period ran out, with their site: they are offline now.
    public func expire(now: ContinuousClock.Instant) -> [(participant: Participant, site: SiteID)] {
        state.withLock { state in
            state.tracker.expire(now: now).compactMap { participant in
                guard let site = state.sites.removeValue(forKey: participant) else { return nil }
                state.bySite[site]?.remove(participant)
                if state.bySite[site]?.isEmpty == true { state.bySite[site] = nil }
                return (participant, site)
            }
        }
    }

    public func isOnline(_ participant: Participant) -> Bool { state.withLock { $0.tracker.isOnline(participant) } }

    /// The online participants of `site`.
    public func online(site: SiteID) -> Set<Participant> { state.withLock { $0.bySite[site] ?? [] } }

    /// A visitor's presence as the APIs show it: online (last seen now) while a session is
    /// open or within the grace period; else offline, last seen at the later of its last
    /// session's close and its last registration or `init`.
    public func status(of visitor: Visitor) -> (online: Bool, lastSeen: Timestamp) {
        switch seen(.visitor(visitor.id)) {
        case .online: (true, .now())
        case .left(let closed): (false, max(closed, visitor.lastSeenAt))
        case .unknown: (false, visitor.lastSeenAt)
        }
    }

    public func seen(_ participant: Participant) -> Seen {
        state.withLock { state in
            if state.tracker.isOnline(participant) { return .online }
            return state.lastClosed[participant].map(Seen.left) ?? .unknown
        }
    }
}
