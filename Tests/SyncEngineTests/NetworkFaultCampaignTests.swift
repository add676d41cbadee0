import AsyncHTTPClient
import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Seeded
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// A seeded campaign of syncs through a proxy that cuts requests and answers mid-body, stalls, and
/// delivers old requests again after newer ones. Every sync either completes or fails with a ``SyncError``
/// (nothing else, no crash); the next one resumes; at the end nothing is lost, duplicated or quarantined
/// and the replicas equal the peer.
///
/// `FIELDBOOK_CAMPAIGN=long` runs 300 syncs instead of 40; `FIELDBOOK_CAMPAIGN_SEED` picks another schedule.
@Suite(.serialized) struct NetworkFaultCampaignTests {
    static let long = ProcessInfo.processInfo.environment["FIELDBOOK_CAMPAIGN"] == "long"
    static let seed = UInt64(ProcessInfo.processInfo.environment["FIELDBOOK_CAMPAIGN_SEED"] ?? "") ?? 1

    @Test func syncsThroughABadNetworkCompleteOrFailCleanlyAndResume() async throws {
        let syncs = Self.long ? 300 : 40
        var rng = SplitMix64(seed: Self.seed)
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-1", worker: "sam")
        try await central.addCase("LA-2", worker: "lee")
        let port = Int(central.url.split(separator: ":").last ?? "") ?? 0
        let proxy = try await FaultyProxy(forwardingTo: port, seed: Self.seed &+ 99, faultRate: 0.35, stallSeconds: 2)
        defer { Task { await proxy.close() } }

        // One request per connection, so each request meets its own fault; a short timeout for the stalls.
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        configuration.timeout.connect = .seconds(1)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await campaign(syncs: syncs, rng: &rng, central: central, proxy: proxy, http: http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    private func campaign(syncs: Int, rng: inout SplitMix64, central: TestCentral, proxy: FaultyProxy, http: HTTPClient) async throws {
        let folder = try temporaryFolder()
        var devices: [Device] = []
        for user in ["sam", "lee", "priya"] {
            let direct = try await central.device(user, in: folder)
            try await direct.sync()  // the caseload, before the network turns bad
            var transport = HTTPSyncTransport(baseURL: proxy.url, client: http)
            transport.timeout = .seconds(1)
            var client = SyncClient(store: direct.store, transport: transport)
            client.pushBatch = 3
            client.pullBatch = 4
            devices.append(Device(store: direct.store, client: client))
        }

        var written: [String] = []
        var completed = 0, failed = 0
        for trial in 0..<syncs {
            let device = devices[rng.next(below: devices.count)]
            let author = device.store.author
            let caseID = author == "lee" ? "LA-2" : "LA-1"
            for _ in 0..<rng.next(below: 4) {
                let body = "\(author) note \(written.count)"
                if author == "priya" { _ = try device.store.addOversight(caseID: caseID, body: body) } else {
                    _ = try device.store.addNote(caseID: caseID, body: body)
                }
                written.append(body)
            }
            do {
                try await device.sync()
                completed += 1
            } catch let error as SyncError {
                failed += 1
                if case .refused(let refusal) = error {
                    Issue.record("trial \(trial): the peer refused a sync through a bad network: \(refusal)")
                }
            } catch {
                Issue.record("trial \(trial): a sync failed with something other than a SyncError: \(error)")
            }
        }

        // The network heals: every device syncs directly until quiet.
        for round in 0..<2 {
            for device in devices {
                let direct = SyncClient(store: device.store, transport: HTTPSyncTransport(baseURL: central.url))
                let summary = try await direct.sync()
                if round == 1 { #expect(summary.pushed == 0 && summary.rejected == 0) }
            }
        }
        let centralBodies = try await bodies(central.replica)
        let lost = Set(written).subtracting(centralBodies).count
        let duplicated = centralBodies.count - Set(centralBodies).count
        #expect(lost == 0)
        #expect(duplicated == 0)
        #expect(try await central.admin.storage.quarantine(state: nil).isEmpty, "a late duplicate is recognised, not quarantined")
        let reference = try await digest(central.replica)
        for device in devices {
            let visible = device.store.author == "lee" ? ["LA-2"] : device.store.author == "sam" ? ["LA-1"] : ["LA-1", "LA-2"]
            #expect(try await digest(device.store, cases: visible) == digest(central.replica, cases: visible), "\(device.store.author) converged")
            #expect(try device.store.pendingCount() == 0)
        }
        #expect(!reference.isEmpty)
        let tally = proxy.tally
        let faults = tally.faults.filter { $0.key != .none }.values.reduce(0, +)
        print("campaign network: seed \(Self.seed), syncs \(syncs) (completed \(completed), failed cleanly \(failed)), connections \(tally.connections), faults \(faults) \(tally.faults.filter { $0.key != .none }.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")), late duplicates \(tally.replays), records \(written.count), lost \(lost), duplicated \(duplicated)")
        #expect(failed > 0 && faults > syncs / 4, "the campaign must actually inject faults")
    }

    private func bodies(_ store: CaseStore) async throws -> [String] {
        try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT json_extract(fields, '$.body') FROM record WHERE type IN ('note', 'oversight')")
        }
    }

    private func digest(_ store: CaseStore, cases: [String]? = nil) async throws -> [String] {
        try await store.database.read { db in
            let filter = cases.map { "WHERE case_id IN (\($0.map { "'\($0)'" }.joined(separator: ",")))" } ?? ""
            return try String.fetchAll(db, sql: "SELECT device_id || ':' || seq || ':' || hash FROM change_log \(filter) ORDER BY device_id, seq")
        }
    }
}
