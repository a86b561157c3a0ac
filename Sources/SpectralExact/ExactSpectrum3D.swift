import Foundation
import SpectralCore
import SpectralKernels
import SpectralSpectra

/// Exact Fourier transforms of a continuous piecewise-linear f: ℝ³ → ℝ given by its cells (docs/exact.md, "3-D
/// transforms"), f̃(k) = ∫ f e^{−2πik·x} dx, k in cycles per unit, Float64 with compensated sums. With ω = 2πk:
///  - window: W(k) = ∫_box f e^{−2πik·x} dx, each cell fanned into tetrahedra from its vertex mean
///    (`ExpNodes`: ∫_tet f e = 6V·Σ_j f(v_j)·exp[z₁, …, z₄, z_j]);
///  - face spectrum: S(k) = −T(k)/|ω|², T(k) = Σ_interior faces J_F·∫_F e^{−2πik·x} dS, the transform of the
///    measure Δf, whose density on a face F between cells A and B is the jump of the normal derivative
///    J_F = (g_B − g_A)·n_{A→B}; each face is fanned into triangles (∫_T e = 2|T|·exp[z₁, z₂, z₃]). On all of ℝ³
///    this would be f̃ itself: it carries Theorem 1's three rates;
///  - boundary term: by Green's second identity W = S − B/|ω|², with
///    B(k) = Σ_box faces ∫_F [−i(ω·n) f − g·n] e^{−2πik·x} dS (n the outward normal, g the gradient of the cell
///    inside). The identity is the independent check of the two computations (tetrahedra against faces).
/// S and B are singular at k = 0 (NaN there); W is finite everywhere: `window` uses the identity where
/// |ω|·diameter ≥ 8 and the tetrahedra below that.
public struct ExactSpectrum3D: Sendable {
    public let regions: LinearRegions3D
    public let pool: ThreadPool?
    /// Per face: J_F on interior faces, 0 on the box; and the unit normal pointing out of faceCells[2F].
    let jump: [Double]
    let normal: [SIMD3<Double>]
    let apex: [SIMD3<Double>]
    /// Every face fanned into triangles once: face f's are triangles[triangleOffsets[f] ..< triangleOffsets[f + 1]],
    /// with twice their areas.
    let triangles: [SIMD3<Int32>], twiceAreas: [Double], triangleOffsets: [Int]

    public init(_ regions: LinearRegions3D, pool: ThreadPool? = nil) {
        (self.regions, self.pool) = (regions, pool)
        let k = regions.complex
        apex = (0..<k.cellCount).map { k.vertexMean(cell: $0) }
        var jump = [Double](repeating: 0, count: k.faceCount)
        var normal = [SIMD3<Double>](repeating: .zero, count: k.faceCount)
        for f in 0..<k.faceCount {
            let (a, b) = k.cells(face: f)
            let area = k.areaVector(face: f)
            let length = (area * area).sum().squareRoot()
            // A face of zero area (planes through one line, as with zero biases) carries no mass: no jump, no normal.
            guard length > 0 else { continue }
            var n = area / length
            let q = k.position(k.corners(face: f).first!)
            if dot(n, q - apex[Int(a)]) < 0 { n = -n }
            normal[f] = n
            if b >= 0 { jump[f] = dot(regions.gradient[Int(b)] - regions.gradient[Int(a)], n) }
        }
        (self.jump, self.normal) = (jump, normal)
        var (triangles, twiceAreas, offsets) = ([SIMD3<Int32>](), [Double](), [0])
        for f in 0..<k.faceCount {
            let c = k.corners(face: f)
            for (q, r) in zip(c.dropFirst(), c.dropFirst(2)) {
                triangles.append(SIMD3(c.first!, q, r))
                let n = cross(k.position(q) - k.position(c.first!), k.position(r) - k.position(c.first!))
                twiceAreas.append((n * n).sum().squareRoot())
            }
            offsets.append(triangles.count)
        }
        (self.triangles, self.twiceAreas, triangleOffsets) = (triangles, twiceAreas, offsets)
    }

    public func window(_ frequencies: [SIMD3<Double>]) -> [Complex] {
        let b = regions.box
        let diameter = ((b.upper - b.lower) * (b.upper - b.lower)).sum().squareRoot()
        return evaluate(frequencies) { k, exps in
            let omega = 2 * Double.pi * (k * k).sum().squareRoot()
            guard omega * diameter >= 8 else { return windowAt(k, exps) }
            return faceSpectrumAt(k, exps) - (1 / (omega * omega)) * boundaryAt(k, exps)
        }
    }

    /// The window transform summed over tetrahedra at every k.
    public func windowByTetrahedra(_ frequencies: [SIMD3<Double>]) -> [Complex] { evaluate(frequencies, windowAt) }
    public func faceSpectrum(_ frequencies: [SIMD3<Double>]) -> [Complex] { evaluate(frequencies, faceSpectrumAt) }
    public func boundaryTerm(_ frequencies: [SIMD3<Double>]) -> [Complex] { evaluate(frequencies, boundaryAt) }

    private func evaluate(_ frequencies: [SIMD3<Double>], _ body: (SIMD3<Double>, [Complex]) -> Complex) -> [Complex] {
        // An interrupt skips the remaining chunks (their values are NaN); the caller checks and throws.
        func work(_ range: Range<Int>) -> [Complex] {
            if Interrupt.requested { return range.map { _ in Complex(.nan, .nan) } }
            return range.map { i in body(frequencies[i], vertexExps(frequencies[i])) }
        }
        guard let pool, frequencies.count > 1 else { return work(0..<frequencies.count) }
        return pool.mapChunks(count: frequencies.count, chunkSize: 2) { work($0) }.flatMap { $0 }
    }

    /// e^{−2πik·v} at every vertex.
    private func vertexExps(_ k: SIMD3<Double>) -> [Complex] {
        let c = regions.complex
        return (0..<c.vertexCount).map { Complex.unit(turns: -dot(k, c.position(Int32($0)))) }
    }

    private func windowAt(_ k: SIMD3<Double>, _ exps: [Complex]) -> Complex {
        let c = regions.complex
        var sum = ComplexSum()
        for cell in 0..<c.cellCount {
            let top = apex[cell]
            let (topTurns, topValue) = (-dot(k, top), regions.value(cell: cell, top))
            let topExp = Complex.unit(turns: topTurns)
            for f in c.faces(cell: cell) {
                for t in triangleOffsets[Int(f)]..<triangleOffsets[Int(f) + 1] {
                    let corner = triangles[t]
                    let (a, b, d) = (c.position(corner[0]), c.position(corner[1]), c.position(corner[2]))
                    let six = abs(dot(a - top, cross(b - top, d - top)))
                    var nodes = ExpNodes(k, corner, c, exps)
                    nodes.append(turns: topTurns, exp: topExp)
                    var s = topValue * nodes.repeating(3)
                    s = s + regions.value(cell: cell, a) * nodes.repeating(0)
                    s = s + regions.value(cell: cell, b) * nodes.repeating(1)
                    s = s + regions.value(cell: cell, d) * nodes.repeating(2)
                    sum.add(six * s)
                }
            }
        }
        return sum.value
    }

    private func faceSpectrumAt(_ k: SIMD3<Double>, _ exps: [Complex]) -> Complex {
        let omega2 = 4 * Double.pi * Double.pi * (k * k).sum()
        if omega2 == 0 { return Complex(.nan, .nan) }
        let c = regions.complex
        var sum = ComplexSum()
        for f in 0..<c.faceCount where jump[f] != 0 {
            for t in triangleOffsets[f]..<triangleOffsets[f + 1] {
                sum.add((jump[f] * twiceAreas[t]) * ExpNodes(k, triangles[t], c, exps).dividedDifference())
            }
        }
        return (-1 / omega2) * sum.value
    }

    private func boundaryAt(_ k: SIMD3<Double>, _ exps: [Complex]) -> Complex {
        let omega2 = 4 * Double.pi * Double.pi * (k * k).sum()
        if omega2 == 0 { return Complex(.nan, .nan) }
        let c = regions.complex
        var sum = ComplexSum()
        for f in 0..<c.faceCount where c.faceCells[2 * f + 1] < 0 {
            let cell = Int(c.faceCells[2 * f])
            let n = normal[f]
            let (omegaN, gN) = (2 * Double.pi * dot(k, n), dot(regions.gradient[cell], n))
            for t in triangleOffsets[f]..<triangleOffsets[f + 1] {
                let nodes = ExpNodes(k, triangles[t], c, exps)
                var weighted = Complex(0)
                for j in 0..<3 {
                    weighted = weighted + regions.value(cell: cell, c.position(triangles[t][j])) * nodes.repeating(j)
                }
                // −i(ω·n)·weighted − (g·n)·exp[z_p, z_q, z_r]
                let plain = nodes.dividedDifference()
                sum.add(
                    twiceAreas[t] * Complex(omegaN * weighted.im - gN * plain.re, -omegaN * weighted.re - gN * plain.im)
                )
            }
        }
        return sum.value
    }
}

extension ExpNodes {
    /// The nodes −2πik·v at the given corners, with their exponentials already known.
    init(_ k: SIMD3<Double>, _ corners: SIMD3<Int32>, _ complex: PolyhedralComplex, _ exps: [Complex]) {
        self.init()
        for j in 0..<3 { append(turns: -dot(k, complex.position(corners[j])), exp: exps[Int(corners[j])]) }
    }

    /// exp[all nodes, node j again].
    func repeating(_ j: Int) -> Complex {
        var more = self
        more.append(turns: turns[j], exp: exp(j))
        return more.dividedDifference()
    }
}

/// A compensated complex sum.
struct ComplexSum {
    private var re = CompensatedSum(), im = CompensatedSum()
    mutating func add(_ z: Complex) {
        re.add(z.re)
        im.add(z.im)
    }
    var value: Complex { Complex(re.value, im.value) }
}
