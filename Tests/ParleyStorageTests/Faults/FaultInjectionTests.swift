import Foundation
import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport
import Synchronization
import Testing

/// Fault injection at every I/O operation of the log, the snapshots and the blob store, in the
/// style of SQLite's crash and I/O-error tests (issue 15). A first run lists the workload's
/// operations; then, for each operation, a run is (a) cut off there by a power loss (four ways
/// of tearing what was unsynced), (b) cut off there by `kill -9`, (c) failed there with `EIO`,
/// (d) failed there with `ENOSPC`, and (e) cut off there by a power loss and cut off again
/// during the recovery that follows. After each: the store opens (or refuses with the fsync
/// marker, and opens after a reboot), every acknowledged message and blob is there, `seq` has
/// no gap, no client message id is stored twice, a message sent with an `Idempotency-Key` is
/// there exactly when its key is (pending or answered); the clients then retry every send, and all
/// of that still holds after one more power loss, so nothing acknowledged after the restart
/// (a retry answered from the deduplication) rests on bytes that were not durable.
///
/// `PARLEY_FAULT_SWEEP=large` (`make crash`) runs a longer workload.
@Suite struct FaultInjectionTests {
    enum Scenario: Sendable, CustomStringConvertible {
        case powerLoss(CrashSimulatingFileSystem.CrashMode)
        case processKill
        case failure(CrashSimulatingFileSystem.Fault)
        case crashDuringRecovery(step: Int)

        var description: String {
            switch self {
            case .powerLoss(let mode): "power loss (\(mode))"
            case .processKill: "kill -9"
            case .failure(let fault): fault == .eio ? "EIO" : "ENOSPC"
            case .crashDuringRecovery(let step): "power loss, then a crash at recovery operation \(step)"
            }
        }
    }

    /// What the sweep saw, for the counts in docs/RELIABILITY.md.
    struct Tally: Sendable {
        var cases = 0
        var refusals = 0
        var faultsThatFired = 0
        var acknowledgedMessages = 0
    }

    final class SharedTally: Sendable {
        let value = Mutex(Tally())
    }

    static var isLarge: Bool { ProcessInfo.processInfo.environment["PARLEY_FAULT_SWEEP"] == "large" }

    static func scenarios(at operation: Int) -> [Scenario] {
        var all: [Scenario] = CrashSimulatingFileSystem.CrashMode.powerLoss.map { .powerLoss($0) }
        all += [.processKill, .failure(.eio), .failure(.enospc), .crashDuringRecovery(step: 1 + operation % 5)]
        if isLarge { all += (1...6).map { .crashDuringRecovery(step: $0) } }
        return all
    }

    @Test func everyOperationCrashedFailedAndRecovered() async throws {
        let workload = FaultWorkload(messages: Self.isLarge ? 240 : 108)
        let baseline = CrashSimulatingFileSystem()
        let clean = await workload.run(on: baseline)
        #expect(clean.failures == 0)
        let operations = baseline.operations
        let kinds = Set(operations.map(\.kind))
        // Every kind but truncate, which only a recovery does (scenario e crashes it too).
        #expect(kinds == Set(CrashSimulatingFileSystem.Operation.Kind.allCases).subtracting([.truncate]))
        #expect(operations.contains { $0.path.contains("/snapshots/") } && operations.contains { $0.path.contains("/blobs/") })

        let cases = (1...operations.count).flatMap { operation in Self.scenarios(at: operation).map { (operation, $0) } }
        let tally = SharedTally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = cases.makeIterator()
            func addNext() -> Bool {
                guard let (operation, scenario) = next.next() else { return false }
                group.addTask {
                    let outcome = try await Self.run(workload, fault: scenario, at: operation)
                    tally.value.withLock { tally in
                        tally.cases += 1
                        tally.refusals += outcome.refused ? 1 : 0
                        tally.faultsThatFired += outcome.fired ? 1 : 0
                        tally.acknowledgedMessages += outcome.acknowledged
                    }
                }
                return true
            }
            for _ in 0..<4 { _ = addNext() }
            while try await group.next() != nil { _ = addNext() }
        }
        let result = tally.value.withLock { $0 }
        print("fault injection: \(operations.count) operations, \(result.cases) cases, \(result.faultsThatFired) faults fired, \(result.refusals) refusals (fsync marker), \(result.acknowledgedMessages) acknowledged messages checked")
        #expect(result.cases >= 2_000)
        #expect(result.faultsThatFired == result.cases, "every armed fault fired")
        #expect(result.refusals > 0, "a failed fdatasync is followed by a refusal in the same boot")
    }

    struct Outcome {
        var refused = false
        var fired = false
        var acknowledged = 0
    }

    static func run(_ workload: FaultWorkload, fault scenario: Scenario, at operation: Int) async throws -> Outcome {
        var generator = SeededGenerator(seed: UInt64(operation) &* 0x9E37_79B9 &+ UInt64(scenario.description.utf8.count))
        let fs = CrashSimulatingFileSystem()
        switch scenario {
        case .failure(let fault): fs.arm(fault, atOperation: operation)
        default: fs.arm(.crash, atOperation: operation)
        }
        var promises = await workload.run(on: fs)
        var outcome = Outcome(acknowledged: promises.messages.count)
        outcome.fired = fs.armedFaultFired
        let context = "operation \(operation) (\(fs.operations.count >= operation ? fs.operations[operation - 1].description : "?")), \(scenario)"

        var disk: CrashSimulatingFileSystem
        switch scenario {
        case .powerLoss(let mode):
            disk = fs.crash(mode, using: &generator)
        case .processKill, .failure:
            disk = fs.crash(.processKilled, using: &generator)
        case .crashDuringRecovery(let step):
            disk = fs.crash(.tornAtSector, using: &generator)
            disk.arm(.crash, atOperation: disk.operationCount + step)
            if let (store, _) = try? StoreFixture.open(disk) { store.close() }
            disk = disk.crash(.scrambledSectors, using: &generator)
        }

        // The start may refuse only for the fsync marker, and must open after a reboot.
        var opened: (EventStore, Broker)
        do {
            opened = try StoreFixture.open(disk)
        } catch StorageError.fsyncFailed {
            outcome.refused = true
            disk = disk.crash(.dropUnsynced, using: &generator)
            guard let reopened = try? StoreFixture.open(disk) else {
                Issue.record("\(context): no start after the reboot")
                return outcome
            }
            opened = reopened
        } catch {
            Issue.record("\(context): the start refused: \(error)")
            return outcome
        }
        try check(opened.0, disk, promises, context, keysWithEffects: true)
        // The clients retry every send (acknowledged or not): each is stored once, and an
        // acknowledgement from the deduplication is as durable as any other.
        for (draft, conversation) in promises.attempted {
            do {
                promises.messages.append(try await opened.1.send(draft, to: conversation).message)
            } catch {
                Issue.record("\(context): a retry after the restart failed: \(error)")
            }
        }
        // Then a power loss, with nothing closed or synced first.
        let after = disk.crash(.dropUnsynced, using: &generator)
        opened.0.close()
        do {
            let (again, _) = try StoreFixture.open(after)
            try check(again, after, promises, context + ", retries, then a power loss")
            again.close()
        } catch {
            Issue.record("\(context), retries, then a power loss: the start refused: \(error)")
        }
        return outcome
    }

    /// `keysWithEffects`: before the clients' retries (which send without keys), a stored
    /// message sent under a key also finds its key kept.
    static func check(
        _ store: EventStore, _ fs: CrashSimulatingFileSystem, _ promises: FaultWorkload.Promises, _ context: String,
        keysWithEffects: Bool = false
    ) throws {
        let (logs, keys) = store.read { state in (Array(state.conversations.values), Set(state.idempotency.replies.keys)) }
        // Hot and cold: a compaction in the workload moves messages to history files.
        let all = try logs.flatMap { try $0.allMessages(cold: store.history) }
        let stored = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let storedClientIDs = Set(stored.values.compactMap(\.clientMessageID))
        for (scope, clientID) in promises.claimed {
            if keys.contains(scope), !storedClientIDs.contains(clientID) {
                Issue.record("\(context): the key \(scope) is kept but its message is not")
            }
            if keysWithEffects, storedClientIDs.contains(clientID), !keys.contains(scope) {
                Issue.record("\(context): the message \(clientID) is stored but its key \(scope) is not: a retry would run again")
            }
        }
        for message in promises.messages where stored[message.id] != message {
            Issue.record("\(context): acknowledged message \(message.id) (seq \(message.seq)) is \(stored[message.id] == nil ? "lost" : "changed")")
        }
        for conversation in promises.conversations {
            let messages = try store.read { $0.conversations[conversation] }?.allMessages(cold: store.history) ?? []
            if messages.map(\.seq) != Array(UInt64(1)...UInt64(max(messages.count, 1))).prefix(messages.count).map({ $0 }) {
                Issue.record("\(context): seq gap in \(conversation): \(messages.map(\.seq))")
            }
            let clientIDs = messages.compactMap(\.clientMessageID)
            if Set(clientIDs).count != clientIDs.count { Issue.record("\(context): a client message id stored twice") }
        }
        // An erasure (and the history rewrite after it) leaves the old state or the new one:
        // every message of the conversation, or none; never an unreadable history file.
        if let (visitor, conversation) = promises.erasable {
            let messages = try store.read { $0.conversations[conversation] }?.allMessages(cold: store.history) ?? []
            let erased = store.read { $0.visitors[visitor]?.name.isEmpty ?? false }
            if promises.erased, !erased || !messages.isEmpty {
                Issue.record("\(context): the acknowledged erasure is undone (\(messages.count) messages)")
            }
            if !erased, !promises.erasableMessages.allSatisfy(messages.contains) {
                Issue.record("\(context): the conversation lost messages without an erasure")
            }
            if erased, !messages.isEmpty { Issue.record("\(context): an erased conversation still has \(messages.count) messages") }
        }
        for (name, bytes) in promises.blobs {
            let path = joinPath(joinPath(joinPath(FaultWorkload.dataDirectory, "blobs"), String(name.prefix(2))), name)
            if (try? fs.readFile(path)) != bytes { Issue.record("\(context): acknowledged blob \(name.prefix(12)) lost or changed") }
        }
    }
}
