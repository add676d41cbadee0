// What every harness shares: its entry point.
//
// Why a @main that calls libFuzzer's driver, rather than libFuzzer's own main(): on Linux SwiftPM (tools
// version 5.5 and later) compiles an executable target with `-entry-point-function-name <Module>_main`
// and links it with `--defsym main=<Module>_main`. A target that defines only LLVMFuzzerTestOneInput
// then fails to link ("undefined symbol 'FuzzFrame_main' referenced in expression"). Each harness
// therefore has `@main enum Main { static func main() { runLibFuzzer(fuzz) } }`, which becomes
// <Module>_main, and hands control to LLVMFuzzerRunDriver (libFuzzer's public API for custom mains).
// Link with -sanitize=fuzzer (Fuzz/run.sh does), which brings in libFuzzer.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with this process's arguments (corpus folders, -max_len=..., a crash file to replay).
public func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}
