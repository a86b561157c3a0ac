import Foundation
import SpectralCore
import SpectralSpectra
import SpectralPlot

let spectrumCommand = Command(
    name: "spectrum",
    summary: "Spectrum of sampled data (CSV: one column of samples, or a grid of rows): CSV, picture, fitted decay.",
    discussion: """
    1-D: samples f(x_j) on a uniform grid of [a, b) (--interval a:b, default 0:1); frequencies k = m/(b − a) in
    cycles per unit for m = 0…N/2. spectrum.csv has k, the unnormalised DFT (dft_re, dft_im), |F|/N and |F|·h (the
    window transform's approximation, h = (b − a)/N). The decay fit (slope of log |F| against log k, plain and upper
    envelope) uses --band kmin:kmax (default: the lowest nonzero to the highest frequency).
    2-D (--grid): a rows × columns grid on [a, b)²; spectrum.csv has kx, ky, dft_re, dft_im, magnitude, and
    spectrum.png shows log10 |F| over the centred frequency plane.
    """,
    options: [
        OptionSpec("input", "FILE", "CSV of samples (a header row is optional)"),
        OptionSpec("interval", "A:B", "the sampled interval [a, b)", default: "0:1"),
        OptionSpec("band", "KMIN:KMAX", "frequency band of the decay fit"),
        OptionSpec("column", "N", "which column holds the samples (1-D, 1-based)", default: "1"),
        OptionSpec("grid", nil, "the CSV is a 2-D grid: each row of the file is a row of samples"),
        .out, .quiet,
    ],
    run: runSpectrum)

func parseInterval(_ text: String, option: String) throws -> (Double, Double) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
    guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite else {
        throw SpectralError.usage("--\(option) must be A:B with two numbers, not '\(text)'")
    }
    guard b > a else { throw SpectralError.usage("--\(option) \(text) is empty: B must be greater than A") }
    return (a, b)
}

func runSpectrum(_ args: Arguments, _ commandLine: [String]) throws {
    let input = try args.require("input")
    let out = try args.outputDirectory
    let (a, b) = try parseInterval(args.string("interval")!, option: "interval")
    let band = try args.string("band").map { try parseInterval($0, option: "band") }.map { $0.0...$0.1 }
    let csv = try NumericCSV.read(URL(fileURLWithPath: input))
    let run = RunRecord(command: commandLine, configuration: ["input": input, "interval": [a, b], "grid": args.flag("grid"),
                                                             "band": band.map { [$0.lowerBound, $0.upperBound] } ?? "all"],
                        seed: nil, threads: 1)
    if args.flag("grid") {
        try spectrum2D(csv.rows, a: a, b: b, out: out)
        try run.write(to: out)
        return
    }
    let column = try args.int("column", range: 1...Int.max)! - 1
    guard column < csv.rows[0].count else {
        throw SpectralError.usage("--column \(column + 1) does not exist: \(input) has \(csv.rows[0].count) columns")
    }
    let samples = csv.rows.map { $0[column] }
    let n = samples.count
    guard n >= 4 else { throw SpectralError.badInput("\(input) has \(n) samples; a spectrum needs at least 4") }
    let spectrum = RealFFTPlan(count: n).forward(samples)
    let length = b - a, h = length / Double(n)
    var table = CSVTable(header: ["k", "dft_re", "dft_im", "amplitude", "window_magnitude"])
    var ks: [Double] = [], magnitudes: [Double] = []
    for (m, value) in spectrum.enumerated() {
        let k = Double(m) / length
        table.append([.double(k), .double(value.re), .double(value.im), .double(value.magnitude / Double(n)),
                      .double(value.magnitude * h)])
        if m > 0 { ks.append(k); magnitudes.append(value.magnitude * h) }
    }
    try table.write(to: out.appendingPathComponent("spectrum.csv"))
    let plain = DecayFit.fit(frequencies: ks, magnitudes: magnitudes, band: band)
    let envelope = DecayFit.fit(frequencies: ks, magnitudes: magnitudes, band: band, envelope: true)
    func describe(_ fit: DecayFit?) -> Any {
        guard let fit else { return "too few points" }
        return ["slope": fit.slope, "standard_error": fit.standardError, "k_min": fit.band.lowerBound,
                "k_max": fit.band.upperBound, "points": fit.points]
    }
    try writeJSON(["samples": n, "interval": [a, b], "decay_fit": describe(plain), "envelope_decay_fit": describe(envelope)],
                  to: out.appendingPathComponent("decay.json"))
    var series = [Series(name: "|F| h", x: ks, y: magnitudes)]
    if let fit = envelope {
        let xs = [fit.band.lowerBound, fit.band.upperBound]
        series.append(Series(name: String(format: "envelope fit k^%.2f", fit.slope), x: xs,
                             y: xs.map { exp(fit.intercept) * pow($0, fit.slope) }, dashed: true))
    }
    try linePlot(title: "Spectrum of \(URL(fileURLWithPath: input).lastPathComponent) (\(n) samples on [\(a), \(b)))",
                 series: series, xLabel: "frequency k (cycles per unit)", yLabel: "|F(k)| h", logX: true, logY: true)
        .writePNG(to: out.appendingPathComponent("spectrum.png"))
    try run.write(to: out, results: ["decay_fit": describe(plain), "envelope_decay_fit": describe(envelope)])
    say("spectrum of \(n) samples: \(plain.map(\.description) ?? "no fit"); envelope: \(envelope.map(\.description) ?? "no fit")")
}

func spectrum2D(_ rows: [[Double]], a: Double, b: Double, out: URL) throws {
    let (ny, nx) = (rows.count, rows[0].count)
    guard ny >= 2, nx >= 2 else { throw SpectralError.badInput("a 2-D grid needs at least 2 × 2 samples") }
    let values = fft2D(rows.flatMap { $0 }, rows: ny, columns: nx)
    let length = b - a
    var table = CSVTable(header: ["kx", "ky", "dft_re", "dft_im", "magnitude"])
    var image = [[Double]](repeating: [Double](repeating: 0, count: nx), count: ny)
    func signedIndex(_ i: Int, _ n: Int) -> Int { i <= n / 2 ? i : i - n }
    for y in 0..<ny {
        for x in 0..<nx {
            let v = values[y * nx + x]
            let (kx, ky) = (signedIndex(x, nx), signedIndex(y, ny))
            table.append([.double(Double(kx) / length), .double(Double(ky) / length), .double(v.re), .double(v.im),
                          .double(v.magnitude)])
            // Centred: row/column index = k + n/2 (the Nyquist row k = n/2 wraps to index 0, where it aliases).
            image[(ky + ny / 2) % ny][(kx + nx / 2) % nx] = log10(max(v.magnitude, 1e-300))
        }
    }
    try table.write(to: out.appendingPathComponent("spectrum.csv"))
    let kxs = (0..<nx).map { Double($0 - nx / 2) / length }, kys = (0..<ny).map { Double($0 - ny / 2) / length }
    let finite = image.flatMap { $0 }.filter { $0 > -300 }
    let top = finite.max() ?? 0
    try heatMap(title: "2-D spectrum (\(ny) x \(nx) grid)", values: image, xValues: kxs, yValues: kys,
                xLabel: "kx (cycles per unit)", yLabel: "ky (cycles per unit)", colorLabel: "log10 |F|",
                range: max(finite.min() ?? top - 1, top - 12)...top)
        .writePNG(to: out.appendingPathComponent("spectrum.png"))
    say("2-D spectrum of a \(ny) × \(nx) grid written to \(out.path)")
}
