import ParleyKnowledge
import Testing

@Suite struct PassageSplitterTests {
    @Test func questionsStartPassagesAndKeepTheirAnswers() {
        let text = "FAQ\n\nHow do I pay?\n\nBy card or transfer.\n\nCan I cancel?\n\nYes, before shipping."
        #expect(PassageSplitter.split(text) == ["FAQ\nHow do I pay?\nBy card or transfer.", "Can I cancel?\nYes, before shipping."])
    }

    @Test func wrappedLinesJoinAndLongParagraphsAreCut() {
        #expect(PassageSplitter.split("one line\nwrapped here.\n\n\n") == ["one line wrapped here."])
        let sentence = Array(repeating: "word", count: 9).joined(separator: " ") + "."
        let long = Array(repeating: sentence, count: 40).joined(separator: " ")  // 400 words
        let passages = PassageSplitter.split(long)
        #expect(passages.count >= 3)
        #expect(passages.allSatisfy { $0.split(separator: " ").count <= PassageSplitter.maxWords })
        #expect(passages.joined(separator: " ") == long)
    }

    @Test func shortParagraphsAreJoinedUpToTheTarget() {
        let paragraph = Array(repeating: "word", count: 30).joined(separator: " ") + "."
        let passages = PassageSplitter.split(Array(repeating: paragraph, count: 6).joined(separator: "\n\n"))
        #expect(passages.count == 3)  // two 30-word paragraphs fit in 80 words, a third does not
    }
}
