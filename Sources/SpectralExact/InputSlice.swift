import Foundation
import SpectralCore

/// A line, plane or 3-space through points of a network's input space: x(t) = origin + Σ_k t_k·basis[k].
///
/// The first point is the origin; the differences of the others from it are orthonormalised (modified
/// Gram–Schmidt, run twice so that |⟨bᵢ, bⱼ⟩| stays at rounding level), so slice distances are input-space
/// distances and frequencies are cycles per unit of input distance.
public struct InputSlice: Sendable, Equatable {
    public let origin: [Double]
    public let basis: [[Double]]
    /// Each given point's slice coordinates (the first is all zeros).
    public let pointCoordinates: [[Double]]

    public var dimension: Int { basis.count }

    public init(origin: [Double], basis: [[Double]], pointCoordinates: [[Double]]) {
        (self.origin, self.basis, self.pointCoordinates) = (origin, basis, pointCoordinates)
    }

    /// The slice through 2, 3 or 4 points of equal length; points that do not span a space of one dimension
    /// less than their number (a repeated point, three points on a line) are bad input.
    public init(through points: [[Double]]) throws {
        guard (2...4).contains(points.count) else {
            throw SpectralError.badInput("a slice needs 2, 3 or 4 points, not \(points.count)")
        }
        let n = points[0].count
        guard n > 0, points.allSatisfy({ $0.count == n }) else {
            throw SpectralError.badInput("the slice's points must all have the same number of coordinates")
        }
        guard points.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw SpectralError.badInput("a slice's point has a coordinate that is not a finite number")
        }
        var basis: [[Double]] = []
        for (i, p) in points.enumerated().dropFirst() {
            var v = zip(p, points[0]).map { $0 - $1 }
            let length = norm(v)
            for _ in 0..<2 {
                for b in basis {
                    let d = dot(v, b)
                    for j in 0..<n { v[j] -= d * b[j] }
                }
            }
            let rest = norm(v)
            guard length > 0, rest > 1e-9 * length else {
                throw SpectralError.badInput("the slice's point \(i + 1) lies in the span of the points before it")
            }
            basis.append(v.map { $0 / rest })
        }
        let coordinates = points.map { p in basis.map { b in dot(zip(p, points[0]).map { $0 - $1 }, b) } }
        self.init(origin: points[0], basis: basis, pointCoordinates: coordinates)
    }

    /// The input point at slice coordinates t.
    public func point(_ t: [Double]) -> [Double] {
        var x = origin
        for (k, b) in basis.enumerated() { for j in x.indices { x[j] += t[k] * b[j] } }
        return x
    }

    /// The given points' bounding box in slice coordinates, grown by `margin` of its size on every side (an axis
    /// on which all points agree gets ±margin·(the largest extent), or ±1 when every point is the same).
    public func defaultBox(margin: Double = 0.1) -> [ClosedRange<Double>] {
        let extents = (0..<dimension).map { k in
            (pointCoordinates.map { $0[k] }.min()!, pointCoordinates.map { $0[k] }.max()!)
        }
        let largest = extents.map { $0.1 - $0.0 }.max() ?? 0
        return extents.map { lo, hi in
            let pad = hi > lo ? margin * (hi - lo) : (largest > 0 ? margin * largest : 1)
            return (lo - pad)...(hi + pad)
        }
    }
}

func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
