import Foundation
import Testing
@testable import Store

/// Files written whole and private, for `export`.
@Suite struct PrivateFileWriteTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    private func mode(_ path: String) -> mode_t {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o777 : 0
    }

    private func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".tmp") }
    }

    @Test func aNewFileIsPrivateAndWhole() throws {
        let path = folder.path("record.html")
        try PrivateFiles.write(Array("hello".utf8), toPath: path, replacing: false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello")
        #expect(mode(path) == 0o600)
        #expect(try leftovers().isEmpty)
    }

    @Test func anExistingFileIsKeptUnlessReplacing() throws {
        let path = folder.path("record.txt")
        try PrivateFiles.write(Array("first".utf8), toPath: path, replacing: false)
        #expect(throws: PrivateFiles.WriteError.exists(path: path)) {
            try PrivateFiles.write(Array("second".utf8), toPath: path, replacing: false)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
        try PrivateFiles.write(Array("second".utf8), toPath: path, replacing: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(mode(path) == 0o600)
        #expect(try leftovers().isEmpty)
    }

    @Test func aLinkIsNeverFollowed() throws {
        let target = folder.path("elsewhere.txt")
        try "precious".write(toFile: target, atomically: false, encoding: .utf8)
        let link = folder.path("link.txt")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: PrivateFiles.WriteError.exists(path: link)) {
            try PrivateFiles.write(Array("x".utf8), toPath: link, replacing: false)
        }
        let dangling = folder.path("dangling.txt")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder.path("nowhere.txt"))
        #expect(throws: PrivateFiles.WriteError.exists(path: dangling)) {
            try PrivateFiles.write(Array("x".utf8), toPath: dangling, replacing: false)
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
        #expect(!FileManager.default.fileExists(atPath: folder.path("nowhere.txt")))
    }

    @Test func aMissingFolderIsSaidAndLeavesNothing() throws {
        let path = folder.path("no/such/folder/record.md")
        do {
            try PrivateFiles.write(Array("x".utf8), toPath: path, replacing: false)
            Issue.record("wrote into a missing folder")
        } catch let error as PrivateFiles.WriteError {
            #expect(error.description.hasPrefix("cannot write \(path): cannot create a file in"))
            #expect(error.description.contains("No such file or directory"))
        }
    }
}
