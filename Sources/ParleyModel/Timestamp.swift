#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant with millisecond precision (CONTRACT §4 renders it as RFC 3339 UTC).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// RFC 3339 UTC with milliseconds, e.g. `2024-01-20T14:30:00.000Z`.
    public var rfc3339: String {
        guard hasFourDigitYear else {
            let (parts, millis) = utcParts
            return Self.padded(parts, millis: millis)
        }
        // Every frame carries one: written straight into the string's 24 bytes, where the
        // general form below makes a string per field.
        return String(unsafeUninitializedCapacity: Self.rfc3339ByteCount) { bytes in
            _ = writeRFC3339(into: UnsafeMutableRawPointer(bytes.baseAddress!))
            return Self.rfc3339ByteCount
        }
    }

    /// The length of ``rfc3339`` for a year in 0…9999.
    public static let rfc3339ByteCount = 24

    /// Whether ``rfc3339`` has its fixed ``rfc3339ByteCount`` bytes: a year in 0…9999
    /// (0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z).
    public var hasFourDigitYear: Bool { (-62_167_219_200_000...253_402_300_799_999).contains(milliseconds) }

    /// Writes ``rfc3339``'s ``rfc3339ByteCount`` bytes at `bytes` (a frame's buffer, without a
    /// string of their own) and returns `true`; for a year outside 0…9999, whose form is
    /// longer, writes nothing and returns `false`.
    public func writeRFC3339(into bytes: UnsafeMutableRawPointer) -> Bool {
        guard hasFourDigitYear else { return false }
        let (parts, millis) = utcParts
        let year = Int(parts.tm_year) + 1900
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes.storeBytes(of: UInt8(truncatingIfNeeded: 48 + value % 10), toByteOffset: index, as: UInt8.self)
                value /= 10
            }
        }
        func put(_ byte: Unicode.Scalar, at offset: Int) {
            bytes.storeBytes(of: UInt8(ascii: byte), toByteOffset: offset, as: UInt8.self)
        }
        put(year, 4, at: 0)
        put("-", at: 4)
        put(Int(parts.tm_mon) + 1, 2, at: 5)
        put("-", at: 7)
        put(Int(parts.tm_mday), 2, at: 8)
        put("T", at: 10)
        put(Int(parts.tm_hour), 2, at: 11)
        put(":", at: 13)
        put(Int(parts.tm_min), 2, at: 14)
        put(":", at: 16)
        put(Int(parts.tm_sec), 2, at: 17)
        put(".", at: 19)
        put(millis, 3, at: 20)
        put("Z", at: 23)
        return true
    }

    /// The calendar fields of this instant in UTC, and its milliseconds.
    private var utcParts: (tm, Int) {
        let seconds = milliseconds.floorDivided(by: 1000)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return (parts, Int(milliseconds - seconds * 1000))
    }

    /// The general form, for years outside 0…9999 (a year of five digits, or before year 0).
    static func padded(_ parts: tm, millis: Int) -> String {
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// Parses RFC 3339 (`2024-01-20T14:30:00Z`, optional fraction, `Z` or `±hh:mm` offset).
    public init?(rfc3339 text: String) {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 116,
            bytes[13] == 58, bytes[16] == 58,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis = 0
        if bytes[index] == 46 {
            index += 1
            var scale = 100
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                millis += Int(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case 90, 122:  // Z z
            guard index + 1 == bytes.count else { return nil }
        case 43, 45:  // + -
            guard index + 6 == bytes.count, bytes[index + 3] == 58,
                let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6)
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 43 ? 1 : -1)
        default:
            return nil
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = Int64(timegm(&parts)) - Int64(offsetSeconds)
        self.milliseconds = epoch * 1000 + Int64(millis)
    }

    public var description: String { rfc3339 }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
