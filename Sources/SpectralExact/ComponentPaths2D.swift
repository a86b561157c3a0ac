import Foundation
import SpectralCore

/// Exact connectivity of a 2-input classifier's class regions: the component that holds a point, and a path
/// between two points of one component that provably stays in it (docs/exact.md, paths).
///
/// The path runs through a chain of regions P₀ ∋ a, P₁, …, P_m ∋ b, crossing each shared edge at a point where
/// s·f > 0 (s the class's sign). Consecutive points lie in one closed convex region and s·f > 0 at both, and f is
/// affine there, so s·f > 0 along the whole segment: the path never leaves the class.
///
///     ┌────────┬──────────┬───────┐      the chain of regions is the shortest one in the graph whose nodes are
///     │ a●─────┼──●───────┼──●    │      the usable edges (the part of an edge with s·f > 0, entered at its
///     │        │     ╲    │   ╲   │      midpoint); then each crossing slides along its usable part to shorten
///     │  f>0   │ f>0  ●───┼────●b │      the path (coordinate descent, a convex problem per crossing). The
///     └────────┴──────────┴───────┘      result is an upper bound on the geodesic distance inside the component.
public struct ClassComponents2D: Sendable {
    public let regions: LinearRegions2D
    public let decision: DecisionRegions2D
    private let locator: _RegionLocator

    public init(_ regions: LinearRegions2D, decision: DecisionRegions2D) {
        self.regions = regions
        self.decision = decision
        locator = _RegionLocator(regions.mesh)
    }

    /// The least and the greatest value of f on the domain, exactly: f is affine on each region, so both are
    /// taken at a region's corner.
    public var logitRange: ClosedRange<Double> {
        let mesh = regions.mesh
        var (low, high) = (Double.infinity, -Double.infinity)
        for f in 0..<regions.regionCount {
            for v in mesh.corners(f) {
                let value = regions.value(face: f, mesh.x[Int(v)], mesh.y[Int(v)])
                (low, high) = (min(low, value), max(high, value))
            }
        }
        return low...high
    }

    /// The region that holds (x, y) (the first in region order for a point on an edge), nil outside the domain.
    public func region(containing x: Double, _ y: Double) -> Int? { locator.region(containing: x, y) }

    /// The component of class `sign` (+1: f > 0, −1: f < 0) that holds (x, y); nil when the point is outside the
    /// domain or f there does not have that sign.
    public func component(_ x: Double, _ y: Double, sign: Double) -> Int32? {
        guard let f = region(containing: x, y), sign * regions.value(face: f, x, y) > 0 else { return nil }
        let id = sign > 0 ? decision.positiveComponent[f] : decision.negativeComponent[f]
        return id >= 0 ? id : nil
    }

    /// A path from a to b inside their common component of class `sign`, nil when they are not in one component.
    public func path(
        from a: (x: Double, y: Double), to b: (x: Double, y: Double), sign: Double
    ) -> [(x: Double, y: Double)]? {
        guard let ca = component(a.x, a.y, sign: sign), ca == component(b.x, b.y, sign: sign),
            let fa = region(containing: a.x, a.y), let fb = region(containing: b.x, b.y)
        else { return nil }
        if fa == fb { return [a, b] }
        guard let chain = shortestChain(from: a, in: fa, to: b, in: fb, sign: sign) else { return nil }
        return [a] + tighten(chain, from: a, to: b, sign: sign) + [b]
    }

    /// The part [lo, hi] of edge e (parameter t from its start) where s·f > 0, nil if none or not between two
    /// regions that both have a piece of the class. Crossing ends are pulled in by 1e-9 of the part, so s·f stays
    /// positive at them after rounding.
    func usablePart(_ e: Int, sign: Double) -> (lo: Double, hi: Double)? {
        let mesh = regions.mesh
        let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
        guard r >= 0 else { return nil }
        let area = sign > 0 ? decision.positiveArea : decision.negativeArea
        guard area[l] > 0, area[r] > 0 else { return nil }
        let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
        let (u, v) = (
            sign * regions.value(face: l, mesh.x[p], mesh.y[p]), sign * regions.value(face: l, mesh.x[q], mesh.y[q])
        )
        guard u > 0 || v > 0 else { return nil }
        let crossing = u > 0 && v > 0 ? 0 : u / (u - v)
        var (lo, hi) = (u > 0 ? 0 : crossing, v > 0 ? 1 : crossing)
        let pull = 1e-9 * (hi - lo)
        if u <= 0 { lo += pull }
        if v <= 0 { hi -= pull }
        return lo < hi ? (lo, hi) : nil
    }

    func point(onEdge e: Int, at t: Double) -> (x: Double, y: Double) {
        let mesh = regions.mesh
        let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
        return (mesh.x[p] + t * (mesh.x[q] - mesh.x[p]), mesh.y[p] + t * (mesh.y[q] - mesh.y[p]))
    }

    func edges(of f: Int) -> [Int] {
        let mesh = regions.mesh
        return (mesh.faceOffsets[f]..<mesh.faceOffsets[f + 1]).map { mesh.halfEdges[$0].edge }
    }

    /// The shortest chain over the usable edges, each entered at the midpoint of its usable part (A*, the straight
    /// distance to b as the heuristic); the edges crossed, in order.
    func shortestChain(
        from a: (x: Double, y: Double), in fa: Int, to b: (x: Double, y: Double), in fb: Int, sign: Double
    ) -> [Int]? {
        let mesh = regions.mesh
        let target = mesh.edgeCount
        // Per edge: its usable part (found on first visit), the best distance so far and the edge before it.
        var parts = [(lo: Double, hi: Double)?](repeating: nil, count: target)
        var visited = [Bool](repeating: false, count: target)
        func part(_ e: Int) -> (lo: Double, hi: Double)? {
            if !visited[e] {
                visited[e] = true
                parts[e] = usablePart(e, sign: sign)
            }
            return parts[e]
        }
        func node(_ e: Int) -> (x: Double, y: Double) { point(onEdge: e, at: (parts[e]!.lo + parts[e]!.hi) / 2) }
        var distance = [Double](repeating: .infinity, count: target + 1)
        var previous = [Int32](repeating: -1, count: target + 1)
        var heap = _MinHeap()
        // A*: the straight distance to b never overestimates the rest of a path, so the first time the target
        // leaves the heap its distance is the shortest.
        func remaining(_ p: (x: Double, y: Double)) -> Double { hypot(b.x - p.x, b.y - p.y) }
        func relax(_ e: Int, _ d: Double, from: Int) {
            if d < distance[e] {
                distance[e] = d
                previous[e] = Int32(from)
                heap.push(d + (e == target ? 0 : remaining(node(e))), e)
            }
        }
        for e in edges(of: fa) where part(e) != nil { relax(e, hypot(node(e).x - a.x, node(e).y - a.y), from: -1) }
        while let (key, e) = heap.pop() {
            if e == target { break }
            let here = node(e)
            let d = distance[e]
            guard key == d + remaining(here) else { continue }
            for f in [Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e])] {
                if f == fb { relax(target, d + hypot(b.x - here.x, b.y - here.y), from: e) }
                for next in edges(of: f) where next != e && part(next) != nil {
                    let there = node(next)
                    relax(next, d + hypot(there.x - here.x, there.y - here.y), from: e)
                }
            }
        }
        guard distance[target].isFinite else { return nil }
        var chain: [Int] = []
        var e = Int(previous[target])
        while e >= 0 {
            chain.append(e)
            e = Int(previous[e])
        }
        return chain.reversed()
    }

    /// Slides each crossing along its usable part to shorten the path: golden-section search on the convex
    /// |P(t) − previous| + |P(t) − next|, sweeps until the length stops falling.
    func tighten(
        _ chain: [Int], from a: (x: Double, y: Double), to b: (x: Double, y: Double), sign: Double
    ) -> [(x: Double, y: Double)] {
        let bounds = chain.map { usablePart($0, sign: sign)! }
        var t = bounds.map { ($0.lo + $0.hi) / 2 }
        var points = chain.indices.map { point(onEdge: chain[$0], at: t[$0]) }
        func length() -> Double {
            let all = [a] + points + [b]
            var sum = 0.0
            for i in 1..<all.count { sum += hypot(all[i].x - all[i - 1].x, all[i].y - all[i - 1].y) }
            return sum
        }
        var last = length()
        for _ in 0..<200 {
            for i in chain.indices {
                let (u, w) = (i == 0 ? a : points[i - 1], i + 1 == chain.count ? b : points[i + 1])
                t[i] = goldenMinimum(in: bounds[i].lo...bounds[i].hi) { s in
                    let p = point(onEdge: chain[i], at: s)
                    return hypot(p.x - u.x, p.y - u.y) + hypot(p.x - w.x, p.y - w.y)
                }
                points[i] = point(onEdge: chain[i], at: t[i])
            }
            let now = length()
            if now > last - 1e-13 * last { break }
            last = now
        }
        return points
    }
}

/// The minimum of a convex function on an interval by golden-section search (to 1e-12 of the interval).
func goldenMinimum(in range: ClosedRange<Double>, _ g: (Double) -> Double) -> Double {
    let ratio = (5.0.squareRoot() - 1) / 2
    var (lo, hi) = (range.lowerBound, range.upperBound)
    var (x1, x2) = (hi - ratio * (hi - lo), lo + ratio * (hi - lo))
    var (g1, g2) = (g(x1), g(x2))
    while hi - lo > 1e-12 * (range.upperBound - range.lowerBound) {
        if g1 <= g2 {
            (hi, x2, g2) = (x2, x1, g1)
            x1 = hi - ratio * (hi - lo)
            g1 = g(x1)
        } else {
            (lo, x1, g1) = (x1, x2, g2)
            x2 = lo + ratio * (hi - lo)
            g2 = g(x2)
        }
    }
    return g1 <= g2 ? x1 : x2
}

/// A binary min-heap of (key, value).
struct _MinHeap {
    private var items: [(Double, Int)] = []

    mutating func push(_ key: Double, _ value: Int) {
        items.append((key, value))
        var i = items.count - 1
        while i > 0, items[(i - 1) / 2].0 > items[i].0 {
            items.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var i = 0
        while true {
            let (l, r) = (2 * i + 1, 2 * i + 2)
            var m = i
            if l < items.count, items[l].0 < items[m].0 { m = l }
            if r < items.count, items[r].0 < items[m].0 { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}

/// Point location in a planar subdivision: a uniform grid of buckets over the bounding box, each listing the faces
/// whose bounding boxes meet it.
public struct _RegionLocator: Sendable {
    let mesh: PlanarSubdivision
    let side: Int
    let x0: Double, y0: Double, cellWidth: Double, cellHeight: Double
    let offsets: [Int]
    let faces: [Int32]

    public init(_ mesh: PlanarSubdivision) {
        self.mesh = mesh
        side = max(1, min(1024, Int(Double(mesh.faceCount).squareRoot())))
        (x0, y0) = (mesh.x.min() ?? 0, mesh.y.min() ?? 0)
        cellWidth = max((mesh.x.max() ?? 1) - x0, 1e-300) / Double(side)
        cellHeight = max((mesh.y.max() ?? 1) - y0, 1e-300) / Double(side)
        var ranges: [(Int, Int, Int, Int)] = []
        var counts = [Int](repeating: 0, count: side * side + 1)
        for f in 0..<mesh.faceCount {
            let c = mesh.corners(f).map(Int.init)
            let (xs, ys) = (c.map { mesh.x[$0] }, c.map { mesh.y[$0] })
            let r = (
                Self.cell(xs.min()!, x0, cellWidth, side), Self.cell(xs.max()!, x0, cellWidth, side),
                Self.cell(ys.min()!, y0, cellHeight, side), Self.cell(ys.max()!, y0, cellHeight, side)
            )
            ranges.append(r)
            for j in r.2...r.3 { for i in r.0...r.1 { counts[j * side + i + 1] += 1 } }
        }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var fill = counts
        var faces = [Int32](repeating: 0, count: counts.last!)
        for (f, r) in ranges.enumerated() {
            for j in r.2...r.3 {
                for i in r.0...r.1 {
                    faces[fill[j * side + i]] = Int32(f)
                    fill[j * side + i] += 1
                }
            }
        }
        (offsets, self.faces) = (counts, faces)
    }

    /// The bucket of coordinate v, widened by one at the ends (a corner on a bucket line belongs to both sides).
    static func cell(_ v: Double, _ origin: Double, _ width: Double, _ side: Int) -> Int {
        min(side - 1, max(0, Int(((v - origin) / width).rounded(.down))))
    }

    public func region(containing x: Double, _ y: Double) -> Int? {
        let slack = 1e-12 * max(cellWidth, cellHeight) * Double(side)
        let (i, j) = (Self.cell(x, x0, cellWidth, side), Self.cell(y, y0, cellHeight, side))
        // A point on a bucket line may round to the next bucket; its neighbours are searched too.
        var best: Int?
        for jj in max(0, j - 1)...min(side - 1, j + 1) {
            for ii in max(0, i - 1)...min(side - 1, i + 1) {
                for k in offsets[jj * side + ii]..<offsets[jj * side + ii + 1] {
                    let f = Int(faces[k])
                    if f < (best ?? .max), mesh.contains(face: f, x, y, slack: slack) { best = f }
                }
            }
        }
        return best
    }
}
