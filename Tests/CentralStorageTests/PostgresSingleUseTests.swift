import Central
@testable import CentralPostgres
import Foundation
import PostgresNIO
import Store
import Testing

/// What may happen once however many instances try at the same moment: an enrolment code is redeemed by one
/// device, and a case has one open allocation. Each test holds a row lock from a third session, so that
/// both instances' statements are truly in flight together (checked in `pg_stat_activity`) before it lets
/// them go; what they run is the storage's own code.
@Suite struct PostgresSingleUseTests {
    let times = Times()

    @Test func anEnrolmentCodeRedeemedThroughTwoInstancesAtOnceEnrolsOneDevice() async throws {
        try await TestDatabase.with { database in
            let first = try await database.open()
            let second = try await database.open()
            defer { first.close(); second.close() }
            try await first.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: times.at(0))
            try await first.addEnrolmentCode(hash: "code", user: "sam", now: times.at(0), expiresAt: times.at(1_000))

            let outcomes = try await whileRowIsLocked("SELECT 1 FROM central_enrolment WHERE code_hash = 'code' FOR UPDATE",
                                                      on: database, waiters: 2) {
                async let tablet = first.redeemEnrolmentCode(hash: "code", deviceID: "tablet", deviceName: "tablet",
                                                             tokenHash: "t1", now: times.at(1))
                async let phone = second.redeemEnrolmentCode(hash: "code", deviceID: "phone", deviceName: "phone",
                                                             tokenHash: "t2", now: times.at(1))
                return try await [tablet?.name, phone?.name]
            }
            #expect(outcomes.compactMap { $0 } == ["sam"], "\(outcomes)")
            #expect(try await first.devices().count == 1)
        }
    }

    @Test func twoInstancesAllocatingOneCaseAtOnceLeaveOneOpenAllocation() async throws {
        try await TestDatabase.with { database in
            let first = try await database.open()
            let second = try await database.open()
            defer { first.close(); second.close() }
            try await first.intake { try await $0.allocate("c1", to: "sam", at: times.at(0), reason: "case added", by: "admin") }

            let outcomes = try await whileRowIsLocked("SELECT 1 FROM central_allocation WHERE case_id = 'c1' FOR UPDATE",
                                                      on: database, waiters: 2) {
                async let lee = Self.result { try await first.intake { try await $0.allocate("c1", to: "lee", at: times.at(1), reason: nil, by: "priya") } }
                async let kim = Self.result { try await second.intake { try await $0.allocate("c1", to: "kim", at: times.at(1), reason: nil, by: "ola") } }
                return await [lee, kim]
            }
            // One committed; the other's insert met the first's open allocation: a conflict, nothing stored.
            let conflicts = outcomes.filter { if case .failure(CentralStorageError.conflict) = $0 { true } else { false } }
            #expect(conflicts.count == 1, "\(outcomes)")
            let winner = outcomes[0].isSuccess ? "lee" : "kim"
            var allocations = try await first.allocations(of: "c1")
            #expect(allocations.map(\.worker) == ["sam", winner])
            #expect(allocations.filter { $0.to == nil }.map(\.worker) == [winner])

            // Run again, as the peer does after a conflict, the loser's allocation follows the winner's.
            let loser = winner == "lee" ? "kim" : "lee"
            try await second.intake { try await $0.allocate("c1", to: loser, at: times.at(2), reason: nil, by: "ola") }
            allocations = try await second.allocations(of: "c1")
            #expect(allocations.map(\.worker) == ["sam", winner, loser])
            #expect(allocations.filter { $0.to == nil }.map(\.worker) == [loser])
        }
    }

    /// Runs `body` while a third session holds the row lock `lockingQuery` takes, and lets go once `waiters`
    /// sessions of the database wait on a lock.
    private func whileRowIsLocked<T: Sendable>(_ lockingQuery: String, on database: TestDatabase, waiters: Int,
                                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let holder = try await database.open()
        defer { holder.close() }
        let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holding = Task {
            try await holder.transaction { connection in
                try await connection.query(PostgresQuery(unsafeSQL: lockingQuery), logger: holder.logger)
                lockedSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in locked { break }
        let running = Task { try await body() }
        try await waitUntil { try await sessionsWaitingOnLocks(holder) == waiters }
        releaseSignal.yield()
        releaseSignal.finish()
        try await holding.value
        return try await running.value
    }

    private static func result(_ work: () async throws -> Void) async -> Result<Void, any Error> {
        do { try await work(); return .success(()) } catch { return .failure(error) }
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}

/// How many sessions of the storage's database wait on a lock of any kind.
func sessionsWaitingOnLocks(_ storage: PostgresCentralStorage) async throws -> Int {
    let rows = try await storage.rows("""
        SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
        """)
    return Int(try rows.first?.decode(Int64.self) ?? 0)
}
