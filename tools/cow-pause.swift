// The pause a state's big map costs after a snapshot: how long the first change to a Swift
// dictionary takes once an O(1) copy of it is held elsewhere (copy-on-write copies the whole
// table), by size, for values shaped like a visitor. docs/PERFORMANCE.md ("Open: the same pause
// at the top of the state"). Bounded: three sizes up to a million entries, a few seconds.
//
//   swiftc -O tools/cow-pause.swift -o /tmp/cow-pause && taskset -c 0 /tmp/cow-pause
struct Value: Hashable { var id: UInt64; var name: String; var email: String?; var site: UInt64; var metadata: String?; var seen: Int64 }
for size in [10_000, 100_000, 1_000_000] {
    var map: [UInt64: Value] = [:]
    map.reserveCapacity(size)
    for i in 0..<UInt64(size) {
        map[i] = Value(id: i, name: "Visitor number \(i) from somewhere", email: "visitor\(i)@example.com", site: 1, metadata: i % 3 == 0 ? "{\"plan\":\"pro\",\"n\":\(i)}" : nil, seen: Int64(i))
    }
    var best = Double.infinity
    for _ in 0..<5 {
        let snapshot = map
        let start = ContinuousClock.now
        map[UInt64(size + 1)] = Value(id: 0, name: "new", email: nil, site: 1, metadata: nil, seen: 0)
        let elapsed = ContinuousClock.now - start
        best = min(best, Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        map[UInt64(size + 1)] = nil
        withExtendedLifetime(snapshot) {}
    }
    print("\(size) entries: first change after a copy \(best) ms")
}
