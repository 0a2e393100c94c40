#if canImport(Glibc)
import Glibc
#endif

/// One site's ranked full-text index: Okapi BM25 over passages.
///
/// score(p, q) = Σ over the query's distinct terms t of idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|p|/avg|p|)),
/// idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)) (never negative). Alongside the raw score each hit
/// carries a `relevance` in 0…1: the raw score over what a passage of average length that holds
/// every query term once would score (capped at 1). It answers "how much of the question does this
/// passage cover, weighted by how rare each word is", which is what a confidence can be built on.
/// A plain value type: the caller keeps it under its own lock.
public struct BM25Index: Sendable {
    public static let k1 = 1.2
    public static let b = 0.75

    struct Passage: Sendable {
        var document: UInt64
        var ordinal: Int
        var text: String
        var length: Int
        var terms: [String: Int]
    }

    public struct Hit: Sendable, Equatable {
        public var document: UInt64
        /// The passage's position in its document.
        public var ordinal: Int
        public var text: String
        public var score: Double
        public var relevance: Double
    }

    private var passages: [Int: Passage] = [:]
    private var postings: [String: [Int: Int]] = [:]
    private var slotsByDocument: [UInt64: [Int]] = [:]
    private var nextSlot = 0
    private var totalLength = 0

    public init() {}

    public var passageCount: Int { passages.count }
    public var documentCount: Int { slotsByDocument.count }
    public func contains(document: UInt64) -> Bool { slotsByDocument[document] != nil }

    /// Indexes a document's passages, given each passage's terms (a document added again replaces itself).
    public mutating func add(document: UInt64, passages texts: [String], terms: [[String]]) {
        remove(document: document)
        var slots: [Int] = []
        for (ordinal, (text, passageTerms)) in zip(texts, terms).enumerated() {
            let slot = nextSlot
            nextSlot += 1
            var frequencies: [String: Int] = [:]
            for term in passageTerms { frequencies[term, default: 0] += 1 }
            for (term, count) in frequencies { postings[term, default: [:]][slot] = count }
            passages[slot] = Passage(document: document, ordinal: ordinal, text: text, length: passageTerms.count, terms: frequencies)
            totalLength += passageTerms.count
            slots.append(slot)
        }
        slotsByDocument[document] = slots
    }

    public mutating func remove(document: UInt64) {
        guard let slots = slotsByDocument.removeValue(forKey: document) else { return }
        for slot in slots {
            guard let passage = passages.removeValue(forKey: slot) else { continue }
            totalLength -= passage.length
            for term in passage.terms.keys {
                postings[term]?[slot] = nil
                if postings[term]?.isEmpty == true { postings[term] = nil }
            }
        }
    }

    func idf(_ term: String) -> Double {
        let n = Double(passages.count)
        let df = Double(postings[term]?.count ?? 0)
        return log(1 + (n - df + 0.5) / (df + 0.5))
    }

    /// The best `limit` passages for the query's terms, best first (ties: document, then
    /// position); passages that share no term with the query are not hits.
    public func search(terms query: [String], limit: Int) -> [Hit] {
        let distinct = Array(Set(query)).sorted()  // a fixed order: the same sums, bit for bit
        guard !distinct.isEmpty, !passages.isEmpty, limit > 0 else { return [] }
        let average = max(1, Double(totalLength) / Double(passages.count))
        var scores: [Int: Double] = [:]
        var ideal = 0.0
        for term in distinct {
            let weight = idf(term)
            ideal += weight
            guard let posting = postings[term] else { continue }
            for (slot, tf) in posting {
                guard let passage = passages[slot] else { continue }
                let tf = Double(tf)
                let norm = Self.k1 * (1 - Self.b + Self.b * Double(passage.length) / average)
                scores[slot, default: 0] += weight * tf * (Self.k1 + 1) / (tf + norm)
            }
        }
        let ranked = scores.compactMap { slot, score -> Hit? in
            guard let passage = passages[slot] else { return nil }
            return Hit(
                document: passage.document, ordinal: passage.ordinal, text: passage.text, score: score,
                relevance: ideal > 0 ? min(1, score / ideal) : 0)
        }
        .sorted { a, b in
            a.score != b.score ? a.score > b.score : a.document != b.document ? a.document < b.document : a.ordinal < b.ordinal
        }
        return Array(ranked.prefix(limit))
    }
}
