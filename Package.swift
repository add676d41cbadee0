// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Fieldbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fieldbook", targets: ["fieldbook"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "SyncEngine", targets: ["SyncEngine"]),
        .library(name: "Repl", targets: ["Repl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
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
        // zlib from the system (zlib1g-dev), wrapped for SyncEngine's compression.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Moving changes between stores. Depends on Store only.
        .target(name: "SyncEngine", dependencies: ["Store", "CZlib"]),
        // The command interpreter, over an input/output abstraction.
        .target(name: "Repl", dependencies: ["Store", "SyncEngine"]),
        // The `fieldbook` executable.
        .executableTarget(
            name: "fieldbook",
            dependencies: [
                "Repl", "Store", "SyncEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SyncEngineTests", dependencies: ["SyncEngine"]),
        .testTarget(name: "ReplTests", dependencies: ["Repl", "Store"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["fieldbook", "Store", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
