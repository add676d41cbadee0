import Testing
@testable import Store

/// How new stores and data folders are made private.
@Suite struct PrivateFilesTests {
    /// `NSString.deletingLastPathComponent` trapped on a one-character path: `fieldbook --store x` crashed.
    @Test func theFolderOfAPath() {
        #expect(PrivateFiles.folder(containing: "x") == "")
        #expect(PrivateFiles.folder(containing: "d/s.sqlite") == "d")
        #expect(PrivateFiles.folder(containing: "/s.sqlite") == "/")
        #expect(PrivateFiles.folder(containing: "/a//b/s.sqlite") == "/a//b")
        #expect(PrivateFiles.folder(containing: "/a/b/") == "/a")
    }
}
