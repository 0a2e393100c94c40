import Foundation
import ParleyModel
import Synchronization
import Testing

/// A snapshot copies the state under its lock and reads the copy on its own thread while the
/// flusher goes on changing the live state. swift-collections 1.6's optional-subscript update of a
/// `TreeDictionary` (its `_modify`) crashed in that pattern ("Bad pointer dereference" in
/// `_HashNode._prepareValueUpdate`, in three of six runs of this test and in the fault-injection
/// suite): its debug assertions read a node it had just replaced, which the reader may have freed
/// meanwhile (``StateMap/subscript(_:)`` says more). This test drives that pattern through every
/// way ``StateMap`` changes an entry (the optional subscript, the `default:` subscript and
/// `modify`, which change it in place, removals and a sliding window of keys) against a reader
/// thread that copies and walks the map, for at most 300,000 changes or four seconds.
@Suite struct StateMapStressTests {
    @Test func aCopyReadOnAnotherThreadWhileTheMapChanges() async {
        let shared = Mutex(StateMap<String, (Int, String)>())
        let done = Atomic<Bool>(false)
        let reader = Thread {
            var total = 0
            while !done.load(ordering: .relaxed) {
                let copy = shared.withLock { $0 }
                for (key, value) in copy { total &+= value.0 &+ key.utf8.count }
                total &+= copy.values.reduce(0) { $0 &+ $1.0 }
            }
            _ = total
        }
        reader.start()
        var generator = SystemRandomNumberGenerator()
        var expected: [String: Int] = [:]
        // Bounded in time too: beside the rest of the suite, two busy threads must not starve
        // the servers other tests start.
        let deadline = ContinuousClock.now + .seconds(4)
        for n in 0..<300_000 {
            if n % 1000 == 0, ContinuousClock.now > deadline { break }
            let key = "scope-\(n)-\(n % 7)"
            let window = Int.random(in: 50...150, using: &generator)
            let old = "scope-\(n - window)-\((n - window) % 7)"
            shared.withLock { map in
                map[key] = (n, key)
                map[key, default: (0, "")].0 += 1
                if n >= 10 { _ = map.modify("scope-\(n - 10)-\((n - 10) % 7)") { $0.1 += "'" } }
                if n >= window, map[old]?.0 == n - window + 1 { map[old] = nil }
            }
            expected[key] = n + 1
            if n >= window, expected[old] == n - window + 1 { expected[old] = nil }
        }
        done.store(true, ordering: .relaxed)
        let final = shared.withLock { $0 }
        #expect(final.count == expected.count)
        #expect(expected.allSatisfy { final[$0.key]?.0 == $0.value })
    }
}
