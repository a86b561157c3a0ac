import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralExact
import SpectralExperiments

private let boxOption = OptionSpec("box", "X0:X1,Y0:Y1", "the box [x0, x1] × [y0, y1]", default: "-1:1,-1:1")
private let polygonOption = OptionSpec("polygon", "X:Y,X:Y,...", "a convex polygon's corners, instead of --box")

/// The domain from --polygon, else from --box, and how to describe it in run.json.
private func domain(_ args: Arguments) throws -> (corners: [(x: Double, y: Double)], description: String) {
    if args.has("polygon"), let text = args.string("polygon") {
        let corners = try text.split(separator: ",", omittingEmptySubsequences: false).map { item -> (x: Double, y: Double) in
            let p = try parsePair(String(item), option: "polygon")
            return (p.0, p.1)
        }
        guard corners.count >= 3 else { throw SpectralError.usage("--polygon needs at least 3 corners") }
        return (corners, "polygon " + text)
    }
    let box = try parseBox(args.string("box")!)
    return (boxPolygon(x0: box.x.lowerBound, x1: box.x.upperBound, y0: box.y.lowerBound, y1: box.y.upperBound),
            "box " + args.string("box")!)
}

/// Parses "X0:X1,Y0:Y1".
func parseBox(_ text: String) throws -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count == 2 else { throw SpectralError.usage("--box must be X0:X1,Y0:Y1, not '\(text)'") }
    let x = try parseInterval(String(parts[0]), option: "box"), y = try parseInterval(String(parts[1]), option: "box")
    return (x.0...x.1, y.0...y.1)
}

let regions2dCommand = Command(
    name: "regions2d",
    summary: "The linear regions of a 2-D ReLU net on a box: exact polygons, affine maps, patterns (Float64).",
    discussion: """
    Reads safetensors weights (input size 2, output size 1). Writes regions.csv (region, area, centroid, gradient,
    offset, vertex count), summary.json (regions, edges, vertices, area_error, seconds, ...), regions.png and
    run.json.
    """,
    options: [OptionSpec("weights", "FILE", "safetensors file of the network"), boxOption, polygonOption, .threads, .out, .quiet],
    run: { args, commandLine in
        let weights = URL(fileURLWithPath: try args.require("weights"))
        let (corners, description) = try domain(args)
        let (out, threads) = (try args.outputDirectory, try args.threads)
        let record = RunRecord(command: commandLine, configuration: ["weights": weights.path, "domain": description],
                               seed: nil, threads: threads)
        let report = try Regions2DReport(net: try MLP.load(from: weights), domain: corners, pool: ThreadPool(threadCount: threads))
        try report.write(to: out, title: "Linear regions of \(weights.lastPathComponent): \(report.regions.regionCount)")
        try record.write(to: out, results: report.summary)
        say(String(format: "%d regions, %d edges, %d vertices in %.3f s; L_f = %.4g; results in %@", report.regions.regionCount,
                   report.regions.mesh.edgeCount, report.regions.mesh.vertexCount, report.seconds, report.regions.lipschitz, out.path))
    })

let exact2dCommand = Command(
    name: "exact2d",
    summary: "Exact Fourier transforms of a 2-D ReLU net and its decay direction by direction (Float64).",
    discussion: """
    Everything regions2d writes, plus spectrum.csv (kx, ky, window transform over the box and edge spectrum, real
    and imaginary parts), directions.csv (fitted exponent of the edge spectrum along the predicted k^-2 ridges,
    the generic direction farthest from them, and --rays evenly spaced directions), summary.json, directions.png,
    polar.png and, with --grid, spectrum.png. Convention: f~(k) = integral of f(x) exp(-2 pi i k.x) dx.
    """,
    options: [
        OptionSpec("weights", "FILE", "safetensors file of the network"), boxOption, polygonOption,
        OptionSpec("freqs", "LIST", "frequencies kx:ky, comma-separated (instead of --grid)"),
        OptionSpec("grid", "KMAX:N", "an N × N grid over [-KMAX, KMAX]^2", default: "16:33"),
        OptionSpec("ridges", "N", "predicted ridge directions to fit", default: "3"),
        OptionSpec("rays", "N", "extra evenly spaced directions to fit", default: "0"),
        OptionSpec("radii", "RMIN:RMAX:COUNT", "log-spaced radii for the fits", default: "20:2000:40"),
        .threads, .out, .quiet,
    ],
    run: { args, commandLine in
        let weights = URL(fileURLWithPath: try args.require("weights"))
        let (corners, description) = try domain(args)
        let frequencies: Exact2DReport.Frequencies
        if let list = args.has("freqs") ? args.string("freqs") : nil {
            frequencies = .list(try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                let k = try parsePair(String(item), option: "freqs")
                return (k.0, k.1)
            })
        } else {
            let parts = args.string("grid")!.split(separator: ":").map { Double($0) }
            guard parts.count == 2, let kmax = parts[0], let n = parts[1], kmax > 0, kmax.isFinite, n >= 1, n <= 1024, n == n.rounded() else {
                throw SpectralError.usage("--grid must be KMAX:N with KMAX > 0 and N a whole number from 1 to 1024")
            }
            frequencies = .grid(kmax: kmax, n: Int(n))
        }
        let radiiParts = args.string("radii")!.split(separator: ":").map { Double($0) }
        guard radiiParts.count == 3, let rmin = radiiParts[0], let rmax = radiiParts[1], let count = radiiParts[2],
              rmin > 0, rmax > rmin, rmax.isFinite, count >= 3, count <= 10_000, count == count.rounded() else {
            throw SpectralError.usage("--radii must be RMIN:RMAX:COUNT with 0 < RMIN < RMAX and COUNT from 3 to 10000")
        }
        try runExact2D(net: try MLP.load(from: weights), name: weights.lastPathComponent, domain: corners, frequencies: frequencies,
                       ridges: try args.int("ridges", range: 0...100)!, rays: try args.int("rays", range: 0...3600)!,
                       radii: geometricRadii(rmin, rmax, count: Int(count)), threads: try args.threads,
                       out: try args.outputDirectory, configuration: [
                           "weights": weights.path, "domain": description,
                           "frequencies": args.string("freqs") ?? "grid " + args.string("grid")!, "radii": args.string("radii")!,
                       ], commandLine: commandLine)
    })

func runExact2D(net: MLP, name: String, domain: [(x: Double, y: Double)],
                frequencies: Exact2DReport.Frequencies, ridges: Int, rays: Int, radii: [Double], threads: Int, out: URL,
                configuration: [String: Any], commandLine: [String]) throws {
    var configuration = configuration
    configuration["ridges"] = ridges
    configuration["rays"] = rays
    let record = RunRecord(command: commandLine, configuration: configuration, seed: nil, threads: threads)
    let report = try Exact2DReport(net: net, domain: domain, frequencies: frequencies, ridgeCount: ridges, rays: rays, radii: radii,
                                   pool: ThreadPool(threadCount: threads))
    try report.write(to: out, title: "Linear regions of \(name): \(report.regionsReport.regions.regionCount)")
    try record.write(to: out, results: report.summary)
    for d in report.directions where d.kind != "requested" {
        say(String(format: "%@ direction %.2f deg: exponent %@", d.kind, d.angle * 180 / .pi,
                   d.decay.fit.map { String(format: "%.3f ± %.3f", $0.slope, $0.standardError) } ?? "n/a"))
    }
    say("\(report.regionsReport.regions.regionCount) regions; results in \(out.path)")
}

/// Parses "A:B" as two finite numbers (any order).
func parsePair(_ text: String, option: String) throws -> (Double, Double) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite else {
        throw SpectralError.usage("--\(option) items must be KX:KY pairs of numbers, not '\(text)'")
    }
    return (a, b)
}
