import ParleyModel
import ParleyTestSupport
import Testing

/// The chunked run (of hot messages, of a site's conversation ids) behaves as the array it
/// replaced, through every mix of appends and drops from the front, and stays a value when shared.
@Suite struct ChunkedRunTests {
    func check(_ run: MessageRun, _ expected: [Message], _ note: String) {
        #expect(run.count == expected.count, "\(note)")
        #expect(Array(run) == expected, "\(note)")
        #expect(run.first == expected.first && run.last == expected.last, "\(note)")
        for index in expected.indices where index % 7 == 0 || index == expected.count - 1 {
            #expect(run[index] == expected[index], "\(note), index \(index)")
        }
        #expect(run == MessageRun(expected) && run.hashValue == MessageRun(expected).hashValue, "\(note)")
    }

    @Test func appendsAndDropsAgreeWithAnArray() {
        var generator = SystemRandomNumberGenerator()
        var run = MessageRun()
        var expected: [Message] = []
        var seq: UInt64 = 0
        for step in 0..<400 {
            if Bool.random(using: &generator) || expected.isEmpty {
                for _ in 0..<Int.random(in: 1...150, using: &generator) {
                    seq += 1
                    run.append(SampleData.message(seq: seq))
                    expected.append(SampleData.message(seq: seq))
                }
            } else {
                // Drops inside a chunk, across chunks, of whole chunks, and of everything.
                let k = [0, 1, 63, 64, 65, 130, expected.count, Int.random(in: 0...expected.count, using: &generator)]
                    .filter { $0 <= expected.count }.randomElement(using: &generator)!
                run.removeFirst(k)
                expected.removeFirst(k)
            }
            check(run, expected, "step \(step)")
        }
    }

    @Test func aCopyIsAValue() {
        var run = MessageRun((1...200).map { SampleData.message(seq: $0) })
        let copy = run
        run.append(SampleData.message(seq: 201))
        run.removeFirst(70)
        check(copy, (1...200).map { SampleData.message(seq: $0) }, "the copy")
        check(run, (71...201).map { SampleData.message(seq: $0) }, "the original")
    }

    @Test func emptyAndLiteral() {
        var run: MessageRun = [SampleData.message(seq: 1), SampleData.message(seq: 2)]
        run.removeFirst(2)
        check(run, [], "emptied")
        run.append(SampleData.message(seq: 3))
        check(run, [SampleData.message(seq: 3)], "after emptied")
        check(MessageRun(), [], "new")
    }

    @Test func conversationIDsInChunks() {
        var run = ChunkedRun<ConversationID>()
        for id in 1...1000 { run.append(ConversationID(UInt64(id))) }
        let copy = run
        run.append(ConversationID(1001))
        #expect(Array(copy) == (1...1000).map { ConversationID(UInt64($0)) })
        #expect(Array(run.reversed().prefix(2)) == [ConversationID(1001), ConversationID(1000)])
        #expect(run.last { $0.rawValue.isMultiple(of: 7) } == ConversationID(1001))
        #expect(run.count == 1001 && run[500] == ConversationID(501) && copy != run)
    }
}
