import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport
import Synchronization
import Testing

/// Random crash points on a disk that drops, tears or partly keeps unsynced writes: nothing
/// acknowledged is ever lost, `seq` never has a gap, and every restart succeeds.
@Suite struct CrashRecoveryTests {
    /// The messages whose send returned, in the order they returned.
    final class Acknowledgements: Sendable {
        private let messages = Mutex<[Message]>([])
        func append(_ message: Message) { messages.withLock { $0.append(message) } }
        var count: Int { messages.withLock { $0.count } }
        var all: [Message] { messages.withLock { $0 } }
    }

    static let crashPoints = 240

    @Test func randomCrashPointsLoseNothingAcknowledged() async throws {
        var generator = SeededGenerator(seed: 0x5EED_CAFE)
        var fs = CrashSimulatingFileSystem()
        var (store, broker) = try StoreFixture.open(fs, segmentBytes: 2048)
        let (_, agent, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 4)
        var acknowledged: [MessageID: Message] = [:]
        var modes: [CrashSimulatingFileSystem.CrashMode: Int] = [:]
        var cutAppends = 0
        var fromSnapshot = 0

        for point in 0..<Self.crashPoints {
            let mode = CrashSimulatingFileSystem.CrashMode.allCases.randomElement(using: &generator)!
            modes[mode, default: 0] += 1
            // Half the points crash after some acknowledgements, between batches; the other half
            // freeze the disk right after a write, before its fdatasync, leaving a torn tail.
            let armed = point % 2 == 1
            let crashAfter = armed ? Int.max : Int.random(in: 0...12, using: &generator)
            if armed { fs.armCrash(afterWrites: Int.random(in: 1...30, using: &generator)) }
            let finishedWriters = Acknowledgements()
            let snapshotAt = Bool.random(using: &generator) ? Int.random(in: 0...12, using: &generator) : -1
            let acks = Acknowledgements()
            let currentStore = store
            let currentBroker = broker
            let currentFS = fs
            let seed = generator.next()
            // Writers keep sending (a few with repeated client ids) until the crash cuts them off.
            let crashed: CrashSimulatingFileSystem = try await withThrowingTaskGroup(of: CrashSimulatingFileSystem?.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        defer { finishedWriters.append(SampleData.message(seq: 1)) }
                        for index in 0..<40 {
                            // Every fifth send repeats the previous one exactly: it must be deduped.
                            let original = index % 5 == 4 ? index - 1 : index
                            let sender: Sender = original % 3 == 0 ? .agent(agent.id) : .visitor(visitor.id)
                            let draft = MessageDraft(
                                sender: sender, content: "p\(point)-w\(writer)-\(original)",
                                clientMessageID: "p\(point)-w\(writer)-\(original)")
                            do {
                                let receipt = try await currentBroker.send(draft, to: conversations[(writer + original) % 4])
                                #expect(receipt.duplicate == (original != index))
                                acks.append(receipt.message)
                            } catch {
                                return nil
                            }
                        }
                        return nil
                    }
                }
                group.addTask {
                    var local = SeededGenerator(seed: seed)
                    var snapshotted = false
                    while true {
                        let count = acks.count
                        if !snapshotted && snapshotAt >= 0 && count >= snapshotAt {
                            snapshotted = true
                            _ = try? currentStore.takeSnapshot()
                        }
                        if count >= crashAfter || currentFS.isFrozen || finishedWriters.count == 4 { break }
                        await Task.yield()
                    }
                    return currentFS.crash(mode, using: &local)
                }
                var next: CrashSimulatingFileSystem?
                for try await result in group { if let result { next = result } }
                return next!
            }
            for message in acks.all {
                if let earlier = acknowledged[message.id] { #expect(earlier == message) }
                acknowledged[message.id] = message
            }
            currentStore.close()

            fs = crashed
            if crashed.bytesLostAtLastPowerLoss > 0 { cutAppends += 1 }
            (store, broker) = try StoreFixture.open(fs, segmentBytes: 2048)
            if store.startReport.snapshot != nil { fromSnapshot += 1 }
            let recovered = try conversations.flatMap { id in
                try store.read { $0.conversations[id] }?.allMessages(cold: store.history) ?? []
            }
            let byID = Dictionary(uniqueKeysWithValues: recovered.map { ($0.id, $0) })
            for (id, message) in acknowledged {
                #expect(byID[id] == message, "point \(point) (\(mode)): acknowledged \(id) lost")
            }
            for conversation in conversations {
                let seqs = try store.read { $0.conversations[conversation] }?.allMessages(cold: store.history).map(\.seq) ?? []
                #expect(seqs == Array(1...UInt64(max(seqs.count, 1))).prefix(seqs.count).map { $0 }, "point \(point): seq gap")
                let clientIDs = try store.read { $0.conversations[conversation] }?.allMessages(cold: store.history).compactMap(\.clientMessageID) ?? []
                #expect(Set(clientIDs).count == clientIDs.count, "point \(point): duplicate client message id stored")
            }
        }
        store.close()
        #expect(acknowledged.count > Self.crashPoints)
        // The armed crashes cut into appends: a power loss took written bytes. Their tails
        // mostly end in the segments' reserved zeros now (no cut needed); a frame partly kept
        // is a tear the restart cuts off (LogDamageTests covers those shapes one by one). Until
        // segments were reserved ahead nearly every such tail was a tear, and this counted
        // repairs, over 10; the test changed with the code.
        #expect(cutAppends > 10)
        #expect(fromSnapshot > 0)
        #expect(modes.count == CrashSimulatingFileSystem.CrashMode.allCases.count)
    }
}
