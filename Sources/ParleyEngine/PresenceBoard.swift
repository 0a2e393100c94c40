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
        /// Who is online on the other nodes of a cluster (empty on one node).
        var remote = ClusterPresence()
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

    /// Online here or, in a cluster, on another node.
    public func isOnline(_ participant: Participant) -> Bool {
        state.withLock { $0.tracker.isOnline(participant) || $0.remote.isOnline(participant) }
    }

    /// The online participants of `site` (on any node of a cluster).
    public func online(site: SiteID) -> Set<Participant> {
        state.withLock { ($0.bySite[site] ?? []).union($0.remote.online(site: site)) }
    }

    /// Whether another node of the cluster has `participant` online.
    public func isOnlineElsewhere(_ participant: Participant) -> Bool { state.withLock { $0.remote.isOnline(participant) } }

    /// The participants online on this node, with their site (a cluster's sync).
    public func local() -> [(participant: Participant, site: SiteID)] {
        state.withLock { state in state.sites.filter { state.tracker.isOnline($0.key) }.map { ($0.key, $0.value) } }
    }

    /// Another node's signal that `participant` came online there; `true` when they were online
    /// nowhere before (neither here nor on another node): announce them.
    public func remoteJoined(_ participant: Participant, site: SiteID, node: String, now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            let first = state.remote.joined(participant, site: site, node: node, now: now)
            return first && !state.tracker.isOnline(participant)
        }
    }

    /// Another node's signal that `participant` went offline there; their site when they are
    /// now online nowhere: announce them gone.
    public func remoteLeft(_ participant: Participant, node: String, now: ContinuousClock.Instant) -> SiteID? {
        state.withLock { state in
            guard let site = state.remote.left(participant, node: node, now: now), !state.tracker.isOnline(participant) else { return nil }
            state.lastClosed[participant] = .now()
            return site
        }
    }

    /// A heartbeat from another node.
    public func remoteHeard(_ node: String, now: ContinuousClock.Instant) { state.withLock { $0.remote.heard(node, now: now) } }

    /// Forgets silent nodes; returns the participants now online nowhere.
    public func expireRemote(now: ContinuousClock.Instant) -> [(participant: Participant, site: SiteID)] {
        state.withLock { state in
            state.remote.expire(now: now).filter { !state.tracker.isOnline($0.participant) }
        }
    }

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
            if state.tracker.isOnline(participant) || state.remote.isOnline(participant) { return .online }
            return state.lastClosed[participant].map(Seen.left) ?? .unknown
        }
    }
}
