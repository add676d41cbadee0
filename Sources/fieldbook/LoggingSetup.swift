import Foundation
import Logging

/// How every logger of the process writes: one line per entry on standard error, at `LOG_LEVEL` (default
/// info), with what devices sent escaped (``SafeLogHandler``).
enum LoggingSetup {
    /// swift-log may be set up once per process; the commands that log (serve, demo, admin) each ask.
    private static let installed: Void = {
        LoggingSystem.bootstrap { label in
            var handler = SafeLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
    }()

    static func bootstrap() { _ = installed }
}
