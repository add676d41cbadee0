import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// Users, devices and enrolment codes, the same on both engines.
@Suite struct UsersAndDevicesTests {
    let times = Times()

    @Test(arguments: Engine.allCases)
    func usersAreAddedOnceAndListedByName(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: times.at(0))
            try await storage.addUser(CentralUser(name: "priya", role: .supervisor, team: nil), now: times.at(1))
            await #expect(throws: CentralAdminError.self) {
                try await storage.addUser(CentralUser(name: "sam", role: .supervisor, team: "south"), now: times.at(2))
            }
            #expect(try await storage.users().map(\.name) == ["priya", "sam"])
            #expect(try await storage.user(named: "sam") == CentralUser(name: "sam", role: .worker, team: "north"))
            #expect(try await storage.user(named: "nobody") == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func anEnrolmentCodeIsUsedOnceAndExpires(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: times.at(0))
            try await storage.addEnrolmentCode(hash: "code-1", user: "sam", now: times.at(0), expiresAt: times.at(100))
            try await storage.addEnrolmentCode(hash: "code-2", user: "sam", now: times.at(0), expiresAt: times.at(10))

            let user = try await storage.redeemEnrolmentCode(hash: "code-1", deviceID: "device-a", deviceName: "tablet",
                                                             tokenHash: "token-a", now: times.at(5))
            #expect(user?.name == "sam")
            // Used: refused for any device.
            #expect(try await storage.redeemEnrolmentCode(hash: "code-1", deviceID: "device-b", deviceName: "phone",
                                                          tokenHash: "token-b", now: times.at(6)) == nil)
            // Expired.
            #expect(try await storage.redeemEnrolmentCode(hash: "code-2", deviceID: "device-b", deviceName: "phone",
                                                          tokenHash: "token-b", now: times.at(11)) == nil)
            // Unknown.
            #expect(try await storage.redeemEnrolmentCode(hash: "code-3", deviceID: "device-b", deviceName: "phone",
                                                          tokenHash: "token-b", now: times.at(6)) == nil)
            let device = try #require(try await storage.device(tokenHash: "token-a"))
            #expect(device.id == "device-a" && device.user == "sam" && device.name == "tablet" && device.enrolledAt == times.at(5))
            #expect(device.revokedAt == nil && device.lastSeenAt == nil)
            #expect(try await storage.device(tokenHash: "token-b") == nil)
            #expect(try await storage.devices().map(\.id) == ["device-a"])
        }
    }

    @Test(arguments: Engine.allCases)
    func aDeviceEnrolsAgainOnlyWithItsOwnUsersCode(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: times.at(0))
            try await storage.addUser(CentralUser(name: "kim", role: .worker, team: "south"), now: times.at(0))
            for (code, user) in [("sam-1", "sam"), ("sam-2", "sam"), ("kim-1", "kim")] {
                try await storage.addEnrolmentCode(hash: code, user: user, now: times.at(0), expiresAt: times.at(1000))
            }
            _ = try await storage.redeemEnrolmentCode(hash: "sam-1", deviceID: "device-a", deviceName: "tablet", tokenHash: "token-1", now: times.at(1))
            #expect(try await storage.revokeDevice("device-a", now: times.at(2)))
            #expect(!(try await storage.revokeDevice("device-a", now: times.at(3))))
            #expect(try await storage.device(tokenHash: "token-1")?.revokedAt == times.at(2))

            // Another user's code cannot take the device over; the code stays unused.
            let refusal = await #expect(throws: ProtocolError.self) {
                _ = try await storage.redeemEnrolmentCode(hash: "kim-1", deviceID: "device-a", deviceName: "stolen",
                                                          tokenHash: "token-x", now: times.at(4))
            }
            #expect(refusal?.code == "conflict")
            #expect(try await storage.device(tokenHash: "token-x") == nil)

            // Its own user's new code: same device, new token, no longer revoked.
            let again = try await storage.redeemEnrolmentCode(hash: "sam-2", deviceID: "device-a", deviceName: "tablet 2",
                                                              tokenHash: "token-2", now: times.at(5))
            #expect(again?.name == "sam")
            #expect(try await storage.device(tokenHash: "token-1") == nil)
            let device = try #require(try await storage.device(tokenHash: "token-2"))
            #expect(device.id == "device-a" && device.name == "tablet 2" && device.revokedAt == nil && device.enrolledAt == times.at(5))
            #expect(try await storage.devices().count == 1)

            // kim's code was left unused by the refusal.
            #expect(try await storage.redeemEnrolmentCode(hash: "kim-1", deviceID: "device-k", deviceName: "kim's",
                                                          tokenHash: "token-k", now: times.at(6))?.name == "kim")
        }
    }

    @Test(arguments: Engine.allCases)
    func aDeviceIsSeenAtMostOnceAMinute(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: nil), now: times.at(0))
            try await storage.addEnrolmentCode(hash: "c", user: "sam", now: times.at(0), expiresAt: times.at(1000))
            _ = try await storage.redeemEnrolmentCode(hash: "c", deviceID: "d", deviceName: "n", tokenHash: "t", now: times.at(1))
            try await storage.touchDevice("d", now: times.at(10))
            #expect(try await storage.device(tokenHash: "t")?.lastSeenAt == times.at(10))
            try await storage.touchDevice("d", now: times.at(40))
            #expect(try await storage.device(tokenHash: "t")?.lastSeenAt == times.at(10))
            try await storage.touchDevice("d", now: times.at(71))
            #expect(try await storage.device(tokenHash: "t")?.lastSeenAt == times.at(71))
        }
    }

    @Test(arguments: Engine.allCases)
    func enrolmentFailuresAreCountedForgottenAndCleared(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            #expect(try await storage.enrolmentFailures(from: "10.0.0.1") == nil)
            try await storage.recordEnrolmentFailure(from: "10.0.0.1", now: times.at(1), forgetBefore: times.at(0))
            try await storage.recordEnrolmentFailure(from: "10.0.0.1", now: times.at(2), forgetBefore: times.at(0))
            try await storage.recordEnrolmentFailure(from: "10.0.0.2", now: times.at(3), forgetBefore: times.at(0))
            let first = try #require(try await storage.enrolmentFailures(from: "10.0.0.1"))
            #expect(first.count == 2 && first.last == times.at(2))

            // A failure at 100 forgets addresses whose last failure was before 50.
            try await storage.recordEnrolmentFailure(from: "10.0.0.3", now: times.at(100), forgetBefore: times.at(50))
            #expect(try await storage.enrolmentFailures(from: "10.0.0.1") == nil)
            #expect(try await storage.enrolmentFailures(from: "10.0.0.2") == nil)
            #expect(try await storage.enrolmentFailures(from: "10.0.0.3")?.count == 1)

            try await storage.clearEnrolmentFailures(from: "10.0.0.3")
            #expect(try await storage.enrolmentFailures(from: "10.0.0.3") == nil)
        }
    }
}
