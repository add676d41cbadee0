import NIOPosix

/// Where large requests are decoded and answered: a thread of their own, one request at a time.
///
/// The peer's work blocks (inflating, parsing, SQLite), so it runs on NIO's shared thread pool, which has one
/// thread per core. Three 8 MiB pushes decoding at once took every thread, and another device's pull waited
/// 12 s behind them (docs/RELIABILITY.md). Requests heavier than ``ServerLimits/smallRequestBytes`` queue
/// here instead, so the shared pool always has threads for small requests; the queue is bounded by the
/// ``BodyBudget``. Like the shared pool, it lives as long as the process.
enum HeavyLane {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()
}
