import ParleyKnowledge

/// Phrases that signal something (an intent, a sentiment, an objection), written as words and
/// matched as Snowball stem sequences, so "refunds" matches "refund" and "товаров" "товар".
struct CueSet {
    struct Cue {
        var stems: [String]
        var weight: Double
    }

    var cues: [Cue]

    /// `phrases`: words separated by spaces; a weight after `|` ("money back|2"), else 1.
    init(_ phrases: [String], analyzer: borrowing TermAnalyzer) {
        cues = phrases.map { phrase in
            let parts = phrase.split(separator: "|")
            let words = TokenStream(String(parts[0]), analyzer: analyzer).stems
            return Cue(stems: words, weight: parts.count > 1 ? Double(parts[1]) ?? 1 : 1)
        }
    }

    /// The summed weight of every cue occurrence in `stream`.
    func score(_ stream: TokenStream) -> Double {
        cues.reduce(0) { $0 + Double(stream.count($1.stems)) * $1.weight }
    }

    func matches(_ stream: TokenStream) -> Bool { cues.contains { stream.count($0.stems) > 0 } }
}
