import NIOCore
import ParleyRedis
import ParleyTestSupport
import Testing

@Suite struct RedisLogCursorTests {
    private func entries(_ lsns: [UInt64]) -> [RedisLogEntry] {
        lsns.map { RedisLogEntry(lsn: $0, type: 1, payload: ByteBuffer(), fill: RedisLogFill()) }
    }

    @Test func densEntriesAreAppliedOnceEach() {
        var cursor = RedisLogCursor(applied: 4)
        #expect(cursor.take(entries([5, 6, 7])) == .apply(entries([5, 6, 7])))
        // An overlapping read: what was applied is dropped.
        #expect(cursor.take(entries([6, 7, 8])) == .apply(entries([8])))
        #expect(cursor.take([]) == .apply([]))
        #expect(cursor.applied == 8)
    }

    @Test func aGapIsReportedNeverSkipped() {
        var cursor = RedisLogCursor(applied: 4)
        #expect(cursor.take(entries([7, 8])) == .gap(expected: 5, found: 7))
        #expect(cursor.applied == 4)
        // What comes before a gap is applied first; the gap comes with the next read.
        #expect(cursor.take(entries([5, 6, 9])) == .apply(entries([5, 6])))
        #expect(cursor.take(entries([9])) == .gap(expected: 7, found: 9))
        #expect(cursor.applied == 6)
    }
}

/// The `append` script and the tail against a real `redis-server`.
@Suite(.serialized) struct RedisLogTests {
    private func record(_ text: String, conversation: UInt64, clientID: String? = nil) -> RedisLogRecord {
        RedisLogRecord(type: 3, payload: ByteBuffer(string: text), conversation: conversation, kind: .message(clientMessageID: clientID))
    }

    @Test func writersOnThreeConnectionsGetOneGaplessOrder() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        // Three nodes' worth of writers, each on its own connection, writing the same
        // conversations at once.
        let logs = (0..<3).map { _ in RedisLog(client: RedisClient(configuration: server.configuration)) }
        let tail = RedisLogTail(client: RedisClient(configuration: server.configuration), after: 0, batch: 100, block: .milliseconds(200))
        let perWriter = 60
        let outcomes = try await withThrowingTaskGroup(of: [RedisAppendOutcome].self) { group in
            for (index, log) in logs.enumerated() {
                group.addTask {
                    var outcomes: [RedisAppendOutcome] = []
                    for number in 0..<perWriter {
                        let conversation = UInt64(number % 4 + 1)
                        outcomes.append(try await log.append(self.record("w\(index)-\(number)", conversation: conversation)))
                    }
                    // One plain record each (a read cursor, say): it gets an LSN, no seq.
                    outcomes.append(try await log.append(RedisLogRecord(type: 9, payload: ByteBuffer(string: "plain-\(index)"))))
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let total = 3 * (perWriter + 1)
        #expect(outcomes.count == total)
        var read: [RedisLogEntry] = []
        while read.count < total { read += try await tail.read() }
        // Dense LSNs 1…total, each once.
        #expect(read.map(\.lsn) == (1...UInt64(total)).map { $0 })
        #expect(tail.applied == UInt64(total))
        // Per conversation: seq 1, 2, 3 … in LSN order; message ids grow with the LSN.
        var seqs: [UInt64: [UInt64]] = [:]
        var ids: [UInt64] = []
        for entry in read where entry.type == 3 {
            let writer = String(buffer: entry.payload)
            let number = Int(writer.split(separator: "-")[1])!
            seqs[UInt64(number % 4 + 1), default: []].append(entry.fill.seq)
            ids.append(entry.fill.id)
        }
        for (_, list) in seqs { #expect(list == (1...UInt64(list.count)).map { $0 }) }
        #expect(ids == (1...UInt64(3 * perWriter)).map { $0 })
        #expect(read.filter { $0.type == 9 }.allSatisfy { $0.fill == RedisLogFill() })
        // What each writer was told matches what the stream holds.
        let byLSN = Dictionary(uniqueKeysWithValues: read.map { ($0.lsn, $0) })
        for case .appended(let lsn, let fill) in outcomes { #expect(byLSN[lsn]?.fill == fill) }
        for log in logs { await log.client.shutdown() }
        await tail.client.shutdown()
    }

    @Test func aRepeatedClientMessageIDAnswersTheEarlierMessage() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        let first = try await log.append(record("hi", conversation: 7, clientID: "c-1"))
        #expect(first == .appended(lsn: 1, fill: RedisLogFill(seq: 1, id: 1)))
        #expect(try await log.append(record("hi", conversation: 7, clientID: "c-1")) == .repeated(seq: 1, lsn: 1))
        // The same id in another conversation is another message.
        #expect(try await log.append(record("hi", conversation: 8, clientID: "c-1")) == .appended(lsn: 2, fill: RedisLogFill(seq: 1, id: 2)))
        #expect(try await log.lastLSN() == 2)
        let ttl = try await log.client.send("TTL", .text(log.keys.dedupe(conversation: 7, clientMessageID: "c-1"))).int ?? 0
        #expect(ttl > 86_000 && ttl <= 86_400)
    }

    @Test func aClosedConversationRefusesMessages() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        _ = try await log.append(record("a", conversation: 3))
        _ = try await log.append(RedisLogRecord(type: 12, payload: ByteBuffer(string: "close"), conversation: 3, kind: .closesConversation))
        await #expect(throws: RedisLogError.closed) { try await log.append(self.record("b", conversation: 3)) }
        #expect(try await log.lastLSN() == 2)
        // An opening gets the next conversation id, in log order.
        let opened = try await log.append(RedisLogRecord(type: 6, payload: ByteBuffer(string: "open"), kind: .opensConversation))
        #expect(opened == .appended(lsn: 3, fill: RedisLogFill(seq: 0, id: 1)))
        #expect(try await log.entries(after: 2, count: 1).first?.fill == RedisLogFill(seq: 0, id: 1))
        // Other conversations go on.
        #expect(try await log.append(record("c", conversation: 4)) == .appended(lsn: 4, fill: RedisLogFill(seq: 1, id: 2)))
    }

    @Test func aClaimedNameRefusesASecondRecordUntilReleased() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        var first = RedisLogRecord(type: 3, payload: ByteBuffer(string: "vera"))
        first.claims = ["visitor:1:v-1", "other:1"]
        #expect(try await log.append(first) == .appended(lsn: 1, fill: RedisLogFill()))
        var second = RedisLogRecord(type: 3, payload: ByteBuffer(string: "vera again"))
        second.claims = ["visitor:1:v-2", "visitor:1:v-1"]
        #expect(try await log.append(second) == .taken(claim: "visitor:1:v-1", lsn: 1))
        #expect(try await log.lastLSN() == 1, "nothing appended, no claim kept")
        var third = RedisLogRecord(type: 3, payload: ByteBuffer(string: "v-2 alone"))
        third.claims = ["visitor:1:v-2"]
        #expect(try await log.append(third) == .appended(lsn: 2, fill: RedisLogFill()))
        var erase = RedisLogRecord(type: 40, payload: ByteBuffer(string: "erase"))
        erase.releases = ["visitor:1:v-1"]
        #expect(try await log.append(erase) == .appended(lsn: 3, fill: RedisLogFill()))
        #expect(try await log.append(second) == .taken(claim: "visitor:1:v-2", lsn: 2))
        var again = RedisLogRecord(type: 3, payload: ByteBuffer(string: "vera, later"))
        again.claims = ["visitor:1:v-1"]
        #expect(try await log.append(again) == .appended(lsn: 4, fill: RedisLogFill()))
    }

    @Test func lsnsPastFourteenDigitsKeepEveryDigit() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        try await log.client.send("SET", .text(log.keys.lsn), "123456789012345")
        #expect(try await log.append(record("x", conversation: 1)) == .appended(lsn: 123_456_789_012_346, fill: RedisLogFill(seq: 1, id: 1)))
        #expect(try await log.entries(after: 123_456_789_012_345, count: 10).map(\.lsn) == [123_456_789_012_346])
    }

    /// An expiring claim (an `Idempotency-Key`) refuses a second record while it lasts, whatever
    /// else that record claims, and lapses by itself.
    @Test func anExpiringClaimRefusesASecondRecordUntilItLapses() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        var first = record("effect", conversation: 1)
        first.expiringClaims = ["idem:aa"]
        // Long enough that a loaded CI machine still reaches the checks below before it lapses.
        first.expiringClaimLifetime = .seconds(3)
        #expect(try await log.append(first) == .appended(lsn: 1, fill: RedisLogFill(seq: 1, id: 1)))
        var second = RedisLogRecord(type: 3, payload: ByteBuffer(string: "retry"))
        second.claims = ["visitor:1:v-9"]
        second.expiringClaims = ["idem:bb", "idem:aa"]
        #expect(try await log.append(second) == .held(claim: "idem:aa", lsn: 1))
        #expect(try await log.lastLSN() == 1, "nothing appended")
        let ttl = try await log.client.send("PTTL", .text(log.keys.expiringClaim("idem:aa"))).int ?? -1
        #expect(ttl > 0 && ttl <= 3_000)
        #expect(try await log.client.send("EXISTS", .text(log.keys.expiringClaim("idem:bb"))).int == 0, "no claim kept by a refusal")
        #expect(try await log.client.send("HEXISTS", .text(log.keys.unique), "visitor:1:v-9").int == 0)
        // It lapses by itself: wait for Redis to drop it (bounded), then the same record goes in.
        let deadline = ContinuousClock.now + .seconds(20)
        while try await log.client.send("EXISTS", .text(log.keys.expiringClaim("idem:aa"))).int != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await log.append(second) == .appended(lsn: 2, fill: RedisLogFill()))
        #expect(try await log.client.send("HGET", .text(log.keys.unique), "visitor:1:v-9").string == "2")
        #expect(try await log.client.send("GET", .text(log.keys.expiringClaim("idem:bb"))).string == "2")
    }

    @Test func aLogThatEndsBeforeWhatTheSenderAppliedTakesNothing() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        for index in 1...3 { _ = try await log.append(record("m\(index)", conversation: 1), appliedLSN: UInt64(index - 1)) }
        #expect(try await log.append(record("m4", conversation: 1), appliedLSN: 3) == .appended(lsn: 4, fill: RedisLogFill(seq: 4, id: 4)))
        // Redis lost its data (or came back from an older copy): a sender that applied LSN 4 appends nothing.
        try await log.client.send("FLUSHALL")
        await #expect(throws: RedisLogError.behind) { try await log.append(self.record("m5", conversation: 1), appliedLSN: 4) }
        #expect(try await log.lastLSN() == 0, "nothing appended")
        #expect(try await log.client.send("EXISTS", .text(log.keys.log)).int == 0)
        // In a pipeline the refusal is a value, read the same way.
        let replies = try await log.client.pipeline([log.loadAppendScript, log.appendCall(record("m5", conversation: 1), appliedLSN: 4)])
        #expect(throws: RedisLogError.behind) { try RedisLog.outcome(of: replies[1]) }
        // A sender with nothing applied (a new node of a new cluster) is not refused.
        #expect(try await log.append(record("first", conversation: 1)) == .appended(lsn: 1, fill: RedisLogFill(seq: 1, id: 1)))
    }

    @Test func aTailBehindATrimReportsTheGap() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let log = RedisLog(client: RedisClient(configuration: server.configuration))
        defer { Task { await log.client.shutdown() } }
        for number in 1...10 { _ = try await log.append(record("m\(number)", conversation: 1)) }
        #expect(try await log.trim(below: 6) == 5)
        #expect(try await log.firstLSN() == 6)
        let behind = RedisLogTail(client: RedisClient(configuration: server.configuration), after: 2, block: .milliseconds(100))
        await #expect(throws: RedisLogGap(expected: 3, found: 6)) { try await behind.read() }
        // Trimmed wholly past it: nothing newer to read, still a gap.
        #expect(try await log.trim(below: 11) == 5)
        await #expect(throws: RedisLogGap(expected: 3, found: 11)) { try await behind.read() }
        // A tail that had everything waits quietly.
        let current = RedisLogTail(client: RedisClient(configuration: server.configuration), after: 10, block: .milliseconds(100))
        #expect(try await current.read() == [])
        await behind.client.shutdown()
        await current.client.shutdown()
    }
}
