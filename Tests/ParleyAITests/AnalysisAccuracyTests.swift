import Foundation
import ParleyAI
import ParleyKnowledge
import Testing

/// The local analysis measured on the committed labelled set (220 support messages, half
/// Russian, half English; `Analysis/README.md`): accuracy per field on each half. The figures
/// are in `docs/api/analysis.md`; the floors below are a little under them, so a change that
/// makes the method worse fails here.
@Suite struct AnalysisAccuracyTests {
    struct Example: Decodable {
        var text: String
        var lang: String
        var intent: String
        var sentiment: String
        var interest: String
        var objection: String
        var keyword: String
        var split: String
    }

    static func examples() throws -> [Example] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Analysis/labelled.jsonl")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Example.self, from: Data($0.utf8))
        }
    }

    struct Scores: CustomStringConvertible {
        var count = 0
        var sentiment = 0
        var intent = 0
        var interest = 0
        var objection = 0
        var keyword = 0

        func rate(_ value: Int) -> Double { count == 0 ? 0 : Double(value) / Double(count) }
        var description: String {
            String(
                format: "n=%d sentiment %.3f intent %.3f interest %.3f objection %.3f keyword %.3f", count, rate(sentiment), rate(intent),
                rate(interest), rate(objection), rate(keyword))
        }
    }

    static func measure(_ examples: [Example], misses: inout [String]) -> Scores {
        let analyzer = MessageAnalyzer()
        let terms = TermAnalyzer()
        var scores = Scores()
        for example in examples {
            let result = analyzer.analyze(example.text)
            scores.count += 1
            func check(_ field: String, _ got: String, _ want: String) -> Int {
                if got == want { return 1 }
                misses.append("\(field): \(got) ≠ \(want) — \(example.text)")
                return 0
            }
            scores.sentiment += check("sentiment", result.sentiment.rawValue, example.sentiment)
            scores.intent += check("intent", result.intent.rawValue, example.intent)
            scores.interest += check("interest", result.interestLevel.rawValue, example.interest)
            scores.objection += check("objection", result.objection?.rawValue ?? "none", example.objection)
            let wanted = terms.stem(example.keyword.lowercased().replacingOccurrences(of: "ё", with: "е"))
            let found = result.keywords.flatMap { TermAnalyzer.words($0).map { terms.stem($0) } }
            scores.keyword += check("keyword", result.keywords.joined(separator: ", "), found.contains(wanted) ? result.keywords.joined(separator: ", ") : example.keyword)
        }
        return scores
    }

    @Test func accuracyPerFieldOnBothHalves() throws {
        let all = try Self.examples()
        #expect(all.count >= 200)
        #expect(Set(all.map(\.lang)) == ["ru", "en"])
        var misses: [String] = []
        let dev = Self.measure(all.filter { $0.split == "dev" }, misses: &misses)
        let test = Self.measure(all.filter { $0.split == "test" }, misses: &misses)
        // PARLEY_ANALYSIS_REPORT=<file>: the figures and every miss, for the docs.
        if let path = ProcessInfo.processInfo.environment["PARLEY_ANALYSIS_REPORT"] {
            let report = "analysis dev: \(dev)\nanalysis test: \(test)\n" + misses.joined(separator: "\n") + "\n"
            try report.write(toFile: path, atomically: true, encoding: .utf8)
        }
        for (name, scores) in [("dev", dev), ("test", test)] {
            #expect(scores.rate(scores.sentiment) >= Self.floors.sentiment, "\(name) \(scores)")
            #expect(scores.rate(scores.intent) >= Self.floors.intent, "\(name) \(scores)")
            #expect(scores.rate(scores.interest) >= Self.floors.interest, "\(name) \(scores)")
            #expect(scores.rate(scores.objection) >= Self.floors.objection, "\(name) \(scores)")
            #expect(scores.rate(scores.keyword) >= Self.floors.keyword, "\(name) \(scores)")
        }
    }

    static let floors = (sentiment: 0.85, intent: 0.85, interest: 0.85, objection: 0.9, keyword: 0.9)
}
