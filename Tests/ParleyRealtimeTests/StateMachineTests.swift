import NIOCore
import ParleyEngine
import ParleyModel
import ParleyRealtime
import Testing

/// The realtime decisions, without sockets.
@Suite struct StateMachineTests {
    /// A frame of `bytes` bytes on the wire (a 2-byte header and the text).
    func frame(_ bytes: Int) -> WireFrame { WireFrame(text: repeatElement(UInt8(0x20), count: bytes - 2)) }

    @Test func theOutboxWakesOnceAndOverflowsAtItsLimit() {
        var outbox = Outbox(limit: 100)
        let r1 = outbox.enqueue(frame(40))
        #expect(r1 == .queued(wake: true))
        let r2 = outbox.enqueue(frame(40))
        #expect(r2 == .queued(wake: false))
        let drained = outbox.drain()
        #expect(drained.count == 2)
        let r3 = outbox.enqueue(contentsOf: [frame(60), frame(30)])
        #expect(r3 == .queued(wake: true))
        let r4 = outbox.enqueue(contentsOf: [frame(5), frame(20), frame(3)])
        #expect(r4 == .overflow)
        #expect(outbox.overflowed && outbox.isClosed && outbox.isEmpty)
        let r5 = outbox.enqueue(frame(3))
        #expect(r5 == .closed)
        #expect(Outbox.Enqueued.overflow.then(.queued(wake: true)) == .overflow)
        #expect(Outbox.Enqueued.queued(wake: false).then(.queued(wake: true)) == .queued(wake: true))
    }

    @Test func positionsKeepEachStreamGaplessAndDecideResumes() {
        let conversation = ConversationID(1)
        var positions = ConversationPositions(replayLimit: 10)
        let r6 = positions.offer(conversation, seq: 5)
        #expect(r6 == .send)
        let r7 = positions.offer(conversation, seq: 5)
        #expect(r7 == .duplicate)
        let r8 = positions.offer(conversation, seq: 8)
        #expect(r8 == .fillFirst(after: 5))
        let r9 = positions.offer(conversation, seq: 9)
        #expect(r9 == .send)
        // Live messages began at 5: a client that has 4 is whole, one that has 2 must reload.
        let r10 = positions.resume(conversation, from: 4, head: 9)
        #expect(r10 == .upToDate)
        let r11 = positions.resume(conversation, from: 2, head: 9)
        #expect(r11 == .reload)

        var fresh = ConversationPositions(replayLimit: 10)
        let r12 = fresh.resume(conversation, from: 3, head: 7)
        #expect(r12 == .replay(after: 3, through: 7))
        let r13 = fresh.offer(conversation, seq: 7)
        #expect(r13 == .duplicate)
        let r14 = fresh.offer(conversation, seq: 8)
        #expect(r14 == .send)
        let r15 = fresh.resume(ConversationID(2), from: 0, head: 11)
        #expect(r15 == .reload)
        let r16 = fresh.offer(ConversationID(2), seq: 12)
        #expect(r16 == .send)
        let r17 = fresh.resume(ConversationID(3), from: 4, head: 4)
        #expect(r17 == .upToDate)
    }

    /// The conversation offered last is kept apart from the others (no hash per offer): offers
    /// and resumes interleaved across conversations decide what a plain per-conversation record
    /// of (first, last) decides.
    @Test func positionsMatchAPlainRecordAcrossInterleavedConversations() {
        var positions = ConversationPositions(replayLimit: 6)
        var model: [UInt64: (first: UInt64, last: UInt64)] = [:]
        var generator = SystemRandomNumberGenerator()
        var heads: [UInt64: UInt64] = [1: 0, 2: 0, 3: 0]
        for step in 0..<5_000 {
            let id = UInt64.random(in: 1...3, using: &generator)
            let conversation = ConversationID(id)
            if step % 17 == 0 {
                // A resume from somewhere at or below the head.
                let head = heads[id]! + UInt64.random(in: 0...3, using: &generator)
                heads[id] = head
                let position = UInt64.random(in: 0...head, using: &generator)
                let expected: ConversationPositions.Resume
                if let known = model[id] {
                    expected = known.first <= position + 1 ? .upToDate : .reload
                } else if position >= head {
                    model[id] = (head + 1, head)
                    expected = .upToDate
                } else if head - position > 6 {
                    model[id] = (head + 1, head)
                    expected = .reload
                } else {
                    model[id] = (position + 1, head)
                    expected = .replay(after: position, through: head)
                }
                #expect(positions.resume(conversation, from: position, head: head) == expected, "step \(step)")
            } else {
                // Mostly the next message, sometimes a gap or a repeat.
                let seq = max(1, heads[id]! + UInt64.random(in: 0...2, using: &generator))
                heads[id] = max(heads[id]!, seq)
                let expected: ConversationPositions.Offer
                if let known = model[id] {
                    if seq <= known.last {
                        expected = .duplicate
                    } else {
                        model[id] = (known.first, seq)
                        expected = seq == known.last + 1 ? .send : .fillFirst(after: known.last)
                    }
                } else {
                    model[id] = (seq, seq)
                    expected = .send
                }
                #expect(positions.offer(conversation, seq: seq) == expected, "step \(step)")
            }
        }
    }

    @Test func presenceJoinsOnceAndLeavesAfterTheGrace() {
        var presence = PresenceTracker<String>()
        let grace = Duration.seconds(10)
        let t0 = ContinuousClock.now
        let r18 = presence.connect("ann")
        #expect(r18)
        let again = presence.connect("ann")
        #expect(!again)  // a second tab
        presence.disconnect("ann", leavesAt: t0 + grace)
        let stillOpen = presence.expire(now: t0 + .seconds(60))
        #expect(stillOpen.isEmpty)  // one tab is still open
        presence.disconnect("ann", leavesAt: t0 + grace)
        let inGrace = presence.expire(now: t0 + .seconds(5))
        #expect(inGrace.isEmpty)
        let reload = presence.connect("ann")
        #expect(!reload)  // a reload inside the grace: no new join
        presence.disconnect("ann", leavesAt: t0 + .seconds(6) + grace)
        #expect(presence.isOnline("ann"))
        let gone = presence.expire(now: t0 + .seconds(16))
        #expect(gone == ["ann"])
        #expect(!presence.isOnline("ann"))
    }

    @Test func presenceBoardKnowsEachSiteAndWhenTheLastSessionClosed() {
        let board = PresenceBoard()
        let site = SiteID(1)
        let vera = Participant.visitor(VisitorID(3))
        let ann = Participant.agent(AgentID(2))
        let t0 = ContinuousClock.now
        #expect(board.seen(vera) == .unknown)
        #expect(board.connect(vera, site: site))
        #expect(board.connect(ann, site: site))
        #expect(!board.connect(vera, site: site))  // a second tab
        #expect(board.online(site: site) == [vera, ann])
        #expect(board.online(site: SiteID(2)).isEmpty)
        let closed = Timestamp(milliseconds: 1_700_000_000_000)
        board.disconnect(vera, at: closed, leavesAt: t0 + .seconds(1))
        board.disconnect(vera, at: closed, leavesAt: t0 + .seconds(1))
        #expect(board.seen(vera) == .online)  // within the grace
        #expect(board.expire(now: t0).isEmpty)
        let gone = board.expire(now: t0 + .seconds(2))
        #expect(gone.map(\.participant) == [vera] && gone.map(\.site) == [site])
        #expect(board.seen(vera) == .left(closed))
        #expect(board.online(site: site) == [ann])
        #expect(board.isOnline(ann) && !board.isOnline(vera))
    }
}
