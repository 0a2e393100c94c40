/// RAKE (Rose et al., 2010, "Automatic keyword extraction from individual documents"): candidate
/// phrases are runs of content words between stop words and punctuation; a word scores its
/// degree over its frequency; a phrase the sum of its words. Phrases longer than three words
/// are cut; phrases with the same stems count once.
enum Keywords {
    static func rake(_ stream: TokenStream, limit: Int) -> [String] {
        var phrases: [[TokenStream.Token]] = []
        var current: [TokenStream.Token] = []
        for token in stream.tokens {
            if token.isStopWord || (token.word.count < 3 && !token.word.allSatisfy(\.isNumber)) {
                if !current.isEmpty { phrases.append(current) }
                current = []
                continue
            }
            current.append(token)
            if token.breakAfter || current.count == 3 {
                phrases.append(current)
                current = []
            }
        }
        if !current.isEmpty { phrases.append(current) }
        var frequency: [String: Double] = [:]
        var degree: [String: Double] = [:]
        for phrase in phrases {
            for token in phrase {
                frequency[token.stem, default: 0] += 1
                degree[token.stem, default: 0] += Double(phrase.count)
            }
        }
        var seen = Set<[String]>()
        let scored = phrases.enumerated().compactMap { index, phrase -> (String, Double, Int)? in
            let stems = phrase.map(\.stem)
            guard seen.insert(stems).inserted else { return nil }
            let score = phrase.reduce(0) { $0 + (degree[$1.stem] ?? 0) / (frequency[$1.stem] ?? 1) }
            return (phrase.map(\.word).joined(separator: " "), score, index)
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }.prefix(limit).map(\.0)
    }
}
