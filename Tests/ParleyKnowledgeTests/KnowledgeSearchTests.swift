import ParleyKnowledge
import ParleyModel
import ParleyTestSupport
import Testing

/// Relevance over the committed samples: stemming in Russian and English, ranking order,
/// words of scripts and styles never found, deletes honoured, the index rebuilt from the log.
@Suite struct KnowledgeSearchTests {
    @Test func stemmingMatchesOtherFormsOfAWord() {
        let analyzer = TermAnalyzer()
        #expect(analyzer.terms("товаров") == analyzer.terms("товар"))
        #expect(analyzer.terms("возврата") == analyzer.terms("возврат"))
        #expect(analyzer.terms("Refunds") == analyzer.terms("refund"))
        #expect(analyzer.terms("shipping") == analyzer.terms("shipped"))
        #expect(analyzer.terms("Ёлка ёлки") == analyzer.terms("елка елки"))
        #expect(analyzer.terms("как и в the of") == [])
    }

    func titles(_ base: KnowledgeBase, _ query: String, limit: Int = 5) -> [String] {
        base.search(site: SampleData.site.id, query: query, limit: limit).map(\.document.title)
    }

    @Test func russianQueriesFindTheirDocument() async throws {
        let (_, base) = try await KnowledgeFixture.base()
        // "вернуть товар" shares "товар" (товаров, товары) with the returns policy, and "вернуть" with it.
        #expect(titles(base, "как вернуть товар").first == "Политика возврата")
        #expect(titles(base, "возврат товаров").first == "Политика возврата")
        #expect(titles(base, "изменить адрес доставки").first == "Частые вопросы")
        #expect(titles(base, "оплата в рассрочку").first == "Оплата")
        let hit = try #require(base.search(site: SampleData.site.id, query: "какие товары нельзя вернуть", limit: 1).first)
        #expect(hit.passage.contains("Нельзя вернуть нижнее бельё"))
        #expect(hit.relevance > 0.5 && hit.relevance <= 1)
    }

    @Test func englishQueriesFindTheirDocument() async throws {
        let (_, base) = try await KnowledgeFixture.base()
        #expect(titles(base, "how can I track the parcel").first == "Shipping and delivery")
        #expect(titles(base, "warranty claim for a broken device").first == "Warranty")
        #expect(titles(base, "do you accept foreign cards").first == "Оплата")
        let hit = try #require(base.search(site: SampleData.site.id, query: "free shipping", limit: 1).first)
        #expect(hit.passage.contains("Shipping is free for orders over 3000 roubles"))
    }

    @Test func rankingOrderFollowsCoverage() async throws {
        let (_, base) = try await KnowledgeFixture.base()
        let hits = base.search(site: SampleData.site.id, query: "возврат денег на карту", limit: 10)
        #expect(hits.count >= 2)
        #expect(hits.first?.passage.contains("деньги вернутся на карту") == true)
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(hits.allSatisfy { $0.relevance > 0 && $0.relevance <= 1 })
        // Words found nowhere: no hits, not weak ones.
        #expect(base.search(site: SampleData.site.id, query: "квантовая хромодинамика", limit: 5).isEmpty)
        for hidden in ["scriptwordpenguin", "stylewordgiraffe", "noscriptwordwalrus", "Obsoletewordzebra"] {
            #expect(base.search(site: SampleData.site.id, query: hidden, limit: 5).isEmpty)
        }
    }

    @Test func sitesAreSeparateAndDeletesAreHonoured() async throws {
        let (_, base) = try await KnowledgeFixture.base()
        #expect(base.search(site: SiteID(999), query: "возврат", limit: 5).isEmpty)
        let returns = try #require(base.documents(of: SampleData.site.id).first { $0.title == "Политика возврата" })
        try await base.delete(returns)
        #expect(!titles(base, "возврат товаров", limit: 10).contains("Политика возврата"))
        #expect(base.documents(of: SampleData.site.id).count == KnowledgeFixture.samples.count - 1)
    }

    @Test func theIndexIsRebuiltFromTheLog() async throws {
        let (store, base) = try await KnowledgeFixture.base()
        let before = base.search(site: SampleData.site.id, query: "express delivery Moscow", limit: 3)
        let rebuilt = KnowledgeBase(store: store)
        #expect(rebuilt.search(site: SampleData.site.id, query: "express delivery Moscow", limit: 3) == before)
        #expect(!before.isEmpty)
    }
}
