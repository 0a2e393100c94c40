import CFuzzerDriver
import Glibc

/// The whole `main` of a fuzz target: hands `test` to libFuzzer with the process's arguments
/// (`-runs`, `-max_total_time`, corpus directories …) and exits with libFuzzer's status.
public func fuzzMain(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
