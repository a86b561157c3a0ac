import Foundation
import SpectralSpectra

/// A direction of k in 3-D that Theorem 1 singles out, with the weight of the faces or edges behind it.
///  - `.normal`: k along the normal of 2-faces: their term J_F·∫_F e^{−2πik·x} dS keeps modulus J_F·|F|, so the face
///    spectrum decays as |k|⁻²; weight Σ |J_F|·|F|.
///  - `.edge`: k on the great circle orthogonal to an edge direction d: the faces' transforms fall as |k|⁻¹ only
///    (the phase is constant along those edges), so the spectrum decays as |k|⁻³; weight Σ |J_F|·length over the
///    (face, edge) pairs.
/// Elsewhere the decay is |k|⁻⁴. Directions are unit vectors up to sign (f is real: k and −k decay alike).
public struct SpecialDirection: Sendable {
    public enum Kind: String, Sendable { case normal, edge }
    public let kind: Kind
    public let direction: SIMD3<Double>
    public let weight: Double
    /// Faces (normals) or face edges (edge directions) that share it, to the grouping tolerance.
    public let members: Int
}

extension ExactSpectrum3D {
    /// The face normals of the interior faces with a nonzero jump, heaviest first (normals that agree to about
    /// `tolerance` form one direction: the pieces of one first-layer plane agree to rounding).
    public func faceNormals(tolerance: Double = 1e-9) -> [SpecialDirection] {
        let k = regions.complex
        var terms: [(SIMD3<Double>, Double)] = []
        for f in 0..<k.faceCount where jump[f] != 0 {
            let area = k.areaVector(face: f)
            terms.append((normal[f], abs(jump[f]) * (area * area).sum().squareRoot() / 2))
        }
        return grouped(terms, kind: .normal, tolerance: tolerance)
    }

    /// The directions of the edges of interior faces with a nonzero jump, heaviest first, weighted by what survives
    /// of their faces' |k|⁻¹ terms. In the plane orthogonal to an edge e, each face F through e is a ray r_F and its
    /// term at k = |k|·u is proportional to ℓ_e·J_F/(u·r_F): where two planes simply cross, opposite rays carry equal
    /// jumps and the terms cancel (continuity of f makes Σ J_F r_F = 0 around every interior edge), so only edges where
    /// a surface bends, or ends on the box, give |k|⁻³. The weight is Σ_e ℓ_e·|Σ_F J_F/(u_e·r_F)|, with u_e the
    /// direction orthogonal to e farthest from every r_F's normal (of 16 tried).
    public func edgeDirections(tolerance: Double = 1e-9) -> [SpecialDirection] {
        let k = regions.complex
        var rays = [[(jump: Double, ray: SIMD3<Double>)]](repeating: [], count: k.edgeCount)
        for f in 0..<k.faceCount where jump[f] != 0 {
            let corners = k.corners(face: f)
            let middle = corners.reduce(SIMD3<Double>()) { $0 + k.position($1) } / Double(corners.count)
            for i in k.faceOffsets[f]..<k.faceOffsets[f + 1] {
                let e = Int(k.faceEdges[i])
                let p = k.position(k.edgeStart[e])
                let d = k.position(k.edgeEnd[e]) - p
                var r = cross(normal[f], d)
                let size = (r * r).sum().squareRoot()
                guard size > 0 else { continue }  // an edge of zero length
                r /= size
                rays[e].append((jump[f], dot(r, middle - p) < 0 ? -r : r))
            }
        }
        var terms: [(SIMD3<Double>, Double)] = []
        for e in 0..<k.edgeCount where !rays[e].isEmpty {
            let d = k.position(k.edgeEnd[e]) - k.position(k.edgeStart[e])
            let length = (d * d).sum().squareRoot()
            let candidates = greatCircle(orthogonalTo: d / length, count: 16)
            let u = candidates.max { a, b in
                rays[e].map { abs(dot(a, $0.ray)) }.min()! < rays[e].map { abs(dot(b, $0.ray)) }.min()!
            }!
            let surviving = rays[e].reduce(0.0) { $0 + $1.jump / dot(u, $1.ray) }
            terms.append((d / length, length * abs(surviving)))
        }
        return grouped(terms, kind: .edge, tolerance: tolerance)
    }
}

/// Unit vectors up to sign, grouped by rounding to `tolerance` after turning each so that its largest component is
/// positive; weights add up, the direction is the weighted mean.
private func grouped(
    _ terms: [(SIMD3<Double>, Double)], kind: SpecialDirection.Kind, tolerance: Double
) -> [SpecialDirection] {
    var groups: [SIMD3<Int64>: (sum: SIMD3<Double>, weight: Double, count: Int)] = [:]
    for (v, w) in terms where w > 0 {
        let u = canonicalSign(v)
        let key = SIMD3<Int64>((u / tolerance).rounded(.toNearestOrEven))
        var g = groups[key, default: (.zero, 0, 0)]
        g = (g.sum + w * u, g.weight + w, g.count + 1)
        groups[key] = g
    }
    return groups.values.map { g in
        SpecialDirection(
            kind: kind, direction: g.sum / (g.sum * g.sum).sum().squareRoot(), weight: g.weight, members: g.count)
    }.sorted { ($0.weight, $0.direction.x, $0.direction.y) > ($1.weight, $1.direction.x, $1.direction.y) }
}

func canonicalSign(_ v: SIMD3<Double>) -> SIMD3<Double> {
    let a = SIMD3(Swift.abs(v.x), Swift.abs(v.y), Swift.abs(v.z))
    let largest = a.x >= a.y && a.x >= a.z ? v.x : (a.y >= a.z ? v.y : v.z)
    return largest < 0 ? -v : v
}

/// The angle between direction u and the special direction: to the normal itself, or to the great circle of
/// directions orthogonal to an edge direction.
func angularDistance(_ u: SIMD3<Double>, _ s: SpecialDirection) -> Double {
    let c = min(1, abs(dot(u, s.direction)))
    return s.kind == .normal ? acos(c) : asin(c)
}

/// Points spread evenly over the unit sphere (a Fibonacci lattice), `count` of them.
public func fibonacciSphere(count: Int) -> [SIMD3<Double>] {
    let golden = Double.pi * (3 - 5.0.squareRoot())
    return (0..<count).map { i in
        let z = 1 - 2 * (Double(i) + 0.5) / Double(count)
        let r = (1 - z * z).squareRoot()
        return SIMD3(r * cos(golden * Double(i)), r * sin(golden * Double(i)), z)
    }
}

/// The direction among `candidates` farthest from every special direction heavier than `fraction` of the heaviest of
/// its kind, with that distance (radians): a generic direction.
public func farthestDirection(
    from special: [SpecialDirection], candidates: [SIMD3<Double>], fraction: Double = 1e-6
) -> (direction: SIMD3<Double>, distance: Double) {
    let heaviest = Dictionary(special.map { ($0.kind, $0.weight) }, uniquingKeysWith: max)
    let heavy = special.filter { $0.weight >= fraction * heaviest[$0.kind]! }
    var best = (direction: candidates[0], distance: -1.0)
    for u in candidates {
        let d = heavy.reduce(Double.pi) { min($0, angularDistance(u, $1)) }
        if d > best.distance { best = (u, d) }
    }
    return best
}

/// `count` directions on the great circle orthogonal to d.
public func greatCircle(orthogonalTo d: SIMD3<Double>, count: Int) -> [SIMD3<Double>] {
    let helper: SIMD3<Double> = abs(d.x) < 0.9 ? SIMD3(1, 0, 0) : SIMD3(0, 1, 0)
    var a = cross(d, helper)
    a /= (a * a).sum().squareRoot()
    let b = cross(d, a)
    return (0..<count).map { i in
        let t = Double.pi * Double(i) / Double(count)
        return cos(t) * a + sin(t) * b
    }
}

/// |S(r·u)| along one direction of ℝ³ and its fitted power law (least squares of log|S| on log r).
public struct DirectionalDecay3D: Sendable {
    public let direction: SIMD3<Double>
    public let radii: [Double]
    public let magnitudes: [Double]
    public let fit: DecayFit?
}

extension ExactSpectrum3D {
    /// The face spectrum along rays, at the radii given (cycles per unit), with one power-law fit per ray.
    public func directionalDecay(directions: [SIMD3<Double>], radii: [Double]) -> [DirectionalDecay3D] {
        let values = faceSpectrum(directions.flatMap { u in radii.map { $0 * u } })
        return directions.enumerated().map { i, u in
            let magnitudes = values[(i * radii.count)..<((i + 1) * radii.count)].map(\.magnitude)
            return DirectionalDecay3D(
                direction: u, radii: radii, magnitudes: magnitudes,
                fit: DecayFit.fit(frequencies: radii, magnitudes: magnitudes))
        }
    }
}

extension ExactSpectrum3D {
    /// The radius beyond which the face spectrum along u decays at its asymptotic rate, predicted from the faces (as
    /// `LinearRegions2D.crossoverRadius` in 2-D). Face F (jump J, area |F|, diameter D, normal at angle θ from u) adds
    /// J·∫_F e^{−2πik·x} dS, of modulus about J|F| up to a = 1/(π D sin θ), one power of 1/r less beyond it (its edge
    /// terms) and two beyond b = max over its edges of 1/(π ℓ |u·d̂|), where the slowest edge turns generic too. The
    /// model ignores the cancellation of edge terms where planes cross, so it errs late, which only moves the fit out.
    public func crossoverRadius(
        direction u: SIMD3<Double>, start: Double, span: Double = 100, fraction: Double = 0.1
    ) -> Double? {
        let k = regions.complex
        var terms: [CrossoverTerm] = []
        for f in 0..<k.faceCount where jump[f] != 0 {
            let corners = k.corners(face: f).map { k.position($0) }
            var diameter = 0.0
            for (i, p) in corners.enumerated() {
                for q in corners[(i + 1)...] { diameter = max(diameter, ((p - q) * (p - q)).sum()) }
            }
            let sine = (max(0, 1 - dot(u, normal[f]) * dot(u, normal[f]))).squareRoot()
            var slowest = 0.0
            for (i, p) in corners.enumerated() {
                let along = abs(dot(u, corners[(i + 1) % corners.count] - p))
                slowest = max(slowest, along > 0 ? 1 / (Double.pi * along) : .infinity)
            }
            let area = k.areaVector(face: f)
            terms.append(
                CrossoverTerm(
                    weight: abs(jump[f]) * (area * area).sum().squareRoot() / 2,
                    first: sine > 0 ? 1 / (Double.pi * diameter.squareRoot() * sine) : .infinity, second: slowest))
        }
        return crossover(terms, start: start, span: span, fraction: fraction)
    }
}
