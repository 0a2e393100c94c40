import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport

/// One deterministic run against a store on the simulated disk: open, a site with an agent,
/// a visitor and two conversations, messages (every sixth a retry of the one before; every
/// fourth sent as a request with an `Idempotency-Key`, whose claim rides with the message and
/// whose answer is logged after it), a blob, two snapshots with their pruning and log cuts, and
/// two history compactions (files written, then named by a record; issue 16), and near the end
/// the erasure of a second visitor with the maintenance run that rewrites the history files and
/// deletes older snapshots and segments (issue 16). Every step runs one after the other, so
/// the same run makes the same I/O operations in the same order; an armed fault changes only
/// what happens from its operation on. Failures are caught and the run goes on (later steps
/// then fail fast, or succeed where the server also would go on, e.g. after a failed snapshot).
struct FaultWorkload {
    /// What the run was promised: each entry returned success to its caller.
    struct Promises {
        var messages: [Message] = []
        var conversations: [ConversationID] = []
        var blobs: [String: [UInt8]] = [:]
        var failures = 0
        /// Every send tried, acknowledged or not, for a client's retries after a restart.
        var attempted: [(MessageDraft, ConversationID)] = []
        /// The client message id sent under each `Idempotency-Key` scope.
        var claimed: [String: String] = [:]
        /// The second visitor's conversation and its acknowledged messages; whether its erasure
        /// was acknowledged.
        var erasable: (visitor: VisitorID, conversation: ConversationID)?
        var erasableMessages: [Message] = []
        var erased = false
    }

    var messages: Int
    var segmentBytes = 1024

    static let dataDirectory = StoreFixture.dataDirectory

    func run(on fs: CrashSimulatingFileSystem) async -> Promises {
        var promises = Promises()
        guard let (store, broker) = try? StoreFixture.open(fs, segmentBytes: segmentBytes) else {
            promises.failures += 1
            return promises
        }
        defer { store.close() }
        let blobs = try? BlobStore(dataDirectory: Self.dataDirectory, fileSystem: fs)
        guard let (_, agent, visitor, conversations) = try? await StoreFixture.populate(broker, conversations: 2) else {
            promises.failures += 1
            return promises
        }
        promises.conversations = conversations
        if let (second, _) = try? await broker.directory.registerVisitor(site: visitor.siteID, externalID: "v_2", name: "Erin"),
            let conversation = try? await broker.openConversation(site: visitor.siteID, visitor: second.id)
        {
            promises.erasable = (second.id, conversation.id)
            for index in 0..<6 {
                let draft = MessageDraft(sender: .visitor(second.id), content: "erasable \(index)", clientMessageID: "e-\(index)")
                if let receipt = try? await broker.send(draft, to: conversation.id) { promises.erasableMessages.append(receipt.message) }
            }
        } else {
            promises.failures += 1
        }
        for index in 0..<messages {
            let original = index % 6 == 5 ? index - 1 : index
            let draft = MessageDraft(
                sender: original % 3 == 0 ? .agent(agent.id) : .visitor(visitor.id),
                content: "message \(original) " + String(repeating: "x", count: original % 7 * 9),
                clientMessageID: "m-\(original)")
            promises.attempted.append((draft, conversations[original % 2]))
            let claim: IdempotentReply? =
                index == original && original % 4 == 1
                ? .pending(scope: "fault m-\(original)", requestHash: "h", at: Timestamp(milliseconds: Int64(index))) : nil
            if let claim { promises.claimed[claim.scope] = "m-\(original)" }
            do {
                let receipt = try await IdempotencyClaim.$current.withValue(claim.map(IdempotencyClaim.init)) {
                    try await broker.send(draft, to: conversations[original % 2])
                }
                promises.messages.append(receipt.message)
                if let claim {
                    try await store.commit(
                        .idempotentReplyRecorded(
                            IdempotentReply(
                                scope: claim.scope, requestHash: "h", status: 201, contentType: nil, body: "{}", recordedAt: claim.recordedAt)))
                }
            } catch {
                promises.failures += 1
            }
            if index == messages / 3 || index == messages * 2 / 3 {
                do { try store.takeSnapshot() } catch { promises.failures += 1 }
            }
            if index == messages * 5 / 12 || index == messages * 5 / 6 {
                do { try await store.compactHistory(now: Timestamp(milliseconds: 0)) } catch { promises.failures += 1 }
            }
            if index == messages * 11 / 12, let (second, _) = promises.erasable {
                do {
                    try await PrivacyService(broker: broker, files: nil).erase(second, by: nil, runMaintenance: false)
                    promises.erased = true
                    _ = try await store.maintain(now: Timestamp(milliseconds: 0))
                } catch {
                    promises.failures += 1
                }
            }
            if index == messages / 2, let blobs {
                let bytes = (0..<700).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
                do {
                    let writer = try blobs.begin()
                    do {
                        try writer.append(bytes)
                        let name = try writer.finish()
                        blobs.settled(name)
                        promises.blobs[name] = bytes
                    } catch {
                        writer.abandon()
                        throw error
                    }
                } catch {
                    promises.failures += 1
                }
            }
        }
        return promises
    }
}

extension BlobWriter {
    func append(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try append($0) } }
}
