import Central
@testable import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncProtocol
import Testing

/// Two instances of the whole peer (``CentralPeer``, admission included) on one PostgreSQL database.
@Suite struct PostgresPeerConcurrencyTests {
    /// A device's pushes reach two instances at once (a retry through another instance behind a load
    /// balancer): each change is accepted once, by one of them, and the other answers it as a duplicate.
    @Test func aPushSentToTwoInstancesAtOnceIsAcceptedOnce() async throws {
        try await TestDatabase.with { database in
            let storages = [try await database.open(), try await database.open()]
            defer { storages.forEach { $0.close() } }
            var logger = Logger(label: "test.central")
            logger.logLevel = .critical
            let peers = storages.map { CentralPeer(storage: $0, logger: logger) }
            let storage = storages[0]
            let times = Times()

            // A worker with a case allocated an hour ago, and an enrolled device.
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: times.at(0))
            try await storage.intake { intake in
                try await intake.allocate("c1", to: "sam", at: times.at(0), reason: "case added", by: "admin")
            }
            let token = Credentials.newToken()
            try await storage.addEnrolmentCode(hash: "code", user: "sam", now: times.at(0), expiresAt: times.at(100_000))
            let chain = HandChain(author: "sam", clock: HandClock())
            _ = try await storage.redeemEnrolmentCode(hash: "code", deviceID: chain.deviceID, deviceName: "tablet",
                                                      tokenHash: Credentials.hash(token), now: times.at(0))

            var statuses: [ChangeID: [Fieldbook_V1_PushResult.Status]] = [:]
            for _ in 0..<5 {
                let batch = (0..<10).map { _ in chain.note("a note", case: "c1") }
                var request = Fieldbook_V1_PushRequest()
                request.changes = batch.map { Fieldbook_V1_Change($0) }
                let body = try MessageCodec.encode(request)
                let answers = try await withThrowingTaskGroup(of: PeerResponse.self) { group in
                    for peer in peers {
                        group.addTask {
                            await peer.handle(PeerRequest(method: "POST", path: "/v1/push", authorization: "Bearer \(token)", body: body))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for answer in answers {
                    #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
                    for result in try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results {
                        statuses[try result.id.decoded(), default: []].append(result.status)
                    }
                }
            }
            #expect(statuses.count == 50)
            #expect(statuses.values.allSatisfy { $0.sorted { $0.rawValue < $1.rawValue } == [.accepted, .duplicate] })
            let logged = try await storage.changes(after: 0, in: ["c1"], limit: 100).changes
            #expect(logged.map(\.change.id.seq) == Array(1...50))
            #expect(try await storage.quarantine(state: nil).isEmpty)
            #expect(try await storages[1].intake { try await $0.chainHead(of: chain.deviceID) }?.seq == 50)
        }
    }
}
