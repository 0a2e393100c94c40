import Foundation
import ParleyKnowledge

/// A text as the analysis reads it: every word (stop words included, since "не" and "not"
/// matter here) with its Snowball stem, and where sentences end.
struct TokenStream {
    struct Token {
        var word: String
        var stem: String
        var isStopWord: Bool
        /// Punctuation or a sentence end follows this word: phrases do not run past it.
        var breakAfter: Bool
    }

    var tokens: [Token]
    var isRussian: Bool

    init(_ text: String, analyzer: borrowing TermAnalyzer) {
        var tokens: [Token] = []
        var cyrillic = 0
        var latin = 0
        // Words with the punctuation between them kept, so phrases stop at commas and periods.
        var word = ""
        func flush(breaking: Bool) {
            if !word.isEmpty {
                let lower = word.lowercased().replacingOccurrences(of: "ё", with: "е")
                tokens.append(Token(word: lower, stem: analyzer.stem(lower), isStopWord: TermAnalyzer.isStopWord(lower), breakAfter: false))
                word = ""
            }
            if breaking, !tokens.isEmpty { tokens[tokens.count - 1].breakAfter = true }
        }
        for character in text {
            if character.isLetter || character.isNumber || ((character == "'" || character == "’" || character == "-") && !word.isEmpty) {
                word.append(character == "’" ? "'" : character)
                if character.unicodeScalars.contains(where: TermAnalyzer.isCyrillic) { cyrillic += 1 }
                if character.isASCII && character.isLetter { latin += 1 }
            } else {
                flush(breaking: !character.isWhitespace)
            }
        }
        flush(breaking: true)
        self.tokens = tokens.map { token in
            var token = token
            while token.word.hasSuffix("-") || token.word.hasSuffix("'") { token.word.removeLast() }
            return token
        }
        isRussian = cyrillic > latin
    }

    var stems: [String] { tokens.map(\.stem) }

    /// How many times the stem sequence `phrase` occurs.
    func count(_ phrase: [String]) -> Int {
        guard !phrase.isEmpty, phrase.count <= tokens.count else { return 0 }
        var found = 0
        for start in 0...(tokens.count - phrase.count) where zip(phrase, tokens[start...]).allSatisfy({ $0 == $1.stem }) { found += 1 }
        return found
    }
}
