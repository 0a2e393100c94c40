public import ParleyModel

/// Who is online on the *other* nodes of a cluster (docs/SCALING.md, "Ephemeral signals"), as a
/// plain state machine: the nodes' `joined`/`left` signals and heartbeats go in; what comes out
/// is whether a participant just came online, or went offline, on every other node. A node that
/// stops sending heartbeats (it died) is forgotten after ``lifetime``, and its participants with it.
public struct ClusterPresence: Sendable {
    private struct Remote {
        var site: SiteID
        var nodes: Set<String>
    }

    private var participants: [Participant: Remote] = [:]
    private var lastHeard: [String: ContinuousClock.Instant] = [:]
    /// How long a silent node's participants still count as online.
    public let lifetime: Duration

    public init(lifetime: Duration = .seconds(15)) {
        self.lifetime = lifetime
    }

    /// `node` says `participant` (of `site`) is online there. Returns `true` when no other node
    /// had them online before.
    public mutating func joined(_ participant: Participant, site: SiteID, node: String, now: ContinuousClock.Instant) -> Bool {
        heard(node, now: now)
        let before = participants[participant]?.nodes.isEmpty ?? true
        participants[participant, default: Remote(site: site, nodes: [])].nodes.insert(node)
        return before
    }

    /// `node` says `participant` went offline there. Returns their site when no other node has
    /// them online now.
    public mutating func left(_ participant: Participant, node: String, now: ContinuousClock.Instant) -> SiteID? {
        heard(node, now: now)
        guard var remote = participants[participant], remote.nodes.remove(node) != nil else { return nil }
        if remote.nodes.isEmpty {
            participants[participant] = nil
            return remote.site
        }
        participants[participant] = remote
        return nil
    }

    /// A heartbeat (or any signal) from `node`.
    public mutating func heard(_ node: String, now: ContinuousClock.Instant) {
        lastHeard[node] = now
    }

    /// Forgets nodes silent for longer than ``lifetime``; returns the participants (with their
    /// site) that were online only on those nodes.
    public mutating func expire(now: ContinuousClock.Instant) -> [(participant: Participant, site: SiteID)] {
        let silent = Set(lastHeard.filter { now - $0.value > lifetime }.keys)
        guard !silent.isEmpty else { return [] }
        for node in silent { lastHeard[node] = nil }
        var gone: [(participant: Participant, site: SiteID)] = []
        for (participant, remote) in participants where !remote.nodes.isDisjoint(with: silent) {
            let left = remote.nodes.subtracting(silent)
            if left.isEmpty {
                participants[participant] = nil
                gone.append((participant, remote.site))
            } else {
                participants[participant]?.nodes = left
            }
        }
        return gone.sorted { $0.participant.sortKey < $1.participant.sortKey }
    }

    public func isOnline(_ participant: Participant) -> Bool { participants[participant] != nil }

    /// The participants of `site` online on another node.
    public func online(site: SiteID) -> Set<Participant> {
        Set(participants.filter { $0.value.site == site }.keys)
    }
}
