import Foundation
import Seeded
import Testing
@testable import Store

/// Recording times are formatted by arithmetic; they must read as ISO8601DateFormatter would write them.
@Suite struct TimestampTests {
    @Test func recordingTimesMatchFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = SplitMix64(seed: 7)
        let fixed: [Int64] = [0, 999, 1000, 951_782_400_000, 1_709_164_800_123, 1_798_761_599_999, 4_102_444_800_000, -1, -86_400_001]
        let samples = fixed + (0..<5000).map { _ in Int64(random.next() % 4_102_444_800_000) }
        for ms in samples {
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
            #expect(Timestamp.iso8601(milliseconds: ms) == expected, "\(ms)")
        }
    }
}
