// libFuzzer harness for the REPL's line parser, `Tokenizer.words` (Sources/Repl/Parsing/Tokenizer.swift):
// shell-like words with single and double quotes and backslash escapes. Any line must split into words
// or be refused with a ReplError. (CommandArguments, which splits words into key=value pairs, is
// internal; FuzzReplCommand reaches it through the interpreter.)
import FuzzSupport
import Repl

@main enum Main { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let line = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let words = try Tokenizer.words(line)
        // Words are made of the line's characters: never more text than came in (escapes only shrink).
        precondition(words.reduce(0) { $0 + $1.unicodeScalars.count } <= line.unicodeScalars.count)
    } catch is ReplError {
        return 0
    } catch {
        preconditionFailure("Tokenizer.words threw something other than a ReplError: \(error)")
    }
    return 0
}
