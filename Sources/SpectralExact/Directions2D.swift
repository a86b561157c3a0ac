import Foundation
import SpectralSpectra

/// A direction of k along which the edge spectrum decays only as |k|⁻² (Theorem 1): k orthogonal to region edges.
/// Along u ⊥ edge E the factor exp[z_p, z_q] of E's term keeps modulus 1, so the term's size stays
/// |(g_R − g_L)·ν_E|/|ω|²; in every other direction it falls by one more power of |k|.
public struct Ridge: Sendable {
    /// Angle of k in [0, π) (k and −k decay alike: f is real).
    public let angle: Double
    /// Σ |(g_R − g_L)·ν| over the edges orthogonal to it: the ridge's |k|² · |S| scale, up to phases.
    public let weight: Double
    public let edges: Int
}

extension LinearRegions2D {
    /// The ridge directions predicted from the edge normals, heaviest first. Edges whose normals agree to
    /// `tolerance` radians (the collinear pieces of one first-layer line agree to rounding) form one ridge.
    public func ridges(tolerance: Double = 1e-9) -> [Ridge] {
        var terms: [(angle: Double, weight: Double)] = []
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            let (dx, dy) = (mesh.x[q] - mesh.x[p], mesh.y[q] - mesh.y[p])
            let jump = abs((gradientX[r] - gradientX[l]) * dy - (gradientY[r] - gradientY[l]) * dx)
            if jump == 0 || isFlat(edge: e) { continue }
            var angle = atan2(-dx, dy)  // the normal (dy, −dx)
            if angle < 0 { angle += .pi }
            if angle >= .pi { angle -= .pi }
            terms.append((angle, jump))
        }
        terms.sort { $0.angle < $1.angle }
        var ridges: [Ridge] = []
        var i = 0
        while i < terms.count {
            var j = i
            var weight = 0.0
            var weighted = 0.0
            while j < terms.count && terms[j].angle - terms[i].angle <= tolerance {
                weight += terms[j].weight
                weighted += terms[j].weight * terms[j].angle
                j += 1
            }
            ridges.append(Ridge(angle: weighted / weight, weight: weight, edges: j - i))
            i = j
        }
        // Angles near π and near 0 are the same direction.
        if ridges.count > 1, let last = ridges.last, Double.pi - last.angle + ridges[0].angle <= tolerance {
            ridges[0] = Ridge(
                angle: ridges[0].angle, weight: ridges[0].weight + last.weight, edges: ridges[0].edges + last.edges)
            ridges.removeLast()
        }
        return ridges.sorted { $0.weight > $1.weight }
    }
}

/// |S(r·u)| along one direction and its fitted power law (plain least squares of log|S| on log r).
public struct DirectionalDecay: Sendable {
    public let angle: Double
    public let radii: [Double]
    public let magnitudes: [Double]
    public let fit: DecayFit?
}

extension ExactSpectrum2D {
    /// The edge spectrum along rays at `angles` (radians), at the radii given (cycles per unit), with one
    /// power-law fit per ray.
    public func directionalDecay(angles: [Double], radii: [Double]) -> [DirectionalDecay] {
        let ks = angles.flatMap { a in radii.map { (kx: $0 * cos(a), ky: $0 * sin(a)) } }
        let values = edgeSpectrum(ks)
        return angles.enumerated().map { i, a in
            let magnitudes = values[(i * radii.count)..<((i + 1) * radii.count)].map(\.magnitude)
            return DirectionalDecay(
                angle: a, radii: radii, magnitudes: magnitudes,
                fit: DecayFit.fit(frequencies: radii, magnitudes: magnitudes))
        }
    }
}

/// `count` radii spaced evenly in log between `low` and `high`.
public func geometricRadii(_ low: Double, _ high: Double, count: Int) -> [Double] {
    (0..<count).map { low * pow(high / low, Double($0) / Double(max(1, count - 1))) }
}

/// The angle in [0, π) farthest from every ridge heavier than `fraction` of the heaviest: a generic direction.
public func genericAngle(avoiding ridges: [Ridge], fraction: Double = 1e-6) -> Double {
    let heavy = ridges.filter { $0.weight >= fraction * (ridges.first?.weight ?? 0) }.map(\.angle).sorted()
    guard let first = heavy.first else { return 0.3 }
    var best = (gap: Double.pi - heavy.last! + first, angle: (heavy.last! + Double.pi + first) / 2)
    for (a, b) in zip(heavy, heavy.dropFirst()) where b - a > best.gap { best = (b - a, (a + b) / 2) }
    return best.angle.truncatingRemainder(dividingBy: .pi)
}

extension LinearRegions2D {
    /// The radius beyond which the edge spectrum along angle θ decays at its asymptotic rate, predicted from the
    /// edges alone. Along u, edge e (length ℓ, jump J = |(g_R − g_L)·ν|) contributes J·exp[z_p, z_q]/|ω|², and
    /// |exp[z_p, z_q]| = |sinc(π r ℓ u·d̂)|: about 1 up to r_e = 1/(π ℓ |u·d̂|), then falling as r_e/r. An edge
    /// nearly parallel to u keeps its |k|⁻² plateau far out, and with tens of thousands of edges some always is: the
    /// finite-band exponent lies between −2 and −3. The prediction is the smallest r such that on all of
    /// [r, `span`·r] the plateau edges (r_e > r′) carry at most `fraction` of the decaying ones, in root-mean-square
    /// terms (edge phases are unrelated): √Σ_{r_e > r′} J² ≤ fraction·√Σ_{r_e ≤ r′} (J r_e/r′)².
    /// Scanned on a log grid of 16 points per decade from `start` to 10¹²; nil if none qualifies there.
    public func crossoverRadius(angle: Double, start: Double, span: Double = 100, fraction: Double = 0.1) -> Double? {
        let u = (cos(angle), sin(angle))
        var terms: [CrossoverTerm] = []
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 && !isFlat(edge: e) {
            let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            let (dx, dy) = (mesh.x[q] - mesh.x[p], mesh.y[q] - mesh.y[p])
            let jump = abs((gradientX[r] - gradientX[l]) * dy - (gradientY[r] - gradientY[l]) * dx)
            let along = abs(u.0 * dx + u.1 * dy)  // ℓ·|u·d̂|
            terms.append(CrossoverTerm(weight: jump, first: along > 0 ? 1 / (Double.pi * along) : .infinity))
        }
        return crossover(terms, start: start, span: span, fraction: fraction)
    }
}
