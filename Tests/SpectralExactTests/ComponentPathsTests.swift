import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import XCTest

/// f = u₁ − 2·u₂ − ½ with u₁ = ‖x‖₁ and u₂ = relu(‖x‖₁ − ¾): f = ‖x‖₁ − ½ inside ‖x‖₁ < ¾ and 1 − ‖x‖₁ outside, so
/// class 1 (f > 0) is the diamond ring ½ < ‖x‖₁ < 1, class 0 the inner diamond and the outside: two components.
func diamondRing() throws -> ExactNetwork {
    try ExactNetwork(
        sizes: [2, 4, 2, 1],
        weights: [[1, 0, -1, 0, 0, 1, 0, -1], [1, 1, 1, 1, 1, 1, 1, 1], [1, -2]],
        biases: [[0, 0, 0, 0], [0, -0.75], [-0.5]], inputs: 2)
}

final class ComponentPathsTests: XCTestCase {
    func components(_ net: ExactNetwork) throws -> ClassComponents2D {
        let regions = try enumerateRegions(
            net, domain: boxPolygon(x0: -1.6, x1: 1.6, y0: -1.6, y1: 1.6), pool: ThreadPool(threadCount: 2))
        return ClassComponents2D(regions, decision: DecisionRegions2D(regions))
    }

    /// Across the ring from (¾, 0) to (−¾, 0) the shortest way inside it bends round the inner diamond's corner
    /// (0, ½): 2·‖(¾, −½)‖ = 1.8028…. The path found must stay in class 1 (checked exactly, segment by segment),
    /// be at least that long (it is a path inside the ring) and at most 1e-6 longer (the crossings slide to within
    /// 1e-9 of the boundary, and the golden-section search stops at 1e-12 of each edge).
    func testPathAcrossTheRingBendsRoundTheInnerCorner() throws {
        let net = try diamondRing()
        let c = try components(net)
        let path = try XCTUnwrap(c.path(from: (0.75, 0), to: (-0.75, 0), sign: 1))
        let geodesic = 2 * hypot(0.75, 0.5)
        let length = zip(path, path.dropFirst()).reduce(0) { $0 + hypot($1.1.x - $1.0.x, $1.1.y - $1.0.y) }
        XCTAssertGreaterThanOrEqual(length, geodesic - 1e-12)
        XCTAssertLessThan(length, geodesic + 1e-6)
        let pool = ThreadPool(threadCount: 1)
        for (u, w) in zip(path, path.dropFirst()) {
            let m = try net.minimumMargin(from: [u.x, u.y], to: [w.x, w.y], sign: 1, pool: pool)
            XCTAssertGreaterThan(m, 0, "segment \(u) → \(w) leaves the ring")
        }
    }

    /// The ring is one component of class 1; the inner diamond and the outside are two of class 0, so a point of
    /// each is not connected, and the straight segment from the centre outwards crosses the ring.
    func testComponentsOfTheRing() throws {
        let c = try components(try diamondRing())
        XCTAssertEqual(c.component(0.75, 0, sign: 1), c.component(0, -0.8, sign: 1))
        XCTAssertNil(c.component(0.75, 0, sign: -1), "f > 0 there")
        let (inner, outer) = (c.component(0.1, 0.1, sign: -1), c.component(1.5, 1.5, sign: -1))
        XCTAssertNotNil(inner)
        XCTAssertNotNil(outer)
        XCTAssertNotEqual(inner, outer)
        XCTAssertNil(c.path(from: (0.1, 0.1), to: (1.5, 1.5), sign: -1))
        XCTAssertEqual(c.decision.components.count, 3)
        // f's extremes on the box: ¼ on the ring's ridge ‖x‖₁ = ¾, 3.2 − 2·2.45 − ½ = −2.2 at the box's corners.
        XCTAssertEqual(c.logitRange.lowerBound, -2.2, accuracy: 1e-14)
        XCTAssertEqual(c.logitRange.upperBound, 0.25, accuracy: 1e-14)
    }

    /// Two points in one linear region: the straight segment.
    func testPointsInOneRegionAreJoinedStraight() throws {
        let c = try components(try diamondRing())
        let path = try XCTUnwrap(c.path(from: (0.6, 0.05), to: (0.55, 0.1), sign: 1))
        XCTAssertEqual(path.count, 2)
    }

    /// The minimum of s·f on a segment, exactly, against a closed form (f = ‖x‖₁ − ½ near the centre: along
    /// (−0.3, 0.1) → (0.4, 0.1) the minimum is at x = 0, f = −0.4, and the maximum at the end, f = 0) and
    /// against dense sampling of a random net (the exact minimum is at most every sample's value, and within 1e-4 of the best of 200,001 samples: their
    /// spacing in t, 5e-6, times the slope of f along the segment, a few units here, bounds the gap).
    func testMinimumMarginOnASegment() throws {
        let pool = ThreadPool(threadCount: 1)
        let ring = try diamondRing()
        XCTAssertEqual(
            try ring.minimumMargin(from: [-0.3, 0.1], to: [0.4, 0.1], sign: 1, pool: pool), -0.4, accuracy: 1e-15)
        XCTAssertEqual(
            try ring.minimumMargin(from: [-0.3, 0.1], to: [0.4, 0.1], sign: -1, pool: pool), 0, accuracy: 1e-15)
        var rng = SplitMix64(seed: 7)
        let sizes = [5, 12, 12, 1]
        let weights = (0..<3).map { l in (0..<(sizes[l] * sizes[l + 1])).map { _ in rng.nextUnitDouble() * 2 - 1 } }
        let biases = (0..<3).map { l in (0..<sizes[l + 1]).map { _ in rng.nextUnitDouble() - 0.5 } }
        let net = try ExactNetwork(sizes: sizes, weights: weights, biases: biases, inputs: 5)
        let (u, w) = (
            (0..<5).map { _ in rng.nextUnitDouble() * 2 - 1 }, (0..<5).map { _ in rng.nextUnitDouble() * 2 - 1 }
        )
        let exact = try net.minimumMargin(from: u, to: w, sign: 1, pool: pool)
        var sampled = Double.infinity
        for i in 0...200_000 {
            let t = Double(i) / 200_000
            sampled = min(sampled, net.evaluate((0..<5).map { u[$0] + t * (w[$0] - u[$0]) }))
        }
        XCTAssertLessThanOrEqual(exact, sampled + 1e-12)
        XCTAssertEqual(exact, sampled, accuracy: 1e-4)
    }
}
