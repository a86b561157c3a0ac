import Foundation
import SpectralCore
import SpectralExperiments
import SpectralKernels
import SpectralNetworks
import XCTest

/// f(x) = 10·relu(x₁ + 2) − 25 − c = 10·x₁ − 5 − c on the box [−1.6, 1.6]² (the unit is always active there): the
/// boundary is the line x₁ = (5 + c)/10 and ∂f/∂x = (10, 0) everywhere.
func linearClassifier(shift c: Float = 0) throws -> BinaryClassifier {
    let net = try MLP(sizes: [2, 1, 1], parameters: [1, 0, 2, 10, -25 - c])
    return try BinaryClassifier(net: net, gemm: GEMM(pool: ThreadPool(threadCount: 1)))
}

final class PathsTests: XCTestCase {
    let box = InputBox(low: -1.6, high: 1.6, dimension: 2)

    /// Toward class 1 from (−1, 0.3), toward class 0 from (1.2, −0.4): the attack walks along ±x₁ only (x₂ keeps
    /// its bits) and stops at the first step past the line where p = 0.99, x₁ = (5 ± ln 99)/10, so within one step
    /// (0.005 of the box's diagonal) beyond it; the step count follows from the distance.
    func testAttackOnALinearNetStopsJustPastTheTargetProbability() throws {
        let attack = TargetedAttack(stepLength: 0.005 * box.diagonal, maxIterations: 1000)
        let out = try attack.run(
            try linearClassifier(), starts: [-1, 0.3, 1.2, -0.4], signs: [1, -1], box: box, seed: 1, interrupt: {})
        let goal = log(99.0) / 10
        XCTAssertTrue(out[0].reached && out[1].reached)
        XCTAssertEqual(out[0].point[1], 0.3)
        XCTAssertEqual(out[1].point[1], -0.4)
        let (x1, x0) = (Double(out[0].point[0]), Double(out[1].point[0]))
        XCTAssertGreaterThanOrEqual(x1, 0.5 + goal - 1e-5)
        XCTAssertLessThan(x1, 0.5 + goal + attack.stepLength)
        XCTAssertLessThanOrEqual(x0, 0.5 - goal + 1e-5)
        XCTAssertGreaterThan(x0, 0.5 - goal - attack.stepLength)
        XCTAssertEqual(out[0].iterations, Int(((0.5 + goal + 1) / attack.stepLength).rounded(.up)))
        XCTAssertGreaterThanOrEqual(out[0].targetProbability, 0.99)
        XCTAssertGreaterThanOrEqual(out[1].targetProbability, 0.99)
    }

    /// f = 10·x₁ − 17: the boundary x₁ = 1.7 lies outside the box, so class 1 cannot reach p = 0.99: the attack
    /// ends on the box's face x₁ = 1.6 (f = −1, to Float rounding), reports failure and the probability it got, σ(−1).
    func testAttackReportsAnUnreachableTarget() throws {
        let classifier = try linearClassifier(shift: 12)
        let attack = TargetedAttack(stepLength: 0.05, maxIterations: 500)
        let out = try attack.run(classifier, starts: [0, 0], signs: [1], box: box, seed: 1, interrupt: {})
        XCTAssertFalse(out[0].reached)
        XCTAssertEqual(out[0].point[0], box.high[0])
        XCTAssertEqual(box.high[0], Float(1.6).nextDown, "Float(1.6) > 1.6: the box's end rounds inward")
        XCTAssertEqual(out[0].targetProbability, 1 / (1 + exp(1.0)), accuracy: 1e-5)
    }

    /// f = relu(10·x₁ + x₂ + 20) − c (always active on the box), from the face x₁ = 1.6 toward class 1, with c
    /// such that p = 0.99 needs x₂ = 1: ∇f = (10, 1) points out of the box, so the step goes all to x₂ (the
    /// projected gradient), reaching the goal in 1/step steps; x₁ keeps its bits. Unprojected, x₂ would move
    /// 1/√101 of each step and need ten times the steps allowed.
    func testAttackFromAFaceMovesAlongIt() throws {
        let c = Float(10 * Double(box.high[0]) + 1 + 20 - log(99.0))
        let net = try MLP(sizes: [2, 1, 1], parameters: [10, 1, 20, 1, -c])
        let classifier = try BinaryClassifier(net: net, gemm: GEMM(pool: ThreadPool(threadCount: 1)))
        let attack = TargetedAttack(stepLength: 0.05, maxIterations: 40, restarts: 0)
        let out = try attack.run(classifier, starts: [box.high[0], 0], signs: [1], box: box, seed: 1, interrupt: {})
        XCTAssertTrue(out[0].reached)
        XCTAssertEqual(out[0].point[0], box.high[0])
        XCTAssertEqual(Double(out[0].point[1]), 1, accuracy: attack.stepLength + 1e-5)
        XCTAssertLessThanOrEqual(out[0].iterations, 21)
    }

    /// On the linear net, between two class-1 points on the line x₁ = 0.6: the ends keep their bits, every pivot
    /// moves toward higher logit (x₁ grows), the path is judged connected, and the final pivot count is 2 + 3 + 2·3.
    /// (Pivots are spaced equally along the chain before each redistribution, so the new chords are equal only
    /// where the chain is straight: the next test.)
    func testNEBKeepsEndsAndClimbsTheLogit() throws {
        var settings = NEBSettings()
        settings.learningRate = 0.01
        let paths = try autoNEB(
            try linearClassifier(), settings: settings, box: box, ends: [(a: [0.6, -1], b: [0.6, 1], sign: 1)])
        let p = try XCTUnwrap(paths.first)
        let k = p.pivots.count / 2
        XCTAssertEqual(k, 11)
        XCTAssertEqual(Array(p.pivots[0..<2]), [0.6, -1])
        XCTAssertEqual(Array(p.pivots[(2 * k - 2)...]), [0.6, 1])
        for i in 1..<(k - 1) { XCTAssertGreaterThan(p.pivots[2 * i], 0.6, "pivot \(i) moved toward class 1") }
        XCTAssertTrue(p.connected)
        XCTAssertGreaterThan(p.ratio, 1)
        XCTAssertEqual(p.straightLength, 2, accuracy: 1e-7)
    }

    /// Without descent steps the pivots stay on the straight line: inserted and redistributed, they are the
    /// points a + (i/10)(b − a) to Float rounding, and the length ratio is 1.
    func testNEBWithoutStepsSpacesPivotsEquallyOnTheLine() throws {
        var settings = NEBSettings()
        settings.steps = 0
        let (a, b): ([Float], [Float]) = ([-1.2, -0.9], [1.4, 0.7])
        let p = try XCTUnwrap(
            try autoNEB(try linearClassifier(), settings: settings, box: box, ends: [(a, b, -1)]).first)
        XCTAssertEqual(p.pivots.count, 22)
        for i in 0..<11 {
            for j in 0..<2 {
                let expected = Double(a[j]) + Double(i) / 10 * Double(b[j] - a[j])
                XCTAssertEqual(Double(p.pivots[2 * i + j]), expected, accuracy: 1e-6, "pivot \(i), coordinate \(j)")
            }
        }
        XCTAssertEqual(p.ratio, 1, accuracy: 1e-6)
        XCTAssertFalse(p.connected, "the line crosses x₁ = 0.5, so class 0 does not hold along it")
    }
}
