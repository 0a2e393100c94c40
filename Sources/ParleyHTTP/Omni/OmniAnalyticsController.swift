import Foundation
import Hummingbird
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/analytics` (seed 003): totals and a series over a range, computed from the log,
/// and a CSV export of the range's conversations.
struct OmniAnalyticsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("analytics/stats", use: stats)
        group.post("analytics/export", use: export)
    }

    static let day: Int64 = 86_400_000

    /// `from`/`to` as dates (`2026-01-31`, `to` counting the whole day) or RFC 3339 times;
    /// by default the last 30 days.
    static func range(from: String?, to: String?) throws -> Analytics.Period {
        func parse(_ text: String, field: String, endOfDay: Bool) throws -> Timestamp {
            if text.count == 10, let date = Timestamp(rfc3339: text + "T00:00:00Z") {
                return endOfDay ? Timestamp(milliseconds: date.milliseconds + day) : date
            }
            guard let time = Timestamp(rfc3339: text) else {
                throw APIError.validation("\(field) must be a date (2026-01-31) or an RFC 3339 time")
            }
            return time
        }
        let end = try to.map { try parse($0, field: "to", endOfDay: true) } ?? Timestamp(milliseconds: Timestamp.now().milliseconds + 1)
        let start = try from.map { try parse($0, field: "from", endOfDay: false) } ?? Timestamp(milliseconds: end.milliseconds - 30 * day)
        guard start < end else { throw APIError.validation("from must be before to") }
        return Analytics.Period(start: start, end: end)
    }

    struct Stats: Encodable, Sendable {
        struct Conversations: Encodable, Sendable {
            var total: Int
            var open: Int
            var closed: Int
            @ExplicitNull var avg_response_time: Int?
            @ExplicitNull var avg_resolution_time: Int?
        }

        struct Messages: Encodable, Sendable {
            var total: Int
            var from_customers: Int
            var from_agents: Int
            var from_ai: Int
        }

        struct Satisfaction: Encodable, Sendable {
            @ExplicitNull var average: Double?
            var responses: Int
        }

        struct Bucket: Encodable, Sendable {
            var start: String
            var conversations: Int
            var messages: Int
        }

        var from: String
        var to: String
        var granularity: String
        var conversations: Conversations
        var messages: Messages
        var satisfaction: Satisfaction
        var series: [Bucket]
    }

    /// Bucket starts over the range: fixed hours, days or weeks from `from`, or calendar months (UTC).
    static func buckets(_ period: Analytics.Period, granularity: String) throws -> [Timestamp] {
        var starts: [Timestamp] = []
        var cursor = period.start
        while cursor < period.end {
            starts.append(cursor)
            guard starts.count <= 1000 else { throw APIError.validation("more than 1000 \(granularity)s: choose a coarser granularity") }
            switch granularity {
            case "hour": cursor = Timestamp(milliseconds: cursor.milliseconds + 3_600_000)
            case "day": cursor = Timestamp(milliseconds: cursor.milliseconds + day)
            case "week": cursor = Timestamp(milliseconds: cursor.milliseconds + 7 * day)
            case "month":
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let date = Date(timeIntervalSince1970: Double(cursor.milliseconds) / 1000)
                let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
                let next = calendar.date(byAdding: .month, value: 1, to: monthStart) ?? date
                cursor = Timestamp(milliseconds: Int64(next.timeIntervalSince1970 * 1000))
            default: throw APIError.validation("granularity must be hour, day, week or month")
            }
        }
        return starts
    }

    @Sendable func stats(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Stats> {
        let site = try context.requireStaff()
        let query = request.uri.queryParameters
        let period = try Self.range(from: query["from"].map(String.init), to: query["to"].map(String.init))
        let granularity = query["granularity"].map(String.init) ?? "day"
        let starts = try Self.buckets(period, granularity: granularity)
        // Made under the state's lock, computed outside it (cold history is read from disk).
        let analytics = broker.store.read { Analytics(state: $0, site: site, cold: broker.store.history) }
        let stats: Stats = {
            let dashboard = analytics.dashboard(period)
            let logs = analytics.logs
            let opened = logs.filter { period.contains($0.conversation.createdAt) }
            var messages = Stats.Messages(total: 0, from_customers: 0, from_agents: 0, from_ai: 0)
            var series = starts.map { Stats.Bucket(start: $0.rfc3339, conversations: 0, messages: 0) }
            func bucket(_ time: Timestamp) -> Int? {
                guard period.contains(time) else { return nil }
                var low = 0
                var high = starts.count - 1
                while low < high {
                    let middle = (low + high + 1) / 2
                    if starts[middle] <= time { low = middle } else { high = middle - 1 }
                }
                return low
            }
            for log in logs {
                if let index = bucket(log.conversation.createdAt) { series[index].conversations += 1 }
                for message in analytics.messages(of: log, in: period) where period.contains(message.createdAt) {
                    messages.total += 1
                    switch message.sender {
                    case .visitor: messages.from_customers += 1
                    case .agent: messages.from_agents += 1
                    case .bot: messages.from_ai += 1
                    case .system: break
                    }
                    if let index = bucket(message.createdAt) { series[index].messages += 1 }
                }
            }
            let satisfaction = analytics.satisfaction(period)
            return Stats(
                from: period.start.rfc3339, to: period.end.rfc3339, granularity: granularity,
                conversations: Stats.Conversations(
                    total: opened.count, open: opened.count { $0.conversation.closedAt == nil },
                    closed: opened.count { $0.conversation.closedAt != nil },
                    avg_response_time: dashboard.averageResponseSeconds, avg_resolution_time: dashboard.averageResolutionSeconds),
                messages: messages, satisfaction: Stats.Satisfaction(average: satisfaction.average, responses: satisfaction.responses),
                series: series)
        }()
        return OmniData(stats)
    }

    struct ExportRequest: Decodable {
        var from: String
        var to: String
        var format: String?
    }

    static let columns = [
        "conversation_id", "customer_id", "customer_name", "customer_email", "channel", "status", "assigned_to", "created_at",
        "closed_at", "messages", "first_response_seconds", "rating", "rating_comment",
    ]

    /// One CSV row per conversation opened in the range (at most a year), oldest first,
    /// streamed in chunks.
    @Sendable func export(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let site = try context.requireStaff()
        let body = try await request.decode(as: ExportRequest.self, context: context)
        guard (body.format ?? "csv") == "csv" else { throw APIError.validation("format must be csv") }
        let period = try Self.range(from: body.from, to: body.to)
        guard period.end.milliseconds - period.start.milliseconds <= 366 * Self.day else {
            throw APIError.validation("the range is longer than a year; export it in parts")
        }
        let analytics = broker.store.read { Analytics(state: $0, site: site, cold: broker.store.history) }
        let visitorIDs = analytics.logs.compactMap(\.conversation.visitorID)
        // (A plain loop: Swift 6.3's optimizer crashed on a closure over the borrowed state here.)
        let visitors = broker.store.read { state in
            var visitors: [VisitorID: Visitor] = [:]
            for id in visitorIDs { visitors[id] = state.visitors[id] }
            return visitors
        }
        // Outside the state's lock: the first reply may be in cold history.
        let rows: [String] = analytics.logs.filter { period.contains($0.conversation.createdAt) }.map { log in
            let header = log.conversation
            let visitor = header.visitorID.flatMap { visitors[$0] }
            let rating = analytics.ratings[header.id]
            let firstReply = analytics.firstResponseSeconds(log)
            return CSVWriter.row([
                OmniID.format(header.id), header.visitorID.map(OmniID.format) ?? "", visitor?.name ?? "", visitor?.email ?? "", "widget",
                header.status.rawValue, header.assignedAgentID.map(OmniID.format) ?? "", header.createdAt.rfc3339,
                header.closedAt?.rfc3339 ?? "", String(log.messageCount), firstReply.map(String.init) ?? "",
                rating.map { String($0.score) } ?? "", rating?.comment ?? "",
            ])
        }
        let head = CSVWriter.row(Self.columns)
        let name = "conversations-\(body.from.prefix(10))-\(body.to.prefix(10)).csv".filter { $0.isLetter || $0.isNumber || "-.".contains($0) }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                .cacheControl: "no-store",
            ],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: head))
                var index = 0
                while index < rows.count {
                    try await writer.write(ByteBuffer(string: rows[index..<min(rows.count, index + 500)].joined()))
                    index += 500
                }
                try await writer.finish(nil)
            })
    }
}
