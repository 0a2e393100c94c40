import Foundation
import NIOCore
import Testing

@testable import parley_load

/// The harness's own bookkeeping: how it reads frames and counts losses and duplicates.
@Suite struct HarnessTests {
    @Test func framesAreReadWhateverTheKeyOrder() {
        let content = FrameScan.content(size: 40, now: 1_795_000_000_123_456_789)
        #expect(content.utf8.count == 40)
        let innerFirst = ByteBuffer(
            string: #"{"message":{"type":"text","seq":17,"content":"\#(content)"},"type":"message","from":"visitor"}"#)
        #expect(FrameScan.isType(.message, innerFirst))
        #expect(!FrameScan.isType(.ack, innerFirst))
        #expect(FrameScan.seq(innerFirst) == 17)
        #expect(FrameScan.stamp(innerFirst) == 1_795_000_000_123_456_789)
        #expect(FrameScan.seq(ByteBuffer(string: #"{"type":"pong"}"#)) == nil)
        // A partial match of the pattern right before the real one, and a pattern at the very end.
        #expect(FrameScan.find(Array("ab".utf8), in: ByteBuffer(string: "aab")) == 3)
        #expect(FrameScan.find(Array("abc".utf8), in: ByteBuffer(string: "ab")) == nil)
    }

    /// Markers are found by their anchor byte (`q` of `"seq":`, `=` of `t=`): at the very start
    /// and end of a frame, after near misses around the anchor, and the stamp wherever it is.
    @Test func markersAreFoundByTheirAnchor() {
        #expect(FrameScan.Marker.seq.anchor == 3 && FrameScan.Marker.stamp.anchor == 1 && FrameScan.Marker.pong.anchor == 0)
        #expect(FrameScan.seq(ByteBuffer(string: #""seq":5"#)) == 5)
        #expect(FrameScan.seq(ByteBuffer(string: #"{"seq":"#)) == nil)
        #expect(FrameScan.seq(ByteBuffer(string: #"{"q":1,"sq":2,seq":3,"seq" :4,"seq":42}"#)) == 42)
        #expect(FrameScan.stamp(ByteBuffer(string: "=1 a=2 t 3 t=99")) == 99)
        #expect(FrameScan.isType(.pong, ByteBuffer(string: #"{"type":"pong"}"#)))
        #expect(!FrameScan.isType(.pong, ByteBuffer(string: #"{"type":"pon"}"#)))
        // The stamp is looked for after the seq, then from the start.
        let after = FrameScan.seqAndStamp(ByteBuffer(string: #"{"type":"message","seq":8,"content":"t=77;xx"}"#))
        #expect(after?.seq == 8 && after?.stamp == 77)
        let before = FrameScan.seqAndStamp(ByteBuffer(string: #"{"content":"t=66;xx","seq":9}"#))
        #expect(before?.seq == 9 && before?.stamp == 66)
        #expect(FrameScan.seqAndStamp(ByteBuffer(string: #"{"seq":9}"#)) == nil)
        // A slice whose reader index is not at its storage's start.
        var buffer = ByteBuffer(string: #"xx"seq":7"#)
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(FrameScan.seq(buffer) == 7)
    }

    /// Seen `seq` values are bits: duplicates found, missing values counted, values past the
    /// bitmap kept in a set.
    @Test func seenSeqsCountDuplicatesAndMissingValues() {
        var seen = SeenSeqs()
        #expect(seen.insert(1) && seen.insert(64) && seen.insert(0) && seen.insert(1_000))
        #expect(!seen.insert(64) && !seen.insert(1))
        let large = SeenSeqs.bitmapLimit + 5
        #expect(seen.insert(large) && !seen.insert(large))
        #expect(seen.contains(1_000) && !seen.contains(999) && !seen.contains(5_000) && seen.contains(large))
        #expect(seen.missing(of: [0, 1, 2, 63, 64, 1_000, large, large + 1]) == 3)
        #expect(SeenSeqs().missing(of: [1, 2]) == 2)
    }

    /// nats-server coalesces several protocol messages in one WebSocket frame and may split one
    /// across frames: every payload and PONG comes out once, whole, in order.
    @Test func theNatsStreamFindsMessagesAcrossFrameBoundaries() {
        let wire = "INFO {\"server_id\":\"x\"}\r\n+OK\r\nPONG\r\nMSG room 1 5\r\nhello\r\nPING\r\nMSG room 1 13\r\n\"seq\":7;t=9;x\r\nMSG room 1 r.1 0\r\n\r\nPONG\r\n"
        let bytes = Array(wire.utf8)
        for cut in [1, 2, 3, 7, 13, 40, bytes.count] {
            var stream = NatsStream()
            var events: [String] = []
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + cut)
                stream.feed(ByteBuffer(bytes: bytes[offset..<end])) { event in
                    switch event {
                    case .message(let payload): events.append("msg " + String(buffer: payload))
                    case .pong: events.append("pong")
                    }
                }
                offset = end
            }
            #expect(events == ["pong", "msg hello", "msg \"seq\":7;t=9;x", "msg ", "pong"], "frames of \(cut) bytes")
        }
    }

    @Test func connectionsSpreadOverLoopbackSourceAddresses() {
        let block = ConnectionSpread.defaultPerAddress
        #expect(ConnectionSpread.sourceAddress(forConnection: 0) == nil)
        #expect(ConnectionSpread.sourceAddress(forConnection: block - 1) == nil)
        #expect(ConnectionSpread.sourceAddress(forConnection: block)?.ipAddress == "127.0.0.2")
        #expect(ConnectionSpread.sourceAddress(forConnection: 3 * block + 5)?.ipAddress == "127.0.0.4")
        #expect(ConnectionSpread.sourceAddress(forConnection: 255 * block)?.ipAddress == "127.0.1.0")
        #expect(ConnectionSpread.sourceAddress(forConnection: 10, perAddress: 4)?.ipAddress == "127.0.0.3")
        let target = WebSocketTarget("ws://127.0.0.1:9000/ws?site_id=s&role=support&token=a%2Bb")
        #expect(target?.host == "127.0.0.1" && target?.port == 9000)
        #expect(target?.uri == "/ws?site_id=s&role=support&token=a%2Bb")
    }

    @Test func lossesAndDuplicatesAreCountedPerSubscriber() {
        let recorder = LatencyRecorder()
        for seq: UInt64 in [1, 2, 3] { recorder.delivered(subscriber: 0, seq: seq, sentAt: 0, now: 1_000_000) }
        for seq: UInt64 in [1, 1, 3] { recorder.delivered(subscriber: 1, seq: seq, sentAt: 0, now: 2_000_000) }
        #expect(recorder.delivered == 6)
        #expect(recorder.duplicates == 1)
        #expect(recorder.losses(expected: [1, 2, 3], subscribers: 2) == 1)
        #expect(recorder.losses(expected: [1, 2, 3], subscribers: 3) == 4)
        let latency = recorder.latency
        #expect(latency.count == 6)
        #expect(latency.p50 >= 999 && latency.max <= 2_002)
    }

    @Test func reportHelpers() throws {
        #expect(LoadConnection.abnormalCloses([]).isEmpty)
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
        let before = ProcessSample(cpuSeconds: 1.25, kernelSeconds: 0.5, rssBytes: 0)
        let after = ProcessSample(cpuSeconds: 3.5, kernelSeconds: 1.25, rssBytes: 0)
        #expect(ProcessSample.cpuSeconds(from: before, to: after) == 2.25)
        #expect(ProcessSample.kernelSeconds(from: before, to: after) == 0.75)
        #expect(ProcessSample.cpuSeconds(from: nil, to: before) == nil)
        #expect(ProcessSample.kernelSeconds(from: before, to: nil) == nil)
        // This process's own sample: the kernel's part is a part.
        let own = try #require(ProcessSample.read(pid: getpid()))
        #expect(own.kernelSeconds >= 0 && own.kernelSeconds <= own.cpuSeconds)
        #expect(own.threads[getpid()] != nil)  // the main thread's id is the process's
    }

    /// A `/proc/…/stat` line: the name may hold spaces and parentheses; utime and stime are
    /// fields 14 and 15 in clock ticks.
    @Test func statLinesAreRead() throws {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let line = "4242 (log (a) flusher) S 1 4242 4242 0 -1 4194368 10 0 0 0 \(Int(3 * ticks)) \(Int(ticks)) 0 0 20 0 9 0 1 2 3"
        let read = try #require(ProcessSample.times(stat: line))
        #expect(read.name == "log (a) flusher")
        #expect(read.user == 3 && read.system == 1)
        #expect(ProcessSample.times(stat: "4242 (short) S 1 2") == nil)
    }

    /// Threads are matched by id and summed by name; a new thread counts whole, a gone one not.
    @Test func threadsAreComparedByIdAndSummedByName() {
        func sample(_ threads: [Int32: ThreadCPU]) -> ProcessSample {
            ProcessSample(cpuSeconds: 0, kernelSeconds: 0, rssBytes: 0, threads: threads)
        }
        let before = sample([
            1: ThreadCPU(name: "loop", cpuSeconds: 2, kernelSeconds: 1),
            2: ThreadCPU(name: "pool", cpuSeconds: 1, kernelSeconds: 0),
            3: ThreadCPU(name: "gone", cpuSeconds: 5, kernelSeconds: 5),
        ])
        let after = sample([
            1: ThreadCPU(name: "loop", cpuSeconds: 6, kernelSeconds: 2.5),
            2: ThreadCPU(name: "pool", cpuSeconds: 1.5, kernelSeconds: 0.25),
            4: ThreadCPU(name: "pool", cpuSeconds: 1, kernelSeconds: 0.5),
        ])
        #expect(
            ThreadCPU.spent(from: before, to: after) == [
                ThreadCPU(name: "loop", cpuSeconds: 4, kernelSeconds: 1.5),
                ThreadCPU(name: "pool", cpuSeconds: 1.5, kernelSeconds: 0.75),
            ])
        #expect(ThreadCPU.spent(from: nil, to: after).isEmpty)
    }

    /// `--host-pauses`: the probe wakes every millisecond until stopped, and on this quiet
    /// test machine a wake more than 3 ms late is counted as a pause (none expected, so only
    /// the tally's shape is checked).
    @Test func theHostPauseProbeCountsItsWakes() async throws {
        let probe = HostPauseProbe()
        try await Task.sleep(for: .milliseconds(200))
        let pauses = probe.stop()
        #expect(pauses.wakes > 10)
        #expect(pauses.pauses <= pauses.wakes)
        #expect(pauses.pausedPercent >= 0 && pauses.pausedPercent <= 100)
        #expect(pauses.longestSeconds <= pauses.pausedSeconds)
    }

    @Test func theMessageFrameCarriesItsConversationAndStamp() {
        let frame = ByteBuffer(string: FrameScan.message(to: "conv_7", size: 60, now: 1_795_000_000_000_000_042))
        #expect(FrameScan.isType(.message, frame))
        #expect(FrameScan.find(Array(#""conversation_id":"conv_7""#.utf8), in: frame) != nil)
        #expect(FrameScan.stamp(frame) == 1_795_000_000_000_000_042)
    }

    @Test func aRunStartsWhenAllAnsweredAndStopsWhenOneEndedFirst() async throws {
        let readiness = Readiness()
        readiness.answered()
        readiness.answered()
        try await readiness.wait(for: 2)
        let failing = Readiness()
        failing.answered()
        failing.ended()
        await #expect(throws: Readiness.ConnectionsLost.self) { try await failing.wait(for: 5) }
    }
}
