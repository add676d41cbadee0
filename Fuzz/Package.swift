// swift-tools-version:6.1
// libFuzzer harnesses for Fieldbook's decoders of untrusted input. A separate package so that the
// root package's build (and CI) never sees -sanitize=fuzzer. Build and run with Fuzz/run.sh; see README.md.
import Foundation
import PackageDescription

// SwiftPM names a path dependency by its folder, so `..` is whatever the clone's folder is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

func harness(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: root) })
}

let package = Package(
    name: "FieldbookFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport"),                         // the entry point every harness shares
        harness("FuzzFrame", ["SyncProtocol"]),               // Frame.decode (header, limits, zlib)
        harness("FuzzMessage", ["SyncProtocol", "Store"]),    // MessageCodec.decode + decoded() conversions
        harness("FuzzReplParser", ["Repl"]),                  // Tokenizer.words
        harness("FuzzReplCommand", ["Repl", "Store"]),        // Interpreter.execute on a scratch store
    ]
)
