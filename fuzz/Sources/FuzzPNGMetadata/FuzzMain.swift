import CFuzzerDriver

/// SwiftPM links every executable with its own `main`, so libFuzzer's `main` is not used:
/// this one hands the command line to libFuzzer's driver, which accepts the usual flags
/// (`-max_total_time=60 corpus/`, `-runs=…`, a crash file to reproduce, …).
@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            guard let data else { return 0 }
            return fuzz(UnsafeRawPointer(data), size)
        }
        exit(status)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
