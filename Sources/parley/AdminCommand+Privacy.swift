import ArgumentParser
import ParleyEngine
import NIOHTTP1
import ParleyHTTP
import ParleyModel
import ParleyStorage

extension AdminCommand {
    /// `parley admin erase-visitor`: erases a visitor's personal data and removes its bytes
    /// from the data directory before returning (snapshots/FORMAT.md, "Retention and erasure").
    struct EraseVisitor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a visitor's profile, messages and files, and remove their bytes from the data directory.",
            discussion: """
                Erases the visitor and every visitor merged into it: profile fields, sessions, every message of \
                their conversations, their files, webhook deliveries about them. Then runs the maintenance run at \
                once, so that no log segment, snapshot, history file or blob in the data directory still holds \
                them when the command returns. Prints a JSON summary.
                """)
        @OptionGroup var target: AdminTarget
        @Option(help: "The visitor, e.g. visitor_3.") var visitorId: String

        func validate() throws {
            guard NativeID.parse(visitorId, as: VisitorID.self) != nil else { throw ValidationError("--visitor-id must look like visitor_3") }
        }

        func run() async throws {
            guard let visitor = NativeID.parse(visitorId, as: VisitorID.self) else { return }
            let summary: AdminWire.Erasure
            switch try target.resolve() {
            case .offline(let dataDir):
                summary = try await AdminCommand.withPrivacy(dataDir) { store, privacy, release in
                    let erasure = try await privacy.erase(visitor, by: nil, runMaintenance: false)
                    let report = try await store.maintain(now: .now(), releaseBlob: release)
                    return AdminWire.Erasure(
                        visitor: visitor, erasedAt: erasure.at, visitors: erasure.visitors, conversations: erasure.conversations,
                        messages: erasure.messages, files: erasure.files, historyFilesRewritten: report?.replacedFiles.count ?? 0,
                        snapshotLSN: report?.scrubSnapshotLSN)
                }
            case .online(let client):
                summary = try await client.call(.DELETE, "/visitors/\(visitorId)")
            }
            try FileOutput.json(summary)
        }
    }

    /// `parley admin set-retention`: a site's retention period.
    struct SetRetention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how many days a site keeps its messages (0: for ever); older ones are deleted by the next maintenance run.")
        @OptionGroup var target: AdminTarget
        @Option(help: "The site, e.g. site_1.") var siteId: String
        @Option(help: "Days to keep messages (0 keeps them for ever).") var days: Int

        func validate() throws {
            guard NativeID.parse(siteId, as: SiteID.self) != nil else { throw ValidationError("--site-id must look like site_1") }
            guard (0...Int(RetentionPolicy.maximumDays)).contains(days) else {
                throw ValidationError("--days must be 0 to \(RetentionPolicy.maximumDays)")
            }
        }

        func run() async throws {
            guard let site = NativeID.parse(siteId, as: SiteID.self) else { return }
            let retention: AdminWire.Retention
            switch try target.resolve() {
            case .offline(let dataDir):
                retention = AdminWire.Retention(
                    try await AdminCommand.withPrivacy(dataDir) { _, privacy, _ in
                        try await privacy.setRetention(site: site, days: UInt32(days), by: nil)
                    })
            case .online(let client):
                retention = try await client.call(.PUT, "/sites/\(siteId)/retention", body: AdminWire.SetRetention(days: days))
            }
            try FileOutput.json(retention)
        }
    }

    /// Opens the data directory (no server may be using it) with its blobs.
    static func withPrivacy<T>(
        _ dataDir: String, _ body: (EventStore, PrivacyService, @escaping @Sendable (String) -> Void) async throws -> T
    ) async throws -> T {
        try await withBroker(dataDir) { broker in
            let files = FileLibrary(store: broker.store, blobs: try BlobStore(dataDirectory: dataDir))
            return try await body(broker.store, PrivacyService(broker: broker, files: files), { files.release($0) })
        }
    }
}
