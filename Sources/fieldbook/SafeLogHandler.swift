import Logging
import Store

/// A log handler that escapes every metadata value and the message (``SafeText``) before another handler
/// writes them.
///
/// The peer's log lines carry what devices sent: a device id, a path, a quarantine reason that quotes a
/// change. A newline in one would start a forged log line (`... info fieldbook.central: ... enrolled`), and
/// an escape sequence would drive the terminal of whoever tails the log. Wrapping the handler once, where
/// logging is set up, covers every logger of the process (the peer's, Hummingbird's) without escaping at
/// each call.
struct SafeLogHandler: LogHandler {
    private var inner: any LogHandler

    /// This handler's own metadata (set with `logger[metadataKey:]`); merged and escaped at each log call.
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(wrapping inner: any LogHandler) {
        var inner = inner
        metadataProvider = inner.metadataProvider
        metadata = inner.metadata
        // The inner handler gets everything from here, escaped; it keeps none of its own.
        inner.metadata = [:]
        inner.metadataProvider = nil
        self.inner = inner
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var safe = Logger.Metadata()
        for (key, value) in merged { safe[SafeText.escaped(key)] = Self.escaped(value) }
        inner.log(event: LogEvent(level: event.level, message: "\(SafeText.escaped(event.message.description))",
                                  metadata: safe.isEmpty ? nil : safe, source: event.source,
                                  file: event.file, function: event.function, line: event.line))
    }

    /// A metadata value with every string in it escaped, newlines included: a log entry is one line.
    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): return .string(SafeText.escaped(text))
        case .stringConvertible(let convertible): return .string(SafeText.escaped(convertible.description))
        case .array(let values): return .array(values.map(escaped))
        case .dictionary(let entries):
            var safe = Logger.Metadata()
            for (key, value) in entries { safe[SafeText.escaped(key)] = escaped(value) }
            return .dictionary(safe)
        }
    }
}
