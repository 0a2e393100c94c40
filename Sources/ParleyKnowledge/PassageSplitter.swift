import Foundation

/// Extracted text → passages, the units the index ranks and the search quotes.
///
/// Paragraphs are blocks separated by blank lines (each extractor ends its blocks so). A short
/// paragraph that reads as a heading or a question ("Как вернуть товар?") starts a new passage,
/// so a FAQ's question and its answer stay together; short paragraphs are joined up to about
/// ``targetWords``; a paragraph longer than ``maxWords`` is cut at sentence ends (a sentence
/// longer than that, at word boundaries).
public enum PassageSplitter {
    public static let targetWords = 80
    public static let maxWords = 160

    public static func split(_ text: String) -> [String] {
        var passages: [String] = []
        var current: [String] = []
        var currentWords = 0
        // Whether the passage has more than headings: consecutive headings stay together.
        var hasBody = false
        func flush() {
            if !current.isEmpty { passages.append(current.joined(separator: "\n")) }
            current = []
            currentWords = 0
            hasBody = false
        }
        for paragraph in paragraphs(text) {
            let words = paragraph.split(separator: " ").count
            let heading = isHeading(paragraph, words: words)
            if heading ? hasBody : currentWords > 0 && currentWords + words > targetWords {
                flush()
            }
            if words > maxWords {
                // The headings gathered so far lead the first piece.
                var pieces = pieces(of: paragraph)
                if !current.isEmpty { pieces[0] = (current + [pieces[0]]).joined(separator: "\n") }
                current = []
                flush()
                passages.append(contentsOf: pieces)
                continue
            }
            hasBody = hasBody || !heading
            current.append(paragraph)
            currentWords += words
        }
        flush()
        return passages
    }

    /// Blocks between blank lines (or form feeds, which end PDF pages), each with its
    /// whitespace runs made single spaces.
    static func paragraphs(_ text: String) -> [String] {
        var result: [String] = []
        var lines: [Substring] = []
        func flush() {
            let joined = lines.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !joined.isEmpty { result.append(joined) }
            lines = []
        }
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains("\u{0C}") || line.allSatisfy(\.isWhitespace) {
                flush()
                lines.append(contentsOf: line.split(separator: "\u{0C}"))
            } else if isQuestion(line) {
                // A FAQ's question on its own line, its answer on the next: two blocks.
                flush()
                lines.append(line)
                flush()
            } else {
                lines.append(line)
            }
        }
        flush()
        return result
    }

    /// A short line that asks: a question heading.
    static func isQuestion(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasSuffix("?") && trimmed.split(separator: " ").count <= 12
    }

    /// Short, and not an ordinary sentence: a question, or no sentence end at all.
    static func isHeading(_ paragraph: String, words: Int) -> Bool {
        guard words <= 12, let last = paragraph.last else { return false }
        return last == "?" || !".!;:,".contains(last)
    }

    /// A long paragraph in pieces of at most ``maxWords`` words, cut after sentence ends.
    static func pieces(of paragraph: String) -> [String] {
        var pieces: [String] = []
        var current: [Substring] = []
        for word in paragraph.split(separator: " ") {
            current.append(word)
            let sentenceEnds = word.last.map { ".!?".contains($0) } ?? false
            if current.count >= maxWords || (sentenceEnds && current.count >= targetWords) {
                pieces.append(current.joined(separator: " "))
                current = []
            }
        }
        if !current.isEmpty { pieces.append(current.joined(separator: " ")) }
        return pieces
    }
}
