#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import ParleyModel

/// The hot-path forms of the text every frame carries (timestamps, native ids) against their
/// definitions.
struct WireTextTests {
    @Test func rfc3339MatchesTheGeneralFormAcrossTheRange() throws {
        var generator = SystemRandomNumberGenerator()
        // Year 0 through 9999, the epoch's neighbourhood, and random instants in between.
        var instants: [Int64] = [0, -1, 1, 999, 1000, -1000, -1001, -62_167_219_200_000, 253_402_300_799_999]
        for _ in 0..<20_000 { instants.append(Int64.random(in: -62_167_219_200_000...253_402_300_799_999, using: &generator)) }
        for milliseconds in instants {
            let timestamp = Timestamp(milliseconds: milliseconds)
            let seconds = milliseconds >= 0 || milliseconds % 1000 == 0 ? milliseconds / 1000 : milliseconds / 1000 - 1
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            let general = Timestamp.padded(parts, millis: Int(milliseconds - seconds * 1000))
            #expect(timestamp.rfc3339 == general, "\(milliseconds)")
            #expect(timestamp.rfc3339.utf8.count == 24)
            #expect(Timestamp(rfc3339: timestamp.rfc3339) == timestamp)
        }
        #expect(Timestamp(milliseconds: 1_705_761_000_123).rfc3339 == "2024-01-20T14:30:00.123Z")
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
        // Past year 9999 the general form is used.
        #expect(Timestamp(milliseconds: 253_402_300_800_000).rfc3339 == "10000-01-01T00:00:00.000Z")
    }

    @Test func nativeIDsParseOnlyTheCanonicalForm() {
        #expect(NativeID.parse("conv_1", as: ConversationID.self) == ConversationID(1))
        #expect(NativeID.parse("conv_0", as: ConversationID.self) == ConversationID(0))
        #expect(NativeID.parse("conv_18446744073709551615", as: ConversationID.self) == ConversationID(UInt64.max))
        #expect(NativeID.parse(Substring("xconv_12").dropFirst(), as: ConversationID.self) == ConversationID(12))
        for bad in [
            "conv_", "conv_01", "conv_00", "conv_+1", "conv_-1", "conv_1a", "conv_ 1", "Conv_1", "msg_1", "conv",
            "conv_18446744073709551616", "conv_99999999999999999999", "conv_\u{301}1", "conv_١", "",
        ] {
            #expect(NativeID.parse(bad, as: ConversationID.self) == nil, "\(bad)")
        }
        for value: UInt64 in [1, 9, 10, 12345, UInt64.max] {
            #expect(NativeID.parse(NativeID.format(MessageID(value)), as: MessageID.self) == MessageID(value))
        }
    }
}
