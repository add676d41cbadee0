import Foundation
internal import PostgresNIO

/// Where the central database is: a `postgres://user:password@host:port/database` URL, checked before any
/// connection is tried, so that a mistyped URL is reported as such and not as a network failure.
///
/// `postgresql://` is accepted too (libpq's spelling). The user name and password may be percent-encoded.
/// `?sslmode=disable|prefer|require` chooses TLS as libpq does; the default is `prefer` (TLS where the server
/// offers it).
struct PostgresLocation: Sendable, Equatable {
    enum TLSMode: String, Sendable { case disable, prefer, require }

    let host: String
    let port: Int
    let user: String
    let password: String?
    let database: String
    let tls: TLSMode

    init(_ text: String) throws(PostgresOpenError) {
        func refuse(_ why: String) -> PostgresOpenError {
            PostgresOpenError("the PostgreSQL URL \(PostgresLocation.redacted(text)) \(why); write it as postgres://user:password@host:5432/database")
        }
        guard let components = URLComponents(string: text) else { throw refuse("cannot be read") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw refuse("does not start with postgres://")
        }
        guard let host = components.host, !host.isEmpty else { throw refuse("names no host") }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else { throw refuse("names no user") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw refuse("has port \(port), outside 1–65535") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard let database = path.removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            throw refuse("names no database (the part after the last /)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw refuse("has the parameter \(item.name), which is not understood (only sslmode is)") }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw refuse("has sslmode=\(item.value ?? ""); use disable, prefer or require")
            }
            tls = mode
        }
        self.host = host
        self.port = port
        self.user = user
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        self.database = database
        self.tls = tls
    }

    /// The URL without its password, for messages and logs.
    var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `text` with any password replaced, so that an error message never shows one.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(unreadable)"
    }

    /// The pool's configuration: connections to this database.
    func clientConfiguration() -> PostgresClient.Configuration {
        let mode: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(.makeClientConfiguration())
        case .require: mode = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password,
                                                         database: database, tls: mode)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// One connection's configuration, for the schema's migration when the storage opens.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: mode = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                database: database, tls: mode)
    }
}

/// Why the PostgreSQL storage could not be opened, in words the person starting the peer can act on.
public struct PostgresOpenError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
