import Central
import CentralSQLite
import ClientSync
import Foundation
import SyncProtocol
import Testing

@Suite struct ZlibTests {
    private let prose = Array(String(repeating: "The child was seen alone in her bedroom and said she felt safe. ", count: 200).utf8)

    @Test func roundTripsAndShrinksProse() throws {
        let compressed = try Zlib.compress(prose)
        #expect(compressed.count < prose.count / 10)
        #expect(try Zlib.decompress(compressed, maximumSize: prose.count) == prose)
        #expect(try Zlib.decompress(try Zlib.compress([]), maximumSize: 0) == [])
    }

    @Test func aDecompressionBombStopsAtTheLimit() throws {
        let bomb = try Zlib.compress([UInt8](repeating: 0, count: 50_000_000), level: 9)
        #expect(bomb.count < 100_000)
        #expect(throws: ZlibError.tooLarge(limit: 1_000_000)) { try Zlib.decompress(bomb, maximumSize: 1_000_000) }
    }

    @Test func truncatedCorruptAndTrailingInputIsRefused() throws {
        let compressed = try Zlib.compress(prose)
        #expect(throws: ZlibError.truncated) { try Zlib.decompress(Array(compressed.prefix(compressed.count / 2)), maximumSize: 1 << 20) }
        #expect(throws: ZlibError.self) { try Zlib.decompress([0x78, 0x9c, 0xff, 0xff, 0x00], maximumSize: 1 << 20) }
        #expect(throws: ZlibError.self) { try Zlib.decompress(Array("not zlib at all".utf8), maximumSize: 1 << 20) }
        #expect(throws: ZlibError.self) { try Zlib.decompress(compressed + [1, 2, 3], maximumSize: 1 << 20) }
    }

    @Test func aPresetDictionaryMustMatch() throws {
        let dictionary = Array("visit statutory seen alone wishes observations".utf8)
        let small = Array("statutory visit: seen alone, wishes recorded".utf8)
        let with = try Zlib.compress(small, dictionary: dictionary)
        #expect(try Zlib.decompress(with, maximumSize: 1024, dictionary: dictionary) == small)
        #expect(throws: ZlibError.self) { try Zlib.decompress(with, maximumSize: 1024) }
    }
}
