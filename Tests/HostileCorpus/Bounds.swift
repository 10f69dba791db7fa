/// The bounds every command must keep on every input of the corpus (all inputs are at most
/// 10 MB). `payload` is what a case may legitimately store or print (`HostileCase.payloadBytes`).
public struct HostileBounds: Sendable {
    /// User plus system CPU time of one command, or of one gallery request.
    public var cpuSeconds = 2.0
    /// Peak resident set of one command, or of the gallery server after a request.
    public var peakRSSBytes = 256 << 20
    /// Wall-clock time of one command or request (a hang breaks it).
    public var wallSeconds = 10.0
    /// Bytes written to disk (temporary and staged files included): this plus
    /// `diskPayloadFactor` times the payload. Text a file legitimately carries is stored several
    /// times (the generation, the text chunk, the search index), each page twice (WAL, then the
    /// database), and `rebuild` writes a backup and a new catalog: hence 8.
    public var diskBytes = 64 << 20
    public var diskPayloadFactor = 8
    /// Bytes printed (stdout and stderr), or sent in one response: this plus
    /// `outputPayloadFactor` times the payload.
    public var outputBytes = 16 << 20
    public var outputPayloadFactor = 2
    /// A grid page (`/`, `/?q=…`) of the gallery: CPU time and size (an ordinary page of the
    /// 100,000-image library takes a few milliseconds: bench/README.md, gallery.sh).
    public var gridPageCPUSeconds = 0.1
    public var gridPageBytes = 1 << 20

    public init() {}

    public func disk(payload: Int) -> Int { diskBytes + diskPayloadFactor * payload }
    public func output(payload: Int) -> Int { outputBytes + outputPayloadFactor * payload }

    /// The bounds `measurement` broke, one phrase each.
    public func violations(_ measurement: Measurement, payload: Int, gridPage: Bool = false, checkRSS: Bool = true)
        -> [String]
    {
        var broken: [String] = []
        if measurement.timedOut {
            broken.append("killed after \(Self.seconds(measurement.wallSeconds)) s of wall time")
        }
        let cpuLimit = gridPage ? gridPageCPUSeconds : cpuSeconds
        if measurement.cpuSeconds > cpuLimit {
            broken.append("CPU \(Self.seconds(measurement.cpuSeconds)) s > \(Self.seconds(cpuLimit)) s")
        }
        if checkRSS, measurement.peakRSSBytes > peakRSSBytes {
            broken.append(
                "peak RSS \(Self.megabytes(measurement.peakRSSBytes)) MB > \(peakRSSBytes >> 20) MiB")
        }
        if !measurement.timedOut, measurement.wallSeconds > wallSeconds {
            broken.append("wall \(Self.seconds(measurement.wallSeconds)) s > \(Self.seconds(wallSeconds)) s")
        }
        if measurement.diskBytes > disk(payload: payload) {
            broken.append(
                "wrote \(Self.megabytes(measurement.diskBytes)) MB > \(Self.megabytes(disk(payload: payload))) MB")
        }
        let outputLimit = gridPage ? gridPageBytes : output(payload: payload)
        if measurement.outputBytes > outputLimit {
            broken.append("output \(Self.megabytes(measurement.outputBytes)) MB > \(Self.megabytes(outputLimit)) MB")
        }
        if let signal = measurement.signal, !measurement.timedOut {
            // SIGXCPU is the runner's CPU limit (tests): the CPU bound already says it.
            if signal != 24 { broken.append("ended by signal \(signal)") }
        }
        return broken
    }

    static func seconds(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    static func megabytes(_ bytes: Int) -> String {
        let tenths = Int((Double(bytes) / 100_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The bounds in words, for the bench's report.
    public var description: String {
        "CPU <= \(Self.seconds(cpuSeconds)) s, peak RSS <= \(peakRSSBytes >> 20) MiB, "
            + "wall <= \(Self.seconds(wallSeconds)) s, "
            + "disk <= \(diskBytes >> 20) MiB + \(diskPayloadFactor) x payload, "
            + "output <= \(outputBytes >> 20) MiB + \(outputPayloadFactor) x payload, per command or request; grid "
            + "pages <= \(Self.seconds(gridPageCPUSeconds)) s CPU and \(gridPageBytes >> 20) MiB; nothing outside the "
            + "library read, changed or added; command lines shown run only gptimg; no crash"
    }
}
