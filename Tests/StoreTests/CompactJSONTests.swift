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

    /// The reader must read what the writer wrote as `JSONDecoder` does, and leave anything else to it.
    @Test func theReaderReadsWhatJSONDecoderReads() throws {
        for (index, text) in Self.strings(3000).enumerated() {
            let writes = [FieldWrite(field: "observations", value: text, supersedes: [ChangeID(deviceID: "ab12", seq: Int64(index) + 1),
                                                                                     ChangeID(deviceID: "cd34", seq: 1)]),
                          FieldWrite(field: text.isEmpty ? "f" : text, value: nil, supersedes: [])]
            let stored = CompactJSON.encode(writes)
            #expect(CompactJSONReader.writes(stored) == (try JSONCoding.decode([FieldWrite].self, from: stored)), "\(stored)")
        }
        // Other writers' shapes are left to JSONDecoder: escaped slashes and \u escapes are read, anything
        // else (spaces, other key orders, surrogate pairs) is not.
        #expect(CompactJSONReader.writes(#"[{"f":"a\/b","s":[],"v":"\u00e9\n"}]"#) == [FieldWrite(field: "a/b", value: "é\n", supersedes: [])])
        #expect(CompactJSONReader.writes(#"[{"f":"a","s":[],"v":null}]"#) == [FieldWrite(field: "a", value: nil, supersedes: [])])
        for other in [#"[ {"f":"a","s":[]} ]"#, #"[{"s":[],"f":"a"}]"#, #"[{"f":"\ud83d\ude00","s":[]}]"#, #"[{"f":"a","s":[]}"#,
                      #"[{"f":"a","s":["nocolon"]}]"#, #"[{"f":"a","s":[]}]x"#] {
            #expect(CompactJSONReader.writes(other) == nil, "\(other)")
        }
        let ids = [ChangeID(deviceID: "dev-a", seq: 1), ChangeID(deviceID: "dev-b", seq: 22)]
        #expect(CompactJSONReader.ids(CompactJSON.encode(ids)) == ids)
        #expect(CompactJSONReader.ids("[]") == [])
        #expect(CompactJSONReader.ids("[1]") == nil)
    }
}
