public import ParleyModel

/// Statistics computed from the event history in the state (nothing is counted separately,
/// so they are right after any restart or restore). A plain computation over a state and the
/// cold history behind it: make it under the state's lock, run it outside (history reads).
public struct Analytics {
    /// A half-open time range `[start, end)`.
    public struct Period: Sendable, Hashable {
        public var start: Timestamp
        public var end: Timestamp

        /// `today` (since 00:00 UTC), `week` (the last 7 days) or `month` (the last 30 days).
        public init(start: Timestamp, end: Timestamp) {
            self.start = start
            self.end = end
        }

        public init?(name: String, now: Timestamp = .now()) {
            let day: Int64 = 86_400_000
            switch name {
            case "today": start = Timestamp(milliseconds: now.milliseconds - now.milliseconds % day)
            case "week": start = Timestamp(milliseconds: now.milliseconds - 7 * day)
            case "month": start = Timestamp(milliseconds: now.milliseconds - 30 * day)
            default: return nil
            }
            end = Timestamp(milliseconds: now.milliseconds + 1)
        }

        public func contains(_ time: Timestamp) -> Bool { time >= start && time < end }
    }

    public struct Dashboard: Sendable, Hashable {
        /// Conversations opened in the period.
        public var totalConversations: Int
        /// Conversations not closed, now.
        public var activeConversations: Int
        /// Messages written in the period (all senders).
        public var messagesSent: Int
        /// Mean seconds from a visitor's first unanswered message to the next agent reply, over
        /// replies in the period; `nil` without any.
        public var averageResponseSeconds: Int?
        /// Mean seconds from opening to closing, over conversations closed in the period.
        public var averageResolutionSeconds: Int?
        /// Conversations opened in the period per UTC hour of day (hours with none left out).
        public var conversationsByHour: [(hour: Int, count: Int)]

        public static func == (lhs: Dashboard, rhs: Dashboard) -> Bool {
            lhs.totalConversations == rhs.totalConversations && lhs.activeConversations == rhs.activeConversations
                && lhs.messagesSent == rhs.messagesSent && lhs.averageResponseSeconds == rhs.averageResponseSeconds
                && lhs.averageResolutionSeconds == rhs.averageResolutionSeconds
                && lhs.conversationsByHour.map(\.hour) == rhs.conversationsByHour.map(\.hour)
                && lhs.conversationsByHour.map(\.count) == rhs.conversationsByHour.map(\.count)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(totalConversations) }
    }

    public struct AgentPerformance: Sendable, Hashable {
        /// Conversations in which the agent wrote during the period.
        public var conversationsHandled: Int
        public var messagesSent: Int
        /// As for the dashboard, counting only this agent's replies.
        public var averageResponseSeconds: Int?
        /// Over conversations the agent handled that closed in the period.
        public var averageResolutionSeconds: Int?
    }

    public let logs: [ConversationLog]
    public let ratings: [ConversationID: ConversationRating]
    let cold: any ColdHistory

    /// The conversations of `site` in `state`, and their customers' ratings; `cold` reads the
    /// messages compaction moved to history files.
    public init(state: borrowing ParleyState, site: SiteID, cold: any ColdHistory) {
        self.cold = cold
        logs = (state.conversationsBySite[site] ?? []).compactMap { state.conversations[$0] }
        var ratings: [ConversationID: ConversationRating] = [:]
        for log in logs { ratings[log.conversation.id] = state.plans.ratings[log.conversation.id] }
        self.ratings = ratings
    }

    /// The mean customer rating (1–5, two decimals) of ratings given in the period, over the
    /// given conversations (all of the site's by default), and how many there were.
    public func satisfaction(_ period: Period, in conversations: Set<ConversationID>? = nil) -> (average: Double?, responses: Int) {
        let scores = ratings.values.filter { rating in
            period.contains(rating.ratedAt) && (conversations?.contains(rating.conversationID) ?? true)
        }.map { Int($0.score) }
        guard !scores.isEmpty else { return (nil, 0) }
        let mean = Double(scores.reduce(0, +)) / Double(scores.count)
        return ((mean * 100).rounded() / 100, scores.count)
    }

    /// The messages of a conversation that a statistic over `period` looks at, hot and cold:
    /// none when its newest is older than the period, else those from the period's first one
    /// on, less ``lookback`` messages (a visitor turn that began just before the period and was
    /// answered in it still counts) — so a period's statistics cost what happened in it, not
    /// the conversation's whole past. A history file that cannot be read leaves its messages
    /// out (the read paths report the damage).
    public func messages(of log: ConversationLog, in period: Period) -> [Message] {
        guard let newest = log.conversation.lastMessageAt ?? log.lastMessage?.createdAt, newest >= period.start else { return [] }
        // The same window whether the messages are hot or cold: statistics do not change when
        // compaction moves them.
        guard let from = try? log.firstSeq(cold: cold, where: { $0.createdAt >= period.start }) else { return Array(log.hotMessages) }
        let start = from > UInt64(Self.lookback) ? from - UInt64(Self.lookback) : 1
        if start > log.coldThrough { return Array(log.hotMessages[Int(start - log.coldThrough - 1)...]) }
        return (try? log.messages(in: start...log.lastSeq, cold: cold)) ?? Array(log.hotMessages)
    }

    /// Messages read before a period's first one, for response times that cross its start.
    public static let lookback = 100

    /// Seconds from the conversation's first visitor message to the first agent reply, if any;
    /// cold history is read 256 messages at a time until the reply is found.
    public func firstResponseSeconds(_ log: ConversationLog) -> Int64? {
        let all = Period(start: log.conversation.createdAt, end: Timestamp(milliseconds: .max))
        var seen: [Message] = []
        var next = log.firstReadableSeq
        while next <= log.lastSeq {
            let upper = min(log.lastSeq, next + 255)
            guard let chunk = try? log.messages(in: next...upper, cold: cold) else { return nil }
            seen += chunk
            if let first = Self.responseTimes(in: seen, period: all, by: nil).first { return first }
            next = upper + 1
        }
        return nil
    }

    /// The conversations an agent wrote in during the period.
    public func handled(by agent: AgentID, _ period: Period) -> Set<ConversationID> {
        Set(logs.filter { log in messages(of: log, in: period).contains { Self.isAgent($0.sender, agent) && period.contains($0.createdAt) } }
            .map(\.conversation.id))
    }

    public func dashboard(_ period: Period) -> Dashboard {
        var byHour: [Int: Int] = [:]
        var total = 0
        for log in logs where period.contains(log.conversation.createdAt) {
            total += 1
            byHour[Int((log.conversation.createdAt.milliseconds / 3_600_000) % 24), default: 0] += 1
        }
        let responses = logs.flatMap { Self.responseTimes(in: messages(of: $0, in: period), period: period, by: nil) }
        let resolutions = logs.compactMap { Self.resolutionSeconds($0, period: period) }
        return Dashboard(
            totalConversations: total, activeConversations: logs.filter { $0.conversation.closedAt == nil }.count,
            messagesSent: logs.reduce(0) { total, log in total + messages(of: log, in: period).count { period.contains($0.createdAt) } },
            averageResponseSeconds: Self.mean(responses), averageResolutionSeconds: Self.mean(resolutions),
            conversationsByHour: byHour.sorted { $0.key < $1.key }.map { (hour: $0.key, count: $0.value) })
    }

    public func performance(of agent: AgentID, _ period: Period) -> AgentPerformance {
        let relevant = logs.map { ($0, messages(of: $0, in: period)) }
        let handled = relevant.filter { _, messages in
            messages.contains { Self.isAgent($0.sender, agent) && period.contains($0.createdAt) }
        }.map(\.0)
        let sent = relevant.reduce(0) { total, entry in
            total + entry.1.count { Self.isAgent($0.sender, agent) && period.contains($0.createdAt) }
        }
        return AgentPerformance(
            conversationsHandled: handled.count, messagesSent: sent,
            averageResponseSeconds: Self.mean(relevant.flatMap { Self.responseTimes(in: $0.1, period: period, by: agent) }),
            averageResolutionSeconds: Self.mean(handled.compactMap { Self.resolutionSeconds($0, period: period) }))
    }

    static func isAgent(_ sender: Sender, _ agent: AgentID?) -> Bool {
        switch sender {
        case .agent(let id), .bot(let id): agent == nil || id == agent
        case .visitor, .system: false
        }
    }

    /// Seconds between each visitor turn's first message and the agent reply that ends it.
    static func responseTimes(in messages: [Message], period: Period, by agent: AgentID?) -> [Int64] {
        var waitingSince: Timestamp?
        var times: [Int64] = []
        for message in messages {
            switch message.sender {
            case .visitor:
                if waitingSince == nil { waitingSince = message.createdAt }
            case .agent, .bot:
                if let since = waitingSince {
                    if isAgent(message.sender, agent) && period.contains(message.createdAt) {
                        times.append((message.createdAt.milliseconds - since.milliseconds) / 1000)
                    }
                    waitingSince = nil
                }
            case .system:
                break
            }
        }
        return times
    }

    static func resolutionSeconds(_ log: ConversationLog, period: Period) -> Int64? {
        guard let closed = log.conversation.closedAt, period.contains(closed) else { return nil }
        return (closed.milliseconds - log.conversation.createdAt.milliseconds) / 1000
    }

    static func mean(_ values: [Int64]) -> Int? {
        values.isEmpty ? nil : Int(values.reduce(0, +) / Int64(values.count))
    }
}
