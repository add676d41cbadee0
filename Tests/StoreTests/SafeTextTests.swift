import Testing
@testable import Store

/// The one escaping rule every output path uses.
@Suite struct SafeTextTests {
    @Test func everyControlCharacterIsWrittenAsItsCodePoint() {
        #expect(SafeText.escaped("\u{1B}[2J\u{1B}]0;title\u{07}") == #"\u{1B}[2J\u{1B}]0;title\u{07}"#)
        #expect(SafeText.escaped("a\u{0}b\u{7F}c\u{80}d\u{9B}e\u{9F}") == #"a\u{00}b\u{7F}c\u{80}d\u{9B}e\u{9F}"#)
        #expect(SafeText.escaped("\u{202A}\u{202E}\u{2066}\u{2069}") == #"\u{202A}\u{202E}\u{2066}\u{2069}"#)
        #expect(SafeText.escaped("one\ntwo\tthree\rfour") == #"one\u{0A}two\u{09}three\u{0D}four"#)
    }

    @Test func proseKeepsItsLineBreaksAndTabsButNotCarriageReturns() {
        #expect(SafeText.escaped("one\ntwo\tthree\rfour\u{1B}", lineBreaks: .kept) == "one\ntwo\tthree\\u{0D}four\\u{1B}")
    }

    @Test func ordinaryTextIsUnchanged() {
        let text = "Zoë Lee — “quoted” 日本 \u{200F}مرحبا\\u{1B} é"
        #expect(SafeText.escaped(text) == text)
        #expect(!SafeText.needsEscaping(text))
    }
}
