// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Fieldbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fieldbook", targets: ["fieldbook"]),
        .executable(name: "fieldbook-bench", targets: ["fieldbook-bench"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "SyncProtocol", targets: ["SyncProtocol"]),
        .library(name: "ClientSync", targets: ["ClientSync"]),
        .library(name: "Central", targets: ["Central"]),
        .library(name: "CentralSQLite", targets: ["CentralSQLite"]),
        .library(name: "CentralPostgres", targets: ["CentralPostgres"]),
        .library(name: "Repl", targets: ["Repl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        // Already resolved for Hummingbird; named so the server can see HTTP request parts (its deadlines).
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        // Already resolved for Hummingbird; named so the server can read a header it has no constant for.
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        // The central peer's PostgreSQL storage engine (CentralPostgres).
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
    ],
    targets: [
        // The local case store: schema, change capture, merge rules, hash chain, views.
        .target(
            name: "Store",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // zlib from the system (zlib1g-dev), wrapped for SyncProtocol's compression.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libedit: line editing, history and completion for the interactive terminal, loaded at run time
        // from libedit.so.2 (no headers needed to build), with the small C shim around it (signal handling,
        // character reading).
        .target(name: "CEditLine", linkerSettings: [.linkedLibrary("dl")]),
        // Sources/SyncEngine: moving changes between stores, independent of transport and storage, in three
        // modules. None of them imports GRDB or PostgresNIO (ModuleBoundaryTests reads the sources to check):
        // storage engines and transports are beside them.
        //
        // The protocol: messages (generated from Protocol/*.proto), frames, zlib compression with bounded
        // inflate, limits, error answers, and the transport seam (`SyncTransport`).
        .target(
            name: "SyncProtocol",
            dependencies: [
                "Store", "CZlib",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/SyncEngine/Protocol"
        ),
        // The client session: enrol, push and pull (`/v2/sync`, or `/v1/push` then `/v1/pull`), over any transport.
        .target(
            name: "ClientSync",
            dependencies: ["Store", "SyncProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/SyncEngine/Client"
        ),
        // The central peer's logic: enrolment, admission of changes, quarantine, pull plans, custody,
        // administration and migration, over the async storage protocol (`CentralStorage`).
        .target(
            name: "Central",
            dependencies: [
                "Store", "SyncProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/SyncEngine/Central"
        ),
        // The central peer's storage in SQLite (GRDB): the embedded default, one process per data folder.
        .target(
            name: "CentralSQLite",
            dependencies: [
                "Central", "SyncProtocol", "Store",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The central peer's storage in PostgreSQL (postgres-nio): several stateless peers on one database.
        .target(
            name: "CentralPostgres",
            dependencies: [
                "Central", "SyncProtocol", "Store",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The central peer over HTTP (Hummingbird).
        .target(
            name: "CentralHTTPServer",
            dependencies: [
                "Central", "SyncProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The client side of the protocol over HTTP (AsyncHTTPClient).
        .target(
            name: "SyncHTTPClient",
            dependencies: [
                "SyncProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The command interpreter, over an input/output abstraction.
        .target(name: "Repl", dependencies: ["Store", "ClientSync", "SyncProtocol", .product(name: "Crypto", package: "swift-crypto")]),
        // The `fieldbook` executable.
        .executableTarget(
            name: "fieldbook",
            dependencies: [
                "Repl", "Store", "SyncProtocol", "ClientSync", "Central", "CentralSQLite", "CentralHTTPServer", "CentralPostgres", "SyncHTTPClient", "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The benchmark executable (docs/BENCHMARKS.md): real stores, a real peer on loopback, and the
        // physical-limit baselines in the same run. Run it with -c release.
        .executableTarget(
            name: "fieldbook-bench",
            dependencies: [
                "Store", "SyncProtocol", "ClientSync", "Central", "CentralSQLite", "CentralHTTPServer", "CentralPostgres",
                "SyncHTTPClient", "Seeded",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks"
        ),
        // What the tests and the benchmarks share: the seeded generator, and readings of a process's memory.
        .target(name: "Seeded", path: "Tests/Seeded"),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "Seeded",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SyncEngineTests",
            dependencies: ["SyncProtocol", "ClientSync", "Central", "CentralSQLite", "Store", "CentralHTTPServer",
                           "SyncHTTPClient", "Seeded",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        // The storage protocol's behaviour, written once and run against both engines (SQLite, PostgreSQL).
        .testTarget(
            name: "CentralStorageTests",
            dependencies: ["CentralPostgres", "CentralSQLite", "Central", "SyncProtocol", "ClientSync", "Store", "Seeded", "CentralHTTPServer", "SyncHTTPClient",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(name: "ReplTests", dependencies: ["Repl", "Store"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["fieldbook", "Store", "SyncProtocol", "ClientSync", "Central", "CentralSQLite", "SyncHTTPClient", "Seeded", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
