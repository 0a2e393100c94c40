import ParleyModel
import Testing

/// The state's persistent map behaves as the `Dictionary` it replaced, through random inserts,
/// changes in place, updates and removals, and stays a value when shared.
@Suite struct StateMapTests {
    func check(_ map: StateMap<Int, [Int]>, _ expected: [Int: [Int]], _ note: String) {
        #expect(map.count == expected.count && map.isEmpty == expected.isEmpty, "\(note)")
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == expected, "\(note)")
        #expect(map.keys.sorted() == expected.keys.sorted() && map.keys.count == expected.count, "\(note)")
        #expect(map.values.map(\.count).sorted() == expected.values.map(\.count).sorted(), "\(note)")
        #expect(map.values.count == expected.count && map.values.isEmpty == expected.isEmpty, "\(note)")
        for key in expected.keys.prefix(20) { #expect(map[key] == expected[key], "\(note), key \(key)") }
        #expect(map[-1] == nil, "\(note)")
    }

    @Test func randomChangesAgreeWithADictionary() {
        var generator = SystemRandomNumberGenerator()
        var map = StateMap<Int, [Int]>()
        var expected: [Int: [Int]] = [:]
        for step in 0..<3000 {
            let key = Int.random(in: 0..<600, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0:
                map[key] = [step]
                expected[key] = [step]
            case 1:
                map[key, default: []].append(step)
                expected[key, default: []].append(step)
            case 2:
                map[key]?.append(step)
                expected[key]?.append(step)
            case 3:
                #expect(map.updateValue([step, step], forKey: key) == expected.updateValue([step, step], forKey: key))
            case 4:
                #expect(map.removeValue(forKey: key) == expected.removeValue(forKey: key))
            case 5:
                let changed = map.modify(key) { value -> Int in
                    value.append(step)
                    return value.count
                }
                expected[key]?.append(step)
                #expect(changed == expected[key]?.count)
            default:
                map[key] = nil
                expected[key] = nil
            }
            if step % 100 == 0 { check(map, expected, "step \(step)") }
        }
        check(map, expected, "the end")
        // Emptied, by removal and by setting nil.
        for (index, key) in expected.keys.enumerated() {
            if index.isMultiple(of: 2) { map[key] = nil } else { map.removeValue(forKey: key) }
        }
        check(map, [:], "emptied")
    }

    @Test func aCopyIsAValue() {
        var map: StateMap<Int, [Int]> = [1: [1], 2: [2]]
        for key in 3...5000 { map[key] = [key] }
        let copy = map
        map[1]?.append(10)
        map[2] = nil
        map[5001] = [5001]
        map[3, default: []].append(30)
        #expect(map.modify(4) { $0.append(40) } != nil)
        #expect(map.modify(-4) { $0.append(40) } == nil)
        var expectedCopy = Dictionary(uniqueKeysWithValues: (1...5000).map { ($0, [$0]) })
        check(copy, expectedCopy, "the copy")
        expectedCopy[1] = [1, 10]
        expectedCopy[2] = nil
        expectedCopy[5001] = [5001]
        expectedCopy[3] = [3, 30]
        expectedCopy[4] = [4, 40]
        check(map, expectedCopy, "the original")
        #expect(copy != map && copy == StateMap(uniqueKeysWithValues: (1...5000).map { ($0, [$0]) }))
    }
}
