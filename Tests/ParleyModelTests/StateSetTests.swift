import ParleyModel
import Testing

/// The state's persistent set behaves as a `Set` through random inserts and removals, and stays
/// a value when shared.
@Suite struct StateSetTests {
    @Test func randomChangesAgreeWithASet() {
        var generator = SystemRandomNumberGenerator()
        var set = StateSet<Int>()
        var expected: Set<Int> = []
        for step in 0..<3000 {
            let member = Int.random(in: 0..<500, using: &generator)
            if Bool.random(using: &generator) {
                #expect(set.insert(member) == expected.insert(member).inserted)
            } else {
                #expect(set.remove(member) == expected.remove(member))
            }
            if step % 100 == 0 {
                #expect(set.count == expected.count && set.isEmpty == expected.isEmpty && Set(set) == expected, "step \(step)")
                #expect(set.contains(member) == expected.contains(member), "step \(step)")
            }
        }
        let copy = set
        let absent = (0..<500).first { !expected.contains($0) } ?? 500
        set.insert(absent)
        #expect(Set(copy) == expected && set.contains(absent) && !copy.contains(absent) && copy != set)
    }
}
