// The crossover model shared by the 2-D and 3-D decay fits (`LinearRegions2D.crossoverRadius`,
// `ExactSpectrum3D.crossoverRadius`): where along a ray the spectrum reaches its asymptotic power law.

import Foundation

/// One term of a spectrum along a ray, modelled as weight·Π_i min(1, ρ_i/r): level up to each of its radii ρ_i, one
/// power of 1/r more beyond each, and in its final regime beyond the largest.
struct CrossoverTerm {
    var weight: Double
    var first: Double
    var second: Double? = nil

    @inline(__always) var last: Double { max(first, second ?? 0) }
    @inline(__always) func magnitude(_ r: Double) -> Double {
        weight * min(1, first / r) * (second.map { min(1, $0 / r) } ?? 1)
    }
}

/// The scan of `crossoverRadius`: the smallest r on a log grid (16 points a decade, `start` to 10¹²) such that on
/// all of [r, `span`·r] the terms not yet in their final regime carry at most `fraction` of those that are, in
/// root-mean-square terms; nil if none qualifies.
func crossover(_ terms: [CrossoverTerm], start: Double, span: Double, fraction: Double) -> Double? {
    let perDecade = 16.0
    let grid = (0...Int(perDecade * log10(1e12 / start))).map { start * pow(10, Double($0) / perDecade) }
    let good = grid.map { r -> Bool in
        var (pending, settled) = (0.0, 0.0)
        for t in terms {
            let m = t.magnitude(r)
            if t.last > r { pending += m * m } else { settled += m * m }
        }
        return pending <= fraction * fraction * settled
    }
    let window = Int((perDecade * log10(span)).rounded())
    for i in grid.indices where i + window < grid.count && good[i...(i + window)].allSatisfy({ $0 }) { return grid[i] }
    return nil
}
