import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralExact
import SpectralPlot

/// `spectral exact2d`: exact transforms of a 2-D network on a box or convex polygon, and its decay direction by
/// direction.
public struct Exact2DReport {
    public enum Frequencies {
        case list([(kx: Double, ky: Double)])
        /// An n × n grid over [−kmax, kmax]².
        case grid(kmax: Double, n: Int)

        var points: [(kx: Double, ky: Double)] {
            switch self {
            case .list(let ks): return ks
            case .grid(let kmax, let n):
                let axis = (0..<n).map { n == 1 ? 0 : -kmax + 2 * kmax * Double($0) / Double(n - 1) }
                return axis.flatMap { ky in axis.map { kx in (kx, ky) } }
            }
        }
    }

    public struct Direction {
        public let angle: Double
        public let kind: String
        public let ridgeWeight: Double
        public let decay: DirectionalDecay
    }

    public let regionsReport: Regions2DReport
    public let frequencies: Frequencies
    public let window: [Complex]
    public let edge: [Complex]
    public let directions: [Direction]
    public let polar: (angles: [Double], radii: [Double], values: [[Double]])
    public let totalEdgeJump: Double
    public let seconds: Double

    /// Directions: the `ridgeCount` heaviest predicted ridges, the generic direction farthest from all of them,
    /// and `rays` evenly spaced angles in [0, π); each sampled at `radii`.
    public init(net: MLP, domain: [(x: Double, y: Double)], frequencies: Frequencies,
                ridgeCount: Int, rays: Int, radii: [Double], pool: ThreadPool) throws {
        guard radii.count >= 3, radii.allSatisfy({ $0 > 0 }) else {
            throw SpectralError.usage("the radii must be at least 3 positive values")
        }
        let points = frequencies.points
        guard !points.isEmpty, points.allSatisfy({ $0.kx.isFinite && $0.ky.isFinite }) else {
            throw SpectralError.usage("no finite frequencies to evaluate")
        }
        let start = monotonicSeconds()
        regionsReport = try Regions2DReport(net: net, domain: domain, pool: pool)
        let regions = regionsReport.regions
        let spectrum = ExactSpectrum2D(regions, pool: pool)
        self.frequencies = frequencies
        window = spectrum.window(points)
        edge = spectrum.edgeSpectrum(points)
        let ridges = regions.ridges()
        totalEdgeJump = ridges.reduce(0) { $0 + $1.weight }
        var chosen = ridges.prefix(ridgeCount).map { ($0.angle, "ridge", $0.weight) }
        chosen.append((genericAngle(avoiding: ridges), "generic", 0))
        chosen += (0..<rays).map { (Double.pi * Double($0) / Double(rays), "requested", 0) }
        let decays = spectrum.directionalDecay(angles: chosen.map(\.0), radii: radii)
        directions = zip(chosen, decays).map { Direction(angle: $0.0.0, kind: $0.0.1, ridgeWeight: $0.0.2, decay: $0.1) }
        // Polar picture: |S|·|ω|² over angle × radius (ridges stay level, other directions fall as 1/|k|).
        let angles = (0..<90).map { Double.pi * (Double($0) + 0.5) / 90 }
        let polarRadii = geometricRadii(radii.first!, radii.last!, count: 30)
        let polarDecays = spectrum.directionalDecay(angles: angles, radii: polarRadii)
        let values = polarRadii.indices.map { r in
            polarDecays.map { d in log10(d.magnitudes[r] * pow(2 * Double.pi * polarRadii[r], 2)) }
        }
        polar = (angles, polarRadii, values)
        seconds = monotonicSeconds() - start
    }

    public var summary: [String: Any] {
        var s = regionsReport.summary
        let mesh = regionsReport.regions.mesh
        var interiorLength = 0.0
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            interiorLength += hypot(mesh.x[Int(mesh.edgeEnd[e])] - mesh.x[Int(mesh.edgeStart[e])],
                                    mesh.y[Int(mesh.edgeEnd[e])] - mesh.y[Int(mesh.edgeStart[e])])
        }
        let points = frequencies.points
        var scaled = 0.0
        for (k, s) in zip(points, edge) where k.kx != 0 || k.ky != 0 {
            scaled = max(scaled, s.magnitude * 4 * Double.pi * Double.pi * (k.kx * k.kx + k.ky * k.ky))
        }
        for d in directions { for (r, m) in zip(d.decay.radii, d.decay.magnitudes) { scaled = max(scaled, m * pow(2 * Double.pi * r, 2)) } }
        s["total_edge_jump"] = totalEdgeJump
        s["interior_edge_length"] = interiorLength
        // |S(k)|·|ω|² ≤ Σ_E |(g_R − g_L)·ν_E| ≤ 2·L_f·(interior edge length): both as ratios (≤ 1).
        s["spectrum_bound_ratio"] = totalEdgeJump > 0 ? scaled / totalEdgeJump : 0
        s["edge_jump_bound_ratio"] = interiorLength > 0 ? totalEdgeJump / (2 * regionsReport.regions.lipschitz * interiorLength) : 0
        s["directions"] = directions.map { d -> [String: Any] in
            ["angle": d.angle, "kind": d.kind, "exponent": d.decay.fit?.slope ?? NSNull(),
             "standard_error": d.decay.fit?.standardError ?? NSNull()]
        }
        s["frequencies"] = points.count
        s["spectrum"] = "edge spectrum S(k) = -T(k)/|2 pi k|^2 (transform of the Laplacian's edge measure); window = integral over the domain"
        s["total_seconds"] = seconds
        return s
    }

    public func write(to out: URL, title: String) throws {
        try regionsReport.write(to: out, title: title)
        var table = CSVTable(header: ["kx", "ky", "window_re", "window_im", "edge_re", "edge_im"])
        for (k, (w, e)) in zip(frequencies.points, zip(window, edge)) {
            table.append([.double(k.kx), .double(k.ky), .double(w.re), .double(w.im), .double(e.re), .double(e.im)])
        }
        try table.write(to: out.appendingPathComponent("spectrum.csv"))
        var directionTable = CSVTable(header: ["angle", "angle_degrees", "kind", "ridge_weight", "exponent", "standard_error", "points"])
        for d in directions {
            directionTable.append([.double(d.angle), .double(d.angle * 180 / .pi), .text(d.kind), .double(d.ridgeWeight),
                                   d.decay.fit.map { .double($0.slope) } ?? .empty,
                                   d.decay.fit.map { .double($0.standardError) } ?? .empty, .int(d.decay.fit?.points ?? 0)])
        }
        try directionTable.write(to: out.appendingPathComponent("directions.csv"))
        try writeJSON(summary, to: out.appendingPathComponent("summary.json"))
        try linePlot(title: "Edge spectrum along rays: ridges ~ |k|^-2, generic ~ |k|^-3",
                     series: directions.filter { $0.kind != "requested" }.map { d in
                         Series(name: String(format: "%@ %.1f deg (%.2f)", d.kind, d.angle * 180 / .pi, d.decay.fit?.slope ?? .nan),
                                x: d.decay.radii, y: d.decay.magnitudes)
                     }, xLabel: "|k| (cycles per unit)", yLabel: "|S(k)|", logX: true, logY: true)
            .writePNG(to: out.appendingPathComponent("directions.png"))
        try heatMap(title: "log10 |S(k)|(2 pi |k|)^2 by direction: ridges are level lines", values: polar.values,
                    xValues: polar.angles.map { $0 * 180 / .pi }, yValues: polar.radii, xLabel: "direction of k (degrees)",
                    yLabel: "|k| (cycles per unit, log spaced)", colorLabel: "log10 |S| |2 pi k|^2")
            .writePNG(to: out.appendingPathComponent("polar.png"))
        if case .grid(_, let n) = frequencies {
            let axis = frequencies.points.prefix(n).map(\.kx)
            let values = (0..<n).map { row in (0..<n).map { col in log10(edge[row * n + col].magnitude) } }
            try heatMap(title: "log10 |edge spectrum S(k)|", values: values, xValues: axis, yValues: axis,
                        xLabel: "kx (cycles per unit)", yLabel: "ky (cycles per unit)", colorLabel: "log10 |S(k)|")
                .writePNG(to: out.appendingPathComponent("spectrum.png"))
        }
    }
}
