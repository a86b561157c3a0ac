import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot

extension Profile {
    /// The operations that tile a step on the calling thread (everything else nests inside one of them).
    static let stepOperations: [ProfiledOperation] = [
        .batch, .forward, .loss, .weightGradient, .biasGradient, .inputGradient, .optimizer, .join,
    ]
    static let poolOperations: [ProfiledOperation] = [.task, .packA, .packB, .spin, .sleep]

    /// FLOPs and bytes of one call of a per-layer operation, counted from the shapes (Float32: 4 bytes a value).
    ///   forward, ∂W, ∂X: 2·M·in·out FLOPs; bytes: both operands and the result (∂X also reads the ReLU mask);
    ///   bias gradient: M·out adds; loss: 3 per output; Adam ≈ 10 FLOPs and 28 bytes a parameter (θ, m, v read
    ///   and written, g read), SGD with momentum 4 and 20.
    func cost(_ op: ProfiledOperation, layer l: Int) -> (flops: Double, bytes: Double) {
        let sizes = configuration.sizes
        let m = Double(configuration.batch ?? configuration.samples)
        guard l >= 0, l + 1 < sizes.count else {
            if op == .loss {
                let n = m * Double(sizes.last!)
                return (3 * n, 12 * n)
            }
            return (0, 0)
        }
        let (din, dout) = (Double(sizes[l]), Double(sizes[l + 1]))
        switch op {
        case .forward: return (2 * m * din * dout, 4 * (m * din + din * dout + m * dout + dout))
        case .weightGradient: return (2 * m * din * dout, 4 * (m * dout + m * din + din * dout))
        case .inputGradient: return (2 * m * din * dout, 4 * (m * dout + din * dout + 2 * m * din))
        case .biasGradient: return (m * dout, 4 * (m * dout + dout))
        case .optimizer:
            let parameters = din * dout + dout
            return configuration.optimizer == .adam
                ? (10 * parameters, 28 * parameters) : (4 * parameters, 20 * parameters)
        default: return (0, 0)
        }
    }

    func aggregate(_ events: [OperationProfiler.Event], threads: Int) -> [OperationRow] {
        struct Key: Hashable {
            let op: ProfiledOperation
            let layer: Int
            let thread: Int
        }
        var totals: [Key: (calls: Int, nanoseconds: UInt64)] = [:]
        for e in events {
            let perLayer = e.thread == 0 && (Profile.stepOperations + [.step]).contains(e.operation)
            let key = Key(op: e.operation, layer: perLayer ? Int(e.layer) : -1, thread: perLayer ? -1 : Int(e.thread))
            let old = totals[key] ?? (0, 0)
            totals[key] = (old.calls + 1, old.nanoseconds + (e.end - e.start))
        }
        return totals.keys.sorted { ($0.op.rawValue, $0.layer, $0.thread) < ($1.op.rawValue, $1.layer, $1.thread) }.map
        { k in
            let (calls, ns) = totals[k]!
            let (flops, bytes) = cost(k.op, layer: k.layer)
            return OperationRow(
                operation: k.op.name, layer: k.layer, thread: k.thread < 0 ? "caller" : "\(k.thread)", calls: calls,
                seconds: Double(ns) / 1e9, flops: flops * Double(calls), bytes: bytes * Double(calls))
        }
    }

    func summarize(
        rows: [OperationRow], events: [OperationProfiler.Event], complete: Bool, peak: Double, bandwidth: Double,
        plain: Double, profiled: Double, profilerCost: Double
    ) -> Summary {
        let c = configuration
        let steps = rows.filter { $0.operation == ProfiledOperation.step.name }.reduce(0.0) { $0 + $1.seconds }
        var shares: [String: Double] = [:]
        for op in Profile.stepOperations {
            let t = rows.filter { $0.operation == op.name && $0.thread == "caller" }.reduce(0.0) { $0 + $1.seconds }
            if t > 0 { shares[op.name] = t / max(steps, 1e-12) }
        }
        // Per-thread shares are of the profiled steps' time: unprofiled rounds lie between the first and last event.
        let wall = max(1, steps * 1e9)
        func fraction(_ op: ProfiledOperation, _ t: Int) -> Double {
            Double(
                events.filter { $0.operation == op && Int($0.thread) == t }.reduce(UInt64(0)) {
                    $0 + ($1.end - $1.start)
                }) / wall
        }
        let spin = (0..<c.threads).map { fraction(.spin, $0) }
        let busy = (0..<c.threads).map { t in t == 0 ? 1 - spin[0] : fraction(.task, t) }
        let rowsPerStep = c.batch ?? c.samples
        let flops = trainingStepFlops(sizes: c.sizes, rows: rowsPerStep)
        return Summary(
            sizes: c.sizes, batchRows: rowsPerStep, threads: c.threads, gemmKernel: GEMMKernel.best.rawValue,
            stepPhases: StepPhases.suited(sizes: c.sizes, threads: c.threads).rawValue,
            peakGFLOPS: peak,
            bandwidthGBPerSecond: bandwidth,
            stepSeconds: plain, profiledStepSeconds: profiled, profilerCost: profilerCost,
            flopsPerStep: flops, fractionOfPeak: flops / plain / 1e9 / peak,
            accountedFraction: shares.values.reduce(0, +), shares: shares, threadBusyFraction: busy,
            threadSpinFraction: spin, threadSleepFraction: (0..<c.threads).map { fraction(.sleep, $0) },
            traceComplete: complete)
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let steps = Double(r.rows.first { $0.operation == ProfiledOperation.step.name }?.calls ?? 1)
        let peak = r.summary.peakGFLOPS
        var table = CSVTable(header: [
            "operation", "layer", "thread", "calls", "seconds_per_step", "flops_per_call", "bytes_per_call",
            "gflops", "fraction_of_peak", "intensity",
        ])
        for row in r.rows {
            table.append([
                .text(row.operation), .int(row.layer), .text(row.thread), .int(row.calls), .double(row.seconds / steps),
                .double(row.flops / Double(row.calls)), .double(row.bytes / Double(row.calls)), .double(row.gflops),
                .double(row.gflops / peak), .double(row.intensity),
            ])
        }
        try folder.write(table, "profile.csv")
        try folder.write(Data(traceJSON(r.events).utf8), "trace.json")
        try writeRoofline(r, to: folder)
        try writeBreakdown(r, to: folder)
        if !r.efficiency.isEmpty { try writeEfficiency(r.efficiency, to: folder) }
        return r.summary
    }

    /// Chrome Trace Event JSON: one complete ("X") event per span, microseconds from the first; one track per thread
    /// (named by "M" metadata events). Only the first 20 steps, to keep the file small.
    func traceJSON(_ events: [OperationProfiler.Event]) -> String {
        let steps = events.filter { $0.operation == .step && $0.thread == 0 }.sorted { $0.start < $1.start }
        let origin = events.map(\.start).min() ?? 0
        let end = steps.count > 20 ? steps[19].end : UInt64.max
        var parts = (0..<configuration.threads).map { t in
            let name = t == 0 ? "caller (thread 0)" : "pool worker \(t)"
            return "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":\(t),\"args\":{\"name\":\"\(name)\"}}"
        }
        for e in events where e.start <= end {
            let ts = String(format: "%.3f", Double(e.start - origin) / 1000)
            let dur = String(format: "%.3f", Double(e.end - e.start) / 1000)
            let layer = e.layer >= 0 ? ",\"args\":{\"layer\":\(e.layer)}" : ""
            parts.append(
                "{\"ph\":\"X\",\"name\":\"\(e.operation.name)\",\"cat\":\"train\",\"pid\":1,"
                    + "\"tid\":\(e.thread),\"ts\":\(ts),\"dur\":\(dur)\(layer)}"
            )
        }
        return "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" + parts.joined(separator: ",\n") + "\n]}\n"
    }

    private func writeRoofline(_ r: Result, to folder: OutputFolder) throws {
        let s = r.summary
        let points = r.rows.filter { $0.flops > 0 && $0.bytes > 0 && $0.seconds > 0 }
        guard !points.isEmpty else { return }
        let xs = points.map(\.intensity)
        let (x0, x1) = (min(xs.min()!, 0.1) / 2, max(xs.max()!, 100) * 2)
        var series = [
            Series(
                name: String(format: "FMA peak %.0f GFLOP/s", s.peakGFLOPS), x: [x0, x1],
                y: [s.peakGFLOPS, s.peakGFLOPS],
                color: .black),
            Series(
                name: String(format: "triad bandwidth %.0f GB/s", s.bandwidthGBPerSecond),
                x: [x0, s.peakGFLOPS / s.bandwidthGBPerSecond],
                y: [s.bandwidthGBPerSecond * x0, s.peakGFLOPS], dashed: true, color: .gray),
        ]
        for op in Profile.stepOperations {
            let mine = points.filter { $0.operation == op.name }
            if !mine.isEmpty {
                series.append(Series(name: op.name, x: mine.map(\.intensity), y: mine.map(\.gflops), pointsOnly: true))
            }
        }
        try folder.write(
            linePlot(
                title:
                    "Roofline: each operation of a \(s.sizes.map(String.init).joined(separator: "-")) step "
                    + "(\(s.threads) threads)",
                series: series, xLabel: "arithmetic intensity (FLOP per byte)", yLabel: "GFLOP/s",
                logX: true, logY: true), "roofline")
    }

    private func writeBreakdown(_ r: Result, to folder: OutputFolder) throws {
        let layers = configuration.sizes.count - 1
        let steps = Double(r.rows.first { $0.operation == ProfiledOperation.step.name }?.calls ?? 1)
        let categories = (0..<layers).map { "layer \($0)" } + ["no layer"]
        let stacks: [(name: String, values: [Double])] = Profile.stepOperations.map { op in
            let perLayer = (0..<layers).map { l in
                r.rows.filter { $0.operation == op.name && $0.layer == l && $0.thread == "caller" }.reduce(0.0) {
                    $0 + $1.seconds
                }
            }
            let whole = r.rows.filter { $0.operation == op.name && $0.layer < 0 && $0.thread == "caller" }.reduce(0.0) {
                $0 + $1.seconds
            }
            return (op.name, (perLayer + [whole]).map { $0 / steps * 1e6 })
        }
        try folder.write(
            barChart(
                title: String(
                    format: "Where a step's %.0f microseconds go, layer by layer", r.summary.profiledStepSeconds * 1e6),
                categories: categories, stacks: stacks, yLabel: "microseconds per step"), "breakdown")
    }

    private func writeEfficiency(_ rows: [Efficiency], to folder: OutputFolder) throws {
        var table = CSVTable(header: ["width", "samples", "threads", "steps_per_second", "gflops", "fraction_of_peak"])
        for e in rows {
            table.append([
                .int(e.width), .int(e.samples), .int(e.threads), .double(e.stepsPerSecond), .double(e.gflops),
                .double(e.fractionOfPeak),
            ])
        }
        try folder.write(table, "efficiency.csv")
        let groups = Dictionary(grouping: rows) {
            "\($0.samples) samples, \($0.threads) thread\($0.threads == 1 ? "" : "s")"
        }
        let series = groups.keys.sorted().map { key in
            let g = groups[key]!.sorted { $0.width < $1.width }
            return Series(name: key, x: g.map { Double($0.width) }, y: g.map(\.fractionOfPeak))
        }
        try folder.write(
            linePlot(
                title: "Training efficiency: fraction of the measured FMA peak", series: series,
                xLabel: "hidden width", yLabel: "fraction of peak", logX: true, yRange: 0...1), "efficiency")
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        let shares = s.shares.sorted { $0.value > $1.value }.map { String(format: "%@ %.0f%%", $0.key, 100 * $0.value) }
        return [
            String(
                format:
                    "%@ on %d threads (%@ step): %.1f microseconds a step (%.0f steps/s), "
                    + "%.2f of the %.0f GFLOP/s %@ peak; profiler cost %+.1f%%",
                s.sizes.map(String.init).joined(separator: "→"), s.threads, s.stepPhases, s.stepSeconds * 1e6,
                1 / s.stepSeconds,
                s.fractionOfPeak, s.peakGFLOPS, s.gemmKernel.uppercased(), 100 * s.profilerCost),
            "time: " + shares.joined(separator: ", ")
                + String(format: " (%.1f%% of the step accounted for)", 100 * s.accountedFraction),
            "results in \(folder.path)",
        ]
    }
}

public struct ProfileCommand: ExperimentCommand {
    public typealias Runner = Profile
    public static let description = CommandDescription(
        name: "profile",
        abstract: "Profile training: per-operation and per-layer times, FLOPs, bytes, a roofline and a trace.",
        discussion: """
            Trains the --input → --width ×(--depth − 1) → --output net on --samples random rows (--batch rows a step)
            for --steps steps, first unprofiled, then with every operation timed. Writes profile.csv (operation, layer,
            thread, calls, seconds_per_step, flops_per_call, bytes_per_call, gflops, fraction_of_peak, intensity),
            summary.json (step time, fraction of peak, each operation's share, the profiler's cost, per-thread busy /
            spin / sleep), trace.json (Chrome Trace Event format: open it in Perfetto or chrome://tracing), roofline and
            breakdown pictures; with --widths, --sample-counts and --thread-counts also efficiency.csv and a picture.
            The files are measurements: they change from run to run.
            """)

    @Option(help: "inputs", check: .within(1...65_536)) var input = 1
    @Option(help: "linear layers", check: .within(TrainingRanges.depth)) var depth = 6
    @Option(help: "hidden width", check: .within(TrainingRanges.width)) var width = 256
    @Option(help: "outputs", check: .within(1...1024)) var outputs = 1
    @Option(help: "rows of data", check: .within(1...1_000_000)) var samples = 200
    @Option(help: "rows per step (default: all)", check: .within(1...1_000_000)) var batch: Int?
    @Option(help: "profiled steps", check: .within(10...1_000_000)) var steps = 300
    @Option(help: "mse or bce") var loss = Loss.mse
    @Option(help: "adam or sgd (momentum 0.9)") var optimizer = Train.OptimizerName.adam
    @Option(
        help: "sweep: hidden widths (an unswept list holds at --width, --samples, --threads)",
        check: .count(1...16, each: TrainingRanges.width)) var widths: IntegerList?
    @Option(help: "sweep: rows of data", check: .count(1...16, each: 1...1_000_000)) var sampleCounts: IntegerList?
    @Option(help: "sweep: thread counts", check: .count(1...8, each: 1...256)) var threadCounts: IntegerList?
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func configuration() throws -> Profile.Configuration {
        var c = Profile.Configuration()
        (c.input, c.depth, c.width, c.output, c.samples, c.batch, c.steps) = (
            input, depth, width, outputs, samples, batch, steps
        )
        (c.loss, c.optimizer, c.threads) = (loss, optimizer, output.threads)
        // Any one of the sweep's lists starts a sweep; the others hold at the profiled run's own value.
        if widths != nil || sampleCounts != nil || threadCounts != nil {
            c.sweepWidths = widths?.values ?? [width]
            c.sweepSamples = sampleCounts?.values ?? [samples]
            c.sweepThreads = threadCounts?.values ?? [output.threads]
        }
        return c
    }
}
