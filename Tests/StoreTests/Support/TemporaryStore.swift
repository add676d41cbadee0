import Foundation
import Synchronization
@testable import Store

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let now: Mutex<Date>

    init(_ start: String = "2026-11-20T12:00:00Z") {
        now = Mutex(ISO8601DateFormatter().date(from: start) ?? Date(timeIntervalSince1970: 1_790_000_000))
    }

    func advance(seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var date: Date { now.withLock { $0 } }
}

/// A fresh folder under the system's temporary directory, removed when the test is done with it.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

extension CaseStore {
    /// A store in `folder` with a fixed clock and UTC as the local zone.
    static func temporary(in folder: TemporaryFolder, name: String = "store.sqlite", author: String = "sam.okafor",
                          clock: TestClock = TestClock()) throws -> CaseStore {
        try CaseStore(path: folder.path(name), author: author, clock: { clock.date },
                      timeZone: TimeZone(identifier: "UTC") ?? .current)
    }

    func seedCase(_ id: String = "LA-1001") throws {
        try addCase(id: id, values: [("child", "Jay Brooks"), ("dob", "2015-03-09"), ("category", "CLA"),
                                     ("placement_start", "2026-10-01")])
    }

    func changeCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") ?? 0 }
    }
}
