import Logging
import NIOCore
import ParleyModel
import ParleyRedis
import Synchronization

/// A cluster node's log (docs/SCALING.md, step 3): the write half sends this node's records to
/// the `append` script, the read half follows the stream and applies every node's records through
/// the store's ``CommitApplier``. ``ClusterCommitState`` decides; this class carries it out.
///
/// - Writes leave in ticket order, in pipelines of everything queued meanwhile (one `SCRIPT LOAD`
///   first, then the calls, then `WAIT` when replicas must acknowledge): one connection, so the
///   script runs them in the order they were appended, and Redis's `appendfsync always` covers a
///   pipeline with one `fsync`. One pipeline is in flight at a time, so batches grow with load.
/// - A write is acknowledged once the script answered and the tail applied its LSN.
final class ClusterLog: Sendable {
    typealias Waiter = @Sendable (Result<CommitPosition, any Error>) -> Void

    struct Configuration: Sendable {
        /// Replicas that must hold a pipeline's entries before its writes are acknowledged (`WAIT`).
        var replicas = 0
        var replicaTimeout: Duration = .seconds(1)
        /// Most records in one pipeline.
        var batchLimit = 1_024
    }

    let log: RedisLog
    let follower: ClusterFollower
    private let configuration: Configuration
    private let shared: Mutex<Shared>
    private let logger: Logger
    /// Called once when the node can no longer write or follow; it may finish work first (a
    /// snapshot, leaving the node registry) before it stops the process.
    private let onFatalError: @Sendable (String) async -> Void
    private let tasks = Mutex<[Task<Void, Never>]>([])

    private struct Shared {
        var commits: ClusterCommitState<RedisLogRecord, Waiter>
        /// The sender, parked while nothing is queued.
        var sender: CheckedContinuation<Void, Never>?
    }

    init(
        log: RedisLog, follower: ClusterFollower, configuration: Configuration, logger: Logger,
        onFatalError: @escaping @Sendable (String) async -> Void
    ) {
        self.log = log
        self.follower = follower
        self.configuration = configuration
        self.logger = logger
        self.onFatalError = onFatalError
        shared = Mutex(Shared(commits: ClusterCommitState(applied: follower.tail.applied)))
    }

    // MARK: Writing

    /// Queues `record` for the script; returns its ticket.
    func append(_ record: RedisLogRecord) throws(ClusterWriteError) -> UInt64 {
        let (ticket, sender) = shared.withLock { shared -> (UInt64?, CheckedContinuation<Void, Never>?) in
            let ticket = shared.commits.enqueue(record)
            defer { if ticket != nil { shared.sender = nil } }
            return (ticket, ticket == nil ? nil : shared.sender)
        }
        guard let ticket else { throw .unavailable("the node is stopping") }
        sender?.resume()
        return ticket
    }

    /// Calls `waiter` once `ticket` is committed and applied, or failed.
    func whenCommitted(_ ticket: UInt64, _ waiter: @escaping Waiter) {
        let known = shared.withLock { $0.commits.wait(ticket, waiter) }
        if let known { waiter(Self.result(known)) }
    }

    func waitUntilCommitted(_ ticket: UInt64) async throws -> CommitPosition {
        try await withCheckedThrowingContinuation { continuation in
            whenCommitted(ticket) { continuation.resume(with: $0) }
        }
    }

    /// Sends what is queued, a pipeline at a time, until ``close()``.
    func runSender() async {
        while let batch = await nextBatch() {
            // The script refuses the appends when Redis's counter is below what this node applied
            // (`BEHIND`), so every LSN it hands out is above this one.
            let appliedBeforeSend = follower.tail.applied
            var commands = [log.loadAppendScript] + batch.map { log.appendCall($0.payload, appliedLSN: appliedBeforeSend) }
            if configuration.replicas > 0 {
                commands.append(RedisCommand("WAIT", .integer(Int64(configuration.replicas)), .integer(configuration.replicaTimeout.redisMilliseconds)))
            }
            let (answers, behind) = await send(commands, count: batch.count)
            if behind {
                // Redis lost records this node applied (restored from an older copy, or its
                // disk): the script appended nothing, and the node stops unacknowledged.
                let reason =
                    "Redis's log ends before LSN \(appliedBeforeSend), which this node applied from it: Redis lost acknowledged records (docs/SCALING.md, \"Durability\"); this node stops rather than acknowledge writes it would not apply"
                logger.critical("the cluster log went back", metadata: ["parley.error": "\(reason)"])
                let failed = shared.withLock { $0.commits.close(.unavailable(reason)) }
                for (waiter, outcome) in failed { waiter(Self.result(outcome)) }
                return await onFatalError(reason)
            }
            let resolved = shared.withLock { shared in
                zip(batch, answers).flatMap { item, answer in shared.commits.answered(item.ticket, answer) }
            }
            for (waiter, outcome) in resolved { waiter(Self.result(outcome)) }
        }
    }

    /// Each record's answer, and whether the script found the log behind this node.
    private func send(_ commands: [RedisCommand], count: Int) async -> (answers: [Result<CommitPosition, ClusterWriteError>], behind: Bool) {
        let replies: [RedisValue]
        do {
            replies = try await log.client.pipeline(commands)
        } catch {
            logger.warning("a pipeline of cluster log appends failed", metadata: ["parley.error": "\(error)", "parley.records": "\(count)"])
            return (Array(repeating: .failure(.unavailable("\(error)")), count: count), false)
        }
        if configuration.replicas > 0, let acknowledged = replies.last?.int, acknowledged < configuration.replicas {
            return (Array(repeating: .failure(.unavailable("\(acknowledged) of \(configuration.replicas) replicas acknowledged")), count: count), false)
        }
        var behind = false
        let answers = replies.dropFirst().prefix(count).map { reply -> Result<CommitPosition, ClusterWriteError> in
            do {
                switch try RedisLog.outcome(of: reply) {
                case .appended(let lsn, let fill): return .success(CommitPosition(lsn: lsn, seq: fill.seq, id: fill.id))
                case .repeated(let seq, let lsn): return .success(CommitPosition(lsn: lsn, seq: seq, isRepeat: true))
                // Resolved once this node applied the holder's record, so the caller finds it.
                case .taken(let claim, let lsn): return .success(CommitPosition(lsn: lsn, isRepeat: true, takenClaim: claim))
                case .held(let claim, let lsn): return .success(CommitPosition(lsn: lsn, isRepeat: true, heldClaim: claim))
                }
            } catch RedisLogError.closed {
                return .failure(.conversationClosed)
            } catch RedisLogError.behind {
                behind = true
                return .failure(.unavailable("Redis's log went back"))
            } catch {
                return .failure(.unavailable("\(error)"))
            }
        }
        return (answers, behind)
    }

    /// The next records to send, waiting while there are none; `nil` once closed.
    private func nextBatch() async -> [(ticket: UInt64, payload: RedisLogRecord)]? {
        while true {
            let taken = shared.withLock { shared -> [(ticket: UInt64, payload: RedisLogRecord)]?? in
                let batch = shared.commits.takeBatch(limit: configuration.batchLimit)
                if !batch.isEmpty { return .some(batch) }
                return shared.commits.isClosed ? .some(nil) : .none
            }
            if let taken { return taken }
            // Parked under the same lock `append` queues under: no wake-up is missed.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = shared.withLock { shared in
                    if shared.commits.hasQueued || shared.commits.isClosed { return true }
                    shared.sender = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    // MARK: Following

    /// Applies the stream until this node has applied `lsn` (a start catching up).
    func catchUp(to lsn: UInt64) async throws {
        while follower.tail.applied < lsn { try await step() }
    }

    /// Follows the stream until cancelled or closed; a gap or an entry that does not decode stops
    /// the node (its state could no longer be the other nodes').
    func runFollower() async {
        var backoff = RedisBackoff(initial: .milliseconds(50), max: .seconds(2))
        while !Task.isCancelled, !shared.withLock({ $0.commits.isClosed }) {
            do {
                try await step()
                backoff = RedisBackoff(initial: .milliseconds(50), max: .seconds(2))
            } catch let error as RedisLogGap {
                return await onFatalError("\(error)")
            } catch let error as ClusterFollowerError {
                return await onFatalError("\(error)")
            } catch {
                if shared.withLock({ $0.commits.isClosed }) { return }
                let wait = backoff.next()
                if backoff.attempts == 1 { logger.warning("following the cluster log failed; retrying", metadata: ["parley.error": "\(error)"]) }
                try? await Task.sleep(for: wait)
            }
        }
    }

    private func step() async throws {
        let step = try await follower.step()
        guard step.count > 0 else { return }
        let resolved = shared.withLock { $0.commits.applied(through: step.applied, refused: step.refused) }
        for (waiter, outcome) in resolved { waiter(Self.result(outcome)) }
    }

    /// Starts sending this node's writes and following the stream (after ``catchUp(to:)``).
    func start() {
        let running = [Task { await self.runSender() }, Task { await self.runFollower() }]
        tasks.withLock { $0 = running }
    }

    /// Stops sending and following; every write not yet acknowledged fails.
    func close() {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        Task { [log, follower] in
            await log.client.shutdown()
            await follower.tail.client.shutdown()
        }
        let (resolved, sender) = shared.withLock { shared in
            defer { shared.sender = nil }
            return (shared.commits.close(.unavailable("the node is stopping")), shared.sender)
        }
        sender?.resume()
        for (waiter, outcome) in resolved { waiter(Self.result(outcome)) }
    }

    private static func result(_ outcome: ClusterCommitState<RedisLogRecord, Waiter>.Outcome) -> Result<CommitPosition, any Error> {
        switch outcome {
        case .committed(let position): .success(position)
        case .failed(let error): .failure(error)
        }
    }
}
