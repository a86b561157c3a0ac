import SpectralCore
import SpectralNetworks
import XCTest

/// The initialisers' distributions against their definitions, layer by layer with each layer's own fans. Bands are
/// 5 standard errors of the sample mean and variance (central limit theorem), so a correct draw fails about once in
/// 10⁶ and a wrong scale (fan_out for fan_in, a missing √3) is off by many times the band.
final class InitializationTests: XCTestCase {
    func moments(_ values: [Double]) -> (mean: Double, variance: Double, fourth: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let fourth = values.reduce(0) { $0 + pow($1 - mean, 4) } / n
        return (mean, variance, fourth)
    }

    func check(_ values: [Double], variance expected: Double, excessKurtosis: Double, _ what: String) {
        let n = Double(values.count)
        let m = moments(values)
        XCTAssertEqual(m.mean, 0, accuracy: 5 * (expected / n).squareRoot(), "\(what): mean")
        // Var(x²) = E[x⁴] − σ⁴ = (κ + 2)σ⁴ for excess kurtosis κ.
        XCTAssertEqual(
            m.variance, expected, accuracy: 5 * expected * ((excessKurtosis + 2) / n).squareRoot(), "\(what): variance")
    }

    func testEachInitialisationHasItsDistribution() {
        let sizes = [7, 600, 300, 2]
        for initialization in Initialization.allCases {
            let net = MLP.initialized(sizes: sizes, initialization: initialization, seed: 11)
            for l in 0..<net.layerCount {
                let (fanIn, fanOut) = (Double(net.fanIn(l)), Double(net.fanOut(l)))
                let w = (0..<(net.fanIn(l) * net.fanOut(l))).map { Double(net.weights(l)[$0]) }
                let b = (0..<net.fanOut(l)).map { Double(net.bias(l)[$0]) }
                let name = "\(initialization.rawValue) layer \(l)"
                switch initialization {
                case .pytorch:
                    let bound = 1 / fanIn.squareRoot()
                    XCTAssertTrue((w + b).allSatisfy { abs($0) <= bound }, "\(name): within ±1/√fan_in")
                    check(w, variance: bound * bound / 3, excessKurtosis: -1.2, name)
                    if b.count >= 300 { check(b, variance: bound * bound / 3, excessKurtosis: -1.2, name + " bias") }
                case .he:
                    check(w, variance: 2 / fanIn, excessKurtosis: 0, name)
                    XCTAssertEqual(b, [Double](repeating: 0, count: b.count), "\(name): zero biases")
                case .glorot:
                    let bound = (6 / (fanIn + fanOut)).squareRoot()
                    XCTAssertTrue(w.allSatisfy { abs($0) <= bound }, "\(name): within the Glorot bound")
                    check(w, variance: bound * bound / 3, excessKurtosis: -1.2, name)
                    XCTAssertEqual(b, [Double](repeating: 0, count: b.count), "\(name): zero biases")
                }
            }
        }
    }
}
