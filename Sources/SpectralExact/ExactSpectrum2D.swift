import Foundation
import SpectralCore
import SpectralKernels
import SpectralSpectra

/// Exact Fourier transforms of a continuous piecewise-linear f: ℝ² → ℝ given by its regions (docs/exact.md),
/// f̃(k) = ∫ f e^{−2πik·x} dx, k = (kx, ky) in cycles per unit, Float64 with compensated sums. With ω = 2πk:
///  - window: W(k) = ∫_domain f e^{−2πik·x} dx, summed over the faces, each fanned into triangles
///    (`ExpNodes`: ∫_T f e = 2|T|·Σ_j f(v_j)·exp[z₁, z₂, z₃, z_j]);
///  - edge spectrum: S(k) = −T(k)/|ω|², T(k) = Σ_interior edges (g_R − g_L)·ν·exp[z_p, z_q], the transform of
///    the measure Δf (its density on an edge p → q is the jump of the normal derivative; ν = (d_y, −d_x) is the
///    normal times the length, d = q − p, L and R the faces left and right of d). This is the 2-D analogue of
///    the kink spectrum: on all of ℝ² it would be f̃ itself;
///  - boundary term: by Green's second identity W = S − B/|ω|², with
///    B(k) = Σ_boundary segments [−i(ω·ν)(f_p·exp[z_p, z_p, z_q] + f_q·exp[z_p, z_q, z_q]) − (g·ν)·exp[z_p, z_q]]
///    (ν the outward normal times the length, g the gradient of the face inside). This identity is the
///    independent check of the two computations (`windowByTriangles` against S − B/|ω|² in the tests).
/// S and B are singular at k = 0 (NaN there); W is finite everywhere. `window` uses the identity where
/// |ω|·diameter ≥ 8 (edges only: several times cheaper than triangles, and no cancellation to speak of there)
/// and the triangles below that.
public struct ExactSpectrum2D: Sendable {
    public let regions: LinearRegions2D
    public let pool: ThreadPool?

    public init(_ regions: LinearRegions2D, pool: ThreadPool? = nil) {
        self.regions = regions
        self.pool = pool
    }

    public func window(_ frequencies: [(kx: Double, ky: Double)]) -> [Complex] {
        let (x, y) = (regions.domain.map(\.x), regions.domain.map(\.y))
        let diameter = hypot(x.max()! - x.min()!, y.max()! - y.min()!)
        return evaluate(frequencies) { kx, ky, exps in
            let omega = 2 * Double.pi * hypot(kx, ky)
            guard omega * diameter >= 8 else { return windowAt(kx, ky, exps) }
            let boundary = boundaryAt(kx, ky, exps)
            return edgeSpectrumAt(kx, ky, exps) - (1 / (omega * omega)) * boundary
        }
    }

    /// The window transform summed over triangles at every k.
    public func windowByTriangles(_ frequencies: [(kx: Double, ky: Double)]) -> [Complex] {
        evaluate(frequencies, windowAt)
    }
    public func edgeSpectrum(_ frequencies: [(kx: Double, ky: Double)]) -> [Complex] {
        evaluate(frequencies, edgeSpectrumAt)
    }
    public func boundaryTerm(_ frequencies: [(kx: Double, ky: Double)]) -> [Complex] {
        evaluate(frequencies, boundaryAt)
    }

    private func evaluate(
        _ frequencies: [(kx: Double, ky: Double)],
        _ body: (Double, Double, [Complex]) -> Complex
    ) -> [Complex] {
        // An interrupt skips the remaining chunks (their values are NaN); the caller checks and throws.
        func work(_ range: Range<Int>) -> [Complex] {
            if Interrupt.requested { return range.map { _ in Complex(.nan, .nan) } }
            return range.map { i in
                let (kx, ky) = frequencies[i]
                return body(kx, ky, vertexExps(kx, ky))
            }
        }
        guard let pool, frequencies.count > 1 else { return work(0..<frequencies.count) }
        return pool.mapChunks(count: frequencies.count, chunkSize: 4) { work($0) }.flatMap { $0 }
    }

    /// e^{−2πik·v} at every vertex.
    private func vertexExps(_ kx: Double, _ ky: Double) -> [Complex] {
        let mesh = regions.mesh
        return (0..<mesh.vertexCount).map { Complex.unit(turns: -(kx * mesh.x[$0] + ky * mesh.y[$0])) }
    }

    @inline(__always) private func turns(_ v: Int, _ kx: Double, _ ky: Double) -> Double {
        -(kx * regions.mesh.x[v] + ky * regions.mesh.y[v])
    }

    private func windowAt(_ kx: Double, _ ky: Double, _ exps: [Complex]) -> Complex {
        let mesh = regions.mesh
        var re = CompensatedSum()
        var im = CompensatedSum()
        for f in 0..<mesh.faceCount {
            let c = mesh.corners(f).map(Int.init)
            let value = { (v: Int) in regions.value(face: f, mesh.x[v], mesh.y[v]) }
            for m in 1..<(c.count - 1) {
                let (a, b, d) = (c[0], c[m], c[m + 1])
                let twiceArea =
                    (mesh.x[b] - mesh.x[a]) * (mesh.y[d] - mesh.y[a]) - (mesh.y[b] - mesh.y[a])
                    * (mesh.x[d] - mesh.x[a])
                var nodes = ExpNodes()
                for v in [a, b, d] { nodes.append(turns: turns(v, kx, ky), exp: exps[v]) }
                var sum = Complex(0)
                for (j, v) in [a, b, d].enumerated() {
                    var withRepeat = nodes
                    withRepeat.append(turns: nodes.turns[j], exp: exps[v])
                    sum = sum + value(v) * withRepeat.dividedDifference()
                }
                re.add(twiceArea * sum.re)
                im.add(twiceArea * sum.im)
            }
        }
        return Complex(re.value, im.value)
    }

    private func edgeSpectrumAt(_ kx: Double, _ ky: Double, _ exps: [Complex]) -> Complex {
        let omega2 = 4 * Double.pi * Double.pi * (kx * kx + ky * ky)
        if omega2 == 0 { return Complex(.nan, .nan) }
        let mesh = regions.mesh
        var re = CompensatedSum()
        var im = CompensatedSum()
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            let (dx, dy) = (mesh.x[q] - mesh.x[p], mesh.y[q] - mesh.y[p])
            let jump =
                (regions.gradientX[r] - regions.gradientX[l]) * dy - (regions.gradientY[r] - regions.gradientY[l]) * dx
            if jump == 0 { continue }
            var nodes = ExpNodes()
            nodes.append(turns: turns(p, kx, ky), exp: exps[p])
            nodes.append(turns: turns(q, kx, ky), exp: exps[q])
            let d = nodes.dividedDifference()
            re.add(jump * d.re)
            im.add(jump * d.im)
        }
        return Complex(-re.value / omega2, -im.value / omega2)
    }

    private func boundaryAt(_ kx: Double, _ ky: Double, _ exps: [Complex]) -> Complex {
        let omega2 = 4 * Double.pi * Double.pi * (kx * kx + ky * ky)
        if omega2 == 0 { return Complex(.nan, .nan) }
        let mesh = regions.mesh
        var re = CompensatedSum()
        var im = CompensatedSum()
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] < 0 {
            let f = Int(mesh.edgeLeft[e])
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            let (dx, dy) = (mesh.x[q] - mesh.x[p], mesh.y[q] - mesh.y[p])
            let omegaNu = 2 * Double.pi * (kx * dy - ky * dx)
            let gNu = regions.gradientX[f] * dy - regions.gradientY[f] * dx
            let (tp, tq) = (turns(p, kx, ky), turns(q, kx, ky))
            var segment = ExpNodes()
            segment.append(turns: tp, exp: exps[p])
            segment.append(turns: tq, exp: exps[q])
            var atP = segment
            var atQ = segment
            atP.append(turns: tp, exp: exps[p])
            atQ.append(turns: tq, exp: exps[q])
            let fp = regions.value(face: f, mesh.x[p], mesh.y[p])
            let fq = regions.value(face: f, mesh.x[q], mesh.y[q])
            let weighted = fp * atP.dividedDifference() + fq * atQ.dividedDifference()
            // −i(ω·ν)·weighted − (g·ν)·exp[z_p, z_q]
            let plain = segment.dividedDifference()
            re.add(omegaNu * weighted.im - gNu * plain.re)
            im.add(-omegaNu * weighted.re - gNu * plain.im)
        }
        return Complex(re.value, im.value)
    }
}
