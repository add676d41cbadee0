import Central
import CentralSQLite
import ClientSync
import Foundation
import Seeded
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// The real `fieldbook serve`, attacked with bodies built from Protocol/SPEC.md (frames, zlib, protobuf
/// written by hand), and its peak memory read from /proc (issue 11, item 16). docs/RELIABILITY.md has the
/// figures before and after, from `Tools/attack-peer.py`.
@Suite(.serialized) struct PeerResourceBoundsTests {
    /// A fresh peer with workers sam and lee, lee holding case LA-1, and a device token for each.
    struct Peer {
        let scratch: Scratch
        let server: RunningServer
        let tokens: [String: String]
        var transport: HTTPSyncTransport { HTTPSyncTransport(baseURL: server.url) }

        static func start() async throws -> Peer {
            let scratch = try Scratch()
            let binary = try FieldbookBinary()
            let data = scratch.path("central")
            for user in ["sam", "lee"] {
                _ = try binary.run(["admin", "--data", data, "user", "add", user, "--role", "worker", "--team", "north"])
            }
            _ = try binary.run(["admin", "--data", data, "case", "add", "LA-1", "--child", "A Child", "--dob", "2015-01-01",
                                "--category", "CP", "--worker", "lee"])
            let server = try RunningServer(binary: binary, data: data)
            var tokens: [String: String] = [:]
            for user in ["sam", "lee"] {
                let code = try binary.run(["admin", "--data", data, "user", "code", user]).output
                    .split(whereSeparator: \.isWhitespace).last.map(String.init) ?? ""
                var enrol = Fieldbook_V1_EnrolRequest()
                enrol.code = code
                enrol.deviceID = "e2e-\(user)"
                enrol.protocolVersion = 1
                let answer = try await HTTPSyncTransport(baseURL: server.url).post(path: "/v1/enrol", body: try MessageCodec.encode(enrol), token: nil)
                tokens[user] = try MessageCodec.decode(Fieldbook_V1_EnrolResponse.self, from: answer.body).token
            }
            return Peer(scratch: scratch, server: server, tokens: tokens)
        }

        /// The server's peak resident memory so far, in MiB (VmHWM).
        func peakMiB() -> Int {
            ProcessMemory.peakBytes(of: server.process.processIdentifier) >> 20
        }

        func errorCode(_ body: [UInt8]) -> String? {
            (try? MessageCodec.decode(Fieldbook_V1_ErrorResponse.self, from: body))?.code
        }
    }

    /// Runs CPU-heavy preparation on a thread of its own: Swift's cooperative threads (one per core) also run
    /// the servers of the tests beside this one, which would otherwise wait for it.
    private static func prepared<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    /// `pattern` repeated to `count` bytes (by doubling: quick even in a debug build).
    private static func repeated(_ pattern: [UInt8], count: Int) -> [UInt8] {
        var bytes = pattern
        while bytes.count < count { bytes += bytes.prefix(count - bytes.count) }
        return bytes
    }

    private static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
        var out = [UInt8(number << 3 | 2)]
        var length = UInt64(payload.count)
        repeat {
            out.append(UInt8(length & 0x7F) | (length >= 0x80 ? 0x80 : 0))
            length >>= 7
        } while length > 0
        return out + payload
    }

    /// Found in review: a 32 KiB push inflating to 16.7 million empty changes took the peer to 3.8 GB and
    /// 26 s before its 413; lists inside changes, and many lists within their own limits, did the same.
    @Test func bombsAreRefusedBeforeTheyAreBuilt() async throws {
        let peer = try await Peer.start()
        defer { peer.server.stop() }
        let bombs = try await Self.prepared { () throws -> [(name: String, path: String, body: [UInt8], status: Int)] in
            let limit = ProtocolLimits.maximumMessageBytes
            let write = Self.field(9, Self.field(1, Array("body".utf8)) + Self.repeated(Self.field(3, []), count: 2 * 4096))
            let change = Self.field(1, Self.repeated(write, count: 64 * write.count))
            let messages: [(String, String, [UInt8], Int)] = [
                ("16.7 million empty changes", "/v1/push", Self.repeated([0x0A, 0x00], count: limit), 413),
                ("one change with 16.7 million empty writes", "/v1/push", Self.field(1, Self.repeated([0x4A, 0x00], count: limit - 8)), 400),
                ("16 million ids, every list within its limit", "/v1/push", Self.repeated(change, count: limit / change.count * change.count), 413),
                ("16.7 million empty held cases", "/v1/pull", Self.repeated([0x1A, 0x00], count: limit), 413),
            ]
            return try messages.map { ($0.0, $0.1, try Frame.encode($0.2, compress: true, useDictionary: false), $0.3) }
        }
        for bomb in bombs {
            let body = bomb.body
            #expect(body.count < 64 * 1024, "\(bomb.name): a small body")
            let answer = try await peer.transport.post(path: bomb.path, body: body, token: peer.tokens["sam"])
            #expect(answer.status == bomb.status, "\(bomb.name)")
        }
        // The time each took is in docs/RELIABILITY.md; here, beside other tests, only memory is a fair measure.
        let peak = peer.peakMiB()
        #expect(peak < 256, "the peer's peak memory was \(peak) MiB")
        #expect(try await peer.transport.health().contains("\"status\":\"ok\""))
    }

    /// A push of `count` well-formed notes with 64 KiB values of random letters `acgt` (their hashes are
    /// wrong, so the peer quarantines them): about 4 MiB of message per 1 MiB of body. The values take turns
    /// from `values`; zlib's 32 KiB window cannot see one 64 KiB value from the next, so each compresses 4:1.
    private static func largePush(device: String, firstSeq: Int, count: Int, values: [[UInt8]]) -> [UInt8] {
        var message: [UInt8] = []
        for n in 0..<count {
            let seq = firstSeq + n
            let value = values[n % values.count]
            var id = field(1, Array(device.utf8))
            id += [0x10] + varintBytes(UInt64(seq))
            var change = field(1, id)
            change += [0x10] + varintBytes(UInt64(1_795_000_000_000) << 16)
            let texts: [(UInt64, String)] = [(3, "2026-11-20T12:00:00.000Z"), (4, "sam"), (5, "rec-\(seq)"), (6, "note"), (7, "LA-1"), (8, "create")]
            for (number, text) in texts {
                change += field(number, Array(text.utf8))
            }
            change += field(9, field(1, Array("body".utf8)) + field(2, value))
            change += field(11, Array(repeating: 0x30, count: 64)) + field(12, Array(repeating: 0x66, count: 64))
            message += field(1, change)
        }
        return message
    }

    private static func varintBytes(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7F) | (value >= 0x80 ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return out
    }

    /// Found in review: three 8 MiB pushes at once held every thread of the peer, and another device's pull
    /// waited 12.5 s behind them (3–5 ms alone).
    @Test func largePushesDoNotStallAnotherDevicesPull() async throws {
        let peer = try await Peer.start()
        defer { peer.server.stop() }
        let bodies = try await Self.prepared { () throws -> [[UInt8]] in
            var random = SplitMix64(seed: 11)
            let alphabet = Array("acgt".utf8)
            let values = (0..<8).map { _ in
                (0..<65_536 / 32).flatMap { _ -> [UInt8] in
                    var bits = random.next()
                    return (0..<32).map { _ in
                        defer { bits >>= 2 }
                        return alphabet[Int(bits & 3)]
                    }
                }
            }
            return try (0..<3).map { push in
                var count = 420
                var body = try Frame.encode(Self.largePush(device: "e2e-sam", firstSeq: 1 + push * 1000, count: count, values: values))
                while body.count > ProtocolLimits.maximumBodyBytes {
                    count -= 20
                    body = try Frame.encode(Self.largePush(device: "e2e-sam", firstSeq: 1 + push * 1000, count: count, values: values))
                }
                return body
            }
        }
        var pull = Fieldbook_V1_PullRequest()
        pull.heldCases = ["LA-1"]
        pull.maxChanges = 1000
        let pullBody = try MessageCodec.encode(pull)
        let transport = peer.transport
        let lee = try #require(peer.tokens["lee"])
        let sam = try #require(peer.tokens["sam"])

        let slowest = try await withThrowingTaskGroup(of: (push: Int?, pull: Double?).self) { group in
            for body in bodies {
                group.addTask { (try await transport.post(path: "/v1/push", body: body, token: sam).status, nil) }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(500))
                var slowest = 0.0
                for _ in 0..<60 {
                    let started = Date()
                    #expect(try await transport.post(path: "/v1/pull", body: pullBody, token: lee).status == 200)
                    slowest = max(slowest, Date().timeIntervalSince(started))
                    try await Task.sleep(for: .milliseconds(100))
                }
                return (nil, slowest)
            }
            var slowest = 0.0
            var pushes: [Int] = []
            for try await result in group {
                if let status = result.push { pushes.append(status) }
                if let pull = result.pull { slowest = pull }
            }
            #expect(pushes.allSatisfy { $0 == 200 || $0 == 503 }, "\(pushes)")
            #expect(pushes.contains(200))
            return slowest
        }
        #expect(slowest < 3, "another device's pull waited \(slowest) s behind the large pushes")
    }
}
