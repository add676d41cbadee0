// libFuzzer harness for a whole command line: `Interpreter.execute` (dispatch, Tokenizer, the internal
// CommandArguments, value checks, the store's writes and the read-only `sql`) on a scratch store in /tmp.
//
// The input is up to 8 lines, run in order, non-interactively (no questions asked; no network, so `enrol`
// and `sync` fail), at most one of them `sql`. The store is shared between inputs and remade every 1000,
// so a finding that depends on earlier inputs may need them to reproduce; most depend on the input alone
// (rerunning one input gets a fresh store seeded with case LA-1 and one visit, as below).
import FuzzSupport
import Foundation
import Repl
import Store

nonisolated(unsafe) var store: CaseStore?
nonisolated(unsafe) var runs = 0
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-fuzz-\(getpid())")

let cleanUp: Void = { atexit { try? FileManager.default.removeItem(at: folder) } }()

func freshStore() -> CaseStore {
    cleanUp
    store = nil
    try? FileManager.default.removeItem(at: folder)
    guard let made = try? CaseStore(path: folder.appendingPathComponent("store.sqlite").path, author: "fuzz.worker",
                                    durability: .normal)
    else { fatalError("cannot make the scratch store in \(folder.path)") }
    let seed = Interpreter(store: made, io: ScriptedIO(lines: []))
    guard seed.execute("case add LA-1 child=\"Jay Brooks\" dob=2015-03-09 category=CLA placement_start=2020-01-06") == .succeeded,
          seed.execute("visit LA-1 date=2020-02-03 type=statutory seen=yes alone=yes wishes=\"to see mum\"") == .succeeded
    else { fatalError("cannot seed the scratch store") }
    return made
}

@main enum Main { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if store == nil || runs % 1000 == 0 { store = freshStore() }
    runs += 1
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map(String.init)
    let io = ScriptedIO(lines: [])
    let interpreter = Interpreter(store: store!, io: io, keepGoing: true)
    var sqlRun = false
    for line in lines {
        // One `sql` per input: each may run for ReadOnlyQuery.timeLimit (10 s) by design.
        if line.trimmingCharacters(in: .whitespaces).hasPrefix("sql") {
            if sqlRun { continue }
            sqlRun = true
        }
        if interpreter.execute(line) == .quit { break }
    }
    return 0
}
