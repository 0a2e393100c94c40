import Foundation
import ParleyKnowledge
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport

/// The committed sample documents and a knowledge base over an in-memory store with one site.
enum KnowledgeFixture {
    static func sample(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Samples/\(name)", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return Array(try Data(contentsOf: url))
    }

    static let samples: [(file: String, title: String)] = [
        ("returns.pdf", "Политика возврата"), ("shipping.docx", "Shipping and delivery"), ("faq.txt", "Частые вопросы"),
        ("warranty.md", "Warranty"), ("payment.html", "Оплата"),
    ]

    static func store() throws -> EventStore {
        let store = try EventStore.open(
            StorageConfiguration(dataDirectory: "/data", fsync: .always, fileSystem: CrashSimulatingFileSystem(), usesLockFile: false))
        return store
    }

    /// A base with every sample added to `SampleData.site` (after its site record).
    static func base() async throws -> (EventStore, KnowledgeBase) {
        let store = try store()
        _ = try await store.commit(.siteCreated(SampleData.site))
        let base = KnowledgeBase(store: store)
        for (file, title) in samples {
            _ = try await base.add(
                site: SampleData.site.id, title: title, category: "general", fileName: file, bytes: try sample(file), by: nil)
        }
        return (store, base)
    }
}
