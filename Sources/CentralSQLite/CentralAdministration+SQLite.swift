import Central
import Foundation

extension CentralAdministration {
    /// Administration over a SQLite storage, acting as the actor it was opened for.
    public init(storage: SQLiteCentralStorage, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(storage: storage, actor: storage.replica.author, clock: clock)
    }
}
