import Foundation
import Seeded
import Testing
@testable import Store

/// The store's own JSON writer must write exactly what Foundation's JSONEncoder wrote into existing
/// stores: `verify` compares the text of projections, and stored changes are read back by JSONDecoder.
@Suite struct CompactJSONTests {
    /// Strings with quotes, backslashes, slashes, every control character, accents, emoji and
    /// non-characters, from a seeded generator.
    static func strings(_ count: Int) -> [String] {
        var random = SplitMix64(seed: 2026)
        let extra: [UInt32] = [0xE9, 0xDF, 0x2013, 0x201C, 0x201D, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0x1F600, 0x200D, 0x4E2D, 0x10FFFF]
        let pool: [Unicode.Scalar] = ((0..<0x80) + extra).compactMap(Unicode.Scalar.init)
        return (0..<count).map { _ in
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 24) { text.append(pool[Int(random.next() % UInt64(pool.count))]) }
            return String(text)
        }
    }

    @Test func matchesJSONEncoderByteForByte() throws {
        let strings = Self.strings(3000)
        for (index, text) in strings.enumerated() {
            let writes = [FieldWrite(field: "observations", value: text, supersedes: [ChangeID(deviceID: "ab12", seq: Int64(index))]),
                          FieldWrite(field: "status", value: nil, supersedes: [])]
            #expect(CompactJSON.encode(writes) == (try JSONCoding.string(writes)), "\(text.unicodeScalars.map { $0.value })")
            let values = [text.isEmpty ? "k" : text: text, "status": "draft", "Body": "x"]
            #expect(CompactJSON.encode(values) == (try JSONCoding.string(values)))
        }
        let ids = [ChangeID(deviceID: "dev-a", seq: 1), ChangeID(deviceID: "dev-b", seq: 22)]
        #expect(CompactJSON.encode(ids) == (try JSONCoding.string(ids)))
        #expect(CompactJSON.encode([ChangeID]()) == "[]")
    }
}
