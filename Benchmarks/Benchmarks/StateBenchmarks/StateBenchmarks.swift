import Benchmark
import ParleyModel
import Synchronization

/// The first change to the state after a snapshot took its copy: what the commit path pays
/// under the state's lock once per snapshot (docs/PERFORMANCE.md, "The pause at the top of the
/// state"). A snapshot shares the state's storage, so each sample copies the fixture's state
/// (an O(1) share, as the snapshot does) and times one record applied to the copy. The
/// "unshared" benchmarks time the same record on a state nothing else shares: the price of a
/// lookup in the big maps on every message.
let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], warmupIterations: 2, maxDuration: .seconds(20), maxIterations: 50)
    let fixture = StateFixture()

    Benchmark(
        "First message after a snapshot, 1M conversations", configuration: configuration,
        closure: { benchmark in
            var copy = fixture.state
            benchmark.startMeasurement()
            try copy.apply(.messageAppended(fixture.message(in: ConversationID(500_000), seq: 1)), lsn: copy.appliedLSN + 1)
            benchmark.stopMeasurement()
            blackHole(copy)
        }, setup: { fixture.build() })

    Benchmark(
        "First visitor and conversation after a snapshot, 1M visitors", configuration: configuration,
        closure: { benchmark in
            var copy = fixture.state
            let index = StateFixture.conversations + 1
            benchmark.startMeasurement()
            try copy.apply(.visitorRegistered(fixture.visitor(index)), lsn: copy.appliedLSN + 1)
            try copy.apply(.conversationOpened(fixture.conversation(index)), lsn: copy.appliedLSN + 1)
            benchmark.stopMeasurement()
            blackHole(copy)
        }, setup: { fixture.build() })

    Benchmark(
        "1,000 messages into 1M conversations, unshared", configuration: configuration,
        closure: { benchmark in
            fixture.withUnshared { state in
                benchmark.startMeasurement()
                for iteration in 0..<1000 {
                    let conversation = ConversationID(UInt64(iteration % 1000 * 997 + 1))
                    let seq = state.conversations[conversation]!.lastSeq + 1
                    try! state.apply(.messageAppended(fixture.message(in: conversation, seq: seq)), lsn: state.appliedLSN + 1)
                }
                benchmark.stopMeasurement()
            }
        }, setup: { fixture.build() })

    Benchmark(
        "Restore a state of 1M visitors and conversations (decode)",
        configuration: Benchmark.Configuration(
            metrics: [.wallClock, .peakMemoryResident], warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 5),
        closure: { benchmark in
            let bytes = fixture.encoded
            benchmark.startMeasurement()
            let state = try bytes.withUnsafeBytes { try StateCodec.decode($0) }
            benchmark.stopMeasurement()
            precondition(state.conversations.count == StateFixture.conversations)
            blackHole(state)
        }, setup: { fixture.build() })
}

/// 1M visitors, each with one open conversation on one site; built once, shared by the
/// benchmarks.
final class StateFixture: Sendable {
    static let conversations = 1_000_000
    static let t0 = Timestamp(milliseconds: 1_705_761_000_000)
    static let site = SiteID(1)
    private let built = Mutex<(state: ParleyState, encoded: [UInt8])?>(nil)
    /// A state only the unshared benchmark changes (its own storage, never copied).
    private let unshared = Mutex<ParleyState?>(nil)

    var state: ParleyState { built.withLock { $0!.state } }
    /// The state as a snapshot's body holds it (before compression).
    var encoded: [UInt8] { built.withLock { $0!.encoded } }

    func withUnshared(_ body: (inout ParleyState) -> Void) {
        unshared.withLock { state in
            if state == nil {
                // Its own storage: the first change copies the shared maps, outside any measurement.
                var own = self.state
                try! own.apply(.messageAppended(message(in: ConversationID(1), seq: 1)), lsn: own.appliedLSN + 1)
                state = own
            }
            body(&state!)
        }
    }

    func visitor(_ index: Int) -> Visitor {
        Visitor(
            id: VisitorID(UInt64(index)), siteID: Self.site, externalID: "v\(index)", name: "Visitor \(index)",
            firstSeenAt: Self.t0, lastSeenAt: Self.t0)
    }

    func conversation(_ index: Int) -> Conversation {
        Conversation(id: ConversationID(UInt64(index)), siteID: Self.site, visitorID: VisitorID(UInt64(index)), createdAt: Self.t0)
    }

    func message(in conversation: ConversationID, seq: UInt64) -> Message {
        Message(
            id: MessageID(conversation.rawValue << 20 | seq), conversationID: conversation, seq: seq,
            sender: .visitor(VisitorID(conversation.rawValue)), content: "Hello, I have a question about my order",
            clientMessageID: nil, createdAt: Self.t0)
    }

    func build() {
        if built.withLock({ $0 != nil }) { return }
        var state = ParleyState()
        var lsn: UInt64 = 0
        func apply(_ event: Event) {
            lsn += 1
            try! state.apply(event, lsn: lsn)
        }
        apply(.siteCreated(Site(id: Self.site, name: "Bench", domain: "", publicKey: "pk_b", secretKey: "sk_b", createdAt: Self.t0)))
        for index in 1...Self.conversations {
            apply(.visitorRegistered(visitor(index)))
            apply(.conversationOpened(conversation(index)))
        }
        let encoded = StateCodec.encode(state)
        built.withLock { $0 = (state, encoded) }
    }
}
