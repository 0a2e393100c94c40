import Foundation

/// Text → search terms: words (runs of letters and digits), lower-cased, `ё` read as `е`,
/// common function words of Russian and English dropped, and each word reduced to its Snowball
/// stem in its own script's language (Cyrillic → Russian, otherwise English). "товаров" and
/// "товар" become one term; so do "returns" and "returning".
///
/// Holds its two stemmers, so one analyzer serves one caller at a time.
public struct TermAnalyzer: ~Copyable {
    private let russian: SnowballStemmer
    private let english: SnowballStemmer

    public init() {
        // Debian's libstemmer has both languages; without them nothing here can work.
        guard let russian = SnowballStemmer(.russian), let english = SnowballStemmer(.english) else {
            fatalError("libstemmer lacks the Russian or English stemmer")
        }
        self.russian = russian
        self.english = english
    }

    /// The terms of `text`, in order (repeats kept: they are term frequencies).
    public func terms(_ text: String) -> [String] {
        Self.words(text).compactMap { word in Self.isStopWord(word) ? nil : stem(word) }
    }

    /// The stem of one lower-cased word.
    public func stem(_ word: String) -> String {
        if word.unicodeScalars.allSatisfy({ $0.properties.numericType != nil }) { return word }
        return word.unicodeScalars.contains(where: Self.isCyrillic) ? russian.stem(word) : english.stem(word)
    }

    /// The words of `text`, lower-cased, `ё` as `е`.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current).lowercased().replacingOccurrences(of: "ё", with: "е")) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if scalar == "'" || scalar == "’", !current.isEmpty {
                // English contractions stay one word ("don't"); a quote mark alone ends nothing.
                current.append("'")
            } else {
                flush()
            }
        }
        flush()
        return words.map { $0.hasSuffix("'") ? String($0.dropLast()) : $0 }.filter { !$0.isEmpty }
    }

    public static func isCyrillic(_ scalar: Unicode.Scalar) -> Bool { (0x0400...0x04FF).contains(scalar.value) }

    public static func isStopWord(_ word: String) -> Bool { stopWords.contains(word) }

    /// Function words that carry no topic (after Snowball's Russian and English lists, trimmed).
    static let stopWords: Set<String> = [
        // English
        "a", "an", "the", "and", "or", "but", "if", "of", "at", "by", "for", "with", "about", "to", "from", "in", "on", "off", "into",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had", "i", "me", "my", "we",
        "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them", "their", "this", "that", "these",
        "those", "there", "here", "as", "so", "than", "too", "very", "can", "will", "would", "should", "could", "just", "also",
        "what", "which", "who", "whom", "how", "when", "where", "why", "all", "any", "some", "such", "no", "nor", "not", "only",
        "own", "same", "then", "once", "up", "out", "over", "under", "again", "further", "more", "most", "other", "each", "few",
        "both", "s", "t", "i'm", "it's", "don't", "please", "hi", "hello",
        // Russian
        "и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так", "его", "но", "да", "ты",
        "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "мне", "было", "вот", "от", "меня", "еще", "нет", "о", "из", "ему",
        "теперь", "когда", "даже", "ну", "вдруг", "ли", "если", "уже", "или", "ни", "быть", "был", "него", "до", "вас", "нибудь",
        "опять", "уж", "вам", "ведь", "там", "потом", "себя", "ничего", "ей", "может", "они", "тут", "где", "есть", "надо", "ней",
        "для", "мы", "тебя", "их", "чем", "была", "сам", "чтоб", "без", "будто", "чего", "раз", "тоже", "себе", "под", "будет",
        "ж", "тогда", "кто", "этот", "того", "потому", "этого", "какой", "совсем", "ним", "здесь", "этом", "один", "почти", "мой",
        "тем", "чтобы", "нее", "были", "куда", "зачем", "всех", "никогда", "можно", "при", "наконец", "два", "об", "другой",
        "хоть", "после", "над", "больше", "тот", "через", "эти", "нас", "про", "всего", "них", "какая", "много", "разве", "три",
        "эту", "моя", "впрочем", "хорошо", "свою", "этой", "перед", "иногда", "лучше", "чуть", "том", "нельзя", "такой", "им",
        "более", "всегда", "конечно", "всю", "между", "это", "ваш", "ваше", "ваша", "наш", "пожалуйста", "здравствуйте",
        "привет",
    ]
}
