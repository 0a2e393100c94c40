import CStemmer

/// One Snowball stemmer of libstemmer (UTF-8). A stemmer keeps working memory between calls,
/// so one instance belongs to one caller at a time: it is non-copyable and freed when it goes.
struct SnowballStemmer: ~Copyable {
    enum Language: String {
        case english, russian
    }

    private let handle: OpaquePointer

    /// Nil only if libstemmer lacks the language (Debian's has both).
    init?(_ language: Language) {
        guard let handle = sb_stemmer_new(language.rawValue, "UTF_8") else { return nil }
        self.handle = handle
    }

    deinit { sb_stemmer_delete(handle) }

    /// The stem of a lower-cased word.
    func stem(_ word: String) -> String {
        var word = word
        return word.withUTF8 { bytes -> String in
            guard let base = bytes.baseAddress,
                let stemmed = sb_stemmer_stem(handle, base, Int32(bytes.count))
            else { return String(decoding: bytes, as: UTF8.self) }
            let length = Int(sb_stemmer_length(handle))
            return String(decoding: UnsafeBufferPointer(start: stemmed, count: length), as: UTF8.self)
        }
    }
}
