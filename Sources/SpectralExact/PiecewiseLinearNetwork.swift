import Foundation
import SpectralCore
import SpectralNetworks

/// What a unit does to its pre-activation z: nothing (`linear`: it never splits a region), or one kink at z = 0
/// with slope `negative` below and `positive` above (ReLU 0/1, LeakyReLU α/1, PReLU αᵤ/1, Abs −1/1).
public enum UnitActivation: Equatable, Sendable {
    case linear
    case kink(negative: Double, positive: Double)

    public static let relu = UnitActivation.kink(negative: 0, positive: 1)

    @inline(__always)
    public func callAsFunction(_ z: Double) -> Double {
        switch self {
        case .linear: return z
        case .kink(let negative, let positive): return z > 0 ? positive * z : (negative == 0 ? 0 : negative * z)
        }
    }

    /// The slope on the side of 0 that z lies on (z > 0: positive).
    @inline(__always)
    public func slope(active: Bool) -> Double {
        switch self {
        case .linear: return 1
        case .kink(let negative, let positive): return active ? positive : negative
        }
    }

    public var isLinear: Bool { self == .linear }
}

/// Rows of affine maps over unit ids, stored compressed by row:
///
///     row r:  constants[r] + Σ_{k ∈ offsets[r] ..< offsets[r+1]}  coefficients[k] · unit[columns[k]]
///
/// with each row's columns strictly increasing.
public struct SparseAffineMap: Sendable {
    public var offsets: [Int] = [0]
    public var columns: [Int32] = []
    public var coefficients: [Double] = []
    public var constants: [Double] = []

    public init() {}

    public var rowCount: Int { constants.count }

    public mutating func append(columns c: [Int32], coefficients a: [Double], constant: Double) {
        columns += c
        coefficients += a
        constants.append(constant)
        offsets.append(columns.count)
    }

    public func row(_ r: Int) -> (columns: ArraySlice<Int32>, coefficients: ArraySlice<Double>, constant: Double) {
        (columns[offsets[r]..<offsets[r + 1]], coefficients[offsets[r]..<offsets[r + 1]], constants[r])
    }

    /// Row r at the unit values `values` (indexed by unit id), summed in column order.
    @inline(__always)
    public func value(row r: Int, _ values: [Double]) -> Double {
        var s = constants[r]
        for k in offsets[r]..<offsets[r + 1] { s += coefficients[k] * values[Int(columns[k])] }
        return s
    }
}

/// A piecewise-linear network in one form that every exact analysis consumes (docs/models.md):
///
///     ids 0 ..< inputCount            the input x (flattened, row-major as the model's input tensor)
///     stage s: units with ids starting at stageOffsets[s]
///         z = (affine map of x and of any earlier stage's outputs),  h = activation(z), unit by unit
///     output: affine maps of x and every stage's outputs (the logits)
///
/// Residual additions, concatenations, convolutions, pooling by averages and batch norm are affine, so they live
/// in the maps; only the activations split the input space. Float64 throughout (F32 weights widened once).
public struct PiecewiseLinearNetwork: Sendable {
    public struct Stage: Sendable {
        public var map: SparseAffineMap
        public var activations: [UnitActivation]
        public var width: Int { activations.count }
        public init(map: SparseAffineMap, activations: [UnitActivation]) {
            precondition(map.rowCount == activations.count)
            (self.map, self.activations) = (map, activations)
        }
    }

    public var inputShape: [Int]
    public var stages: [Stage]
    public var output: SparseAffineMap
    /// What the conversion did that a user should know (a dropped Softmax, the units a MaxPool cost, …).
    public var notes: [String]
    /// "F32" or "F64": the precision of the file's weights.
    public var precision: String

    public init(inputShape: [Int], stages: [Stage], output: SparseAffineMap, notes: [String] = [], precision: String) {
        (self.inputShape, self.stages, self.output, self.notes, self.precision) = (
            inputShape, stages, output, notes, precision
        )
    }

    public var inputCount: Int { inputShape.reduce(1, *) }
    public var outputCount: Int { output.rowCount }
    public var stageOffsets: [Int] { stages.reduce(into: [inputCount]) { $0.append($0.last! + $1.width) } }
    public var unitCount: Int { stageOffsets.last! }
    /// Units that can split a region (a kink), stage by stage.
    public var kinkCounts: [Int] { stages.map { $0.activations.filter { !$0.isLinear }.count } }

    /// Every unit's value at x (ids as above), in Float64 by the stages' own order.
    public func unitValues(_ x: [Double]) -> [Double] {
        precondition(x.count == inputCount, "the input must have \(inputCount) values")
        var values = x
        values.reserveCapacity(unitCount)
        for stage in stages {
            for u in 0..<stage.width { values.append(stage.activations[u](stage.map.value(row: u, values))) }
        }
        return values
    }

    /// The outputs (logits) at x.
    public func evaluate(_ x: [Double]) -> [Double] {
        let values = unitValues(x)
        return (0..<outputCount).map { output.value(row: $0, values) }
    }

    /// The sign pattern of the kinked units at x (true where z > 0), stage by stage.
    public func pattern(_ x: [Double]) -> [Bool] {
        var values = x
        var bits: [Bool] = []
        for stage in stages {
            for u in 0..<stage.width {
                let z = stage.map.value(row: u, values)
                if !stage.activations[u].isLinear { bits.append(z > 0) }
                values.append(stage.activations[u](z))
            }
        }
        return bits
    }
}

/// Which function of the outputs an exact analysis studies: the only output, logit i, or logit a − logit b (the
/// margin of a over b: affine on every region, so the analysis stays exact).
public enum OutputSelection: Equatable, Sendable, CustomStringConvertible {
    case only
    case index(Int)
    case margin(Int, Int)

    public var description: String {
        switch self {
        case .only: return "the output"
        case .index(let i): return "logit \(i)"
        case .margin(let a, let b): return "logit \(a) - logit \(b)"
        }
    }
}

extension PiecewiseLinearNetwork {
    /// The network with one output: the selected logit or margin. A network with several outputs needs a choice.
    public func selecting(_ selection: OutputSelection) throws -> PiecewiseLinearNetwork {
        let n = outputCount
        func checked(_ i: Int) throws -> Int {
            guard (0..<n).contains(i) else {
                throw SpectralError.usage("the network has \(n) output\(n == 1 ? "" : "s"); there is no output \(i)")
            }
            return i
        }
        var single = SparseAffineMap()
        switch selection {
        case .only:
            guard n == 1 else {
                throw SpectralError.usage(
                    "the network has \(n) outputs; choose one with --output I or a margin with --margin A,B")
            }
            return self
        case .index(let i):
            let r = output.row(try checked(i))
            single.append(columns: Array(r.columns), coefficients: Array(r.coefficients), constant: r.constant)
        case .margin(let a, let b):
            guard try checked(a) != checked(b) else { throw SpectralError.usage("--margin needs two different logits") }
            single = output.combination([(a, 1), (b, -1)])
        }
        var copy = self
        copy.output = single
        return copy
    }
}

extension SparseAffineMap {
    /// Σ weight·row over the given rows, as one row (columns merged in increasing order).
    func combination(_ terms: [(row: Int, weight: Double)]) -> SparseAffineMap {
        var accumulator: [Int32: Double] = [:]
        var constant = 0.0
        for (r, w) in terms {
            let row = self.row(r)
            for (c, a) in zip(row.columns, row.coefficients) { accumulator[c, default: 0] += w * a }
            constant += w * row.constant
        }
        let columns = accumulator.keys.sorted()
        var result = SparseAffineMap()
        result.append(columns: columns, coefficients: columns.map { accumulator[$0]! }, constant: constant)
        return result
    }
}

extension PiecewiseLinearNetwork {
    /// A `Sequential(Linear, ReLU, …)` of a safetensors file: one stage per hidden layer.
    public init(sequential tensors: NetworkTensors) throws {
        var stages: [Stage] = []
        var offset = 0
        var output = SparseAffineMap()
        for (l, layer) in tensors.layers.enumerated() {
            let (fanOut, fanIn) = (layer.weight.shape[0], layer.weight.shape[1])
            var map = SparseAffineMap()
            for o in 0..<fanOut {
                map.append(
                    columns: (0..<fanIn).map { Int32(offset + $0) },
                    coefficients: Array(layer.weight.values[(o * fanIn)..<((o + 1) * fanIn)]),
                    constant: layer.bias.values[o])
            }
            if l + 1 == tensors.layers.count {
                output = map
            } else {
                stages.append(Stage(map: map, activations: [UnitActivation](repeating: .relu, count: fanOut)))
            }
            offset += fanIn
        }
        if let bad = (tensors.layers.flatMap { $0.weight.values + $0.bias.values }).first(where: { !$0.isFinite }) {
            throw SpectralError.badInput("the network has a non-finite parameter (\(bad))")
        }
        let f64 = tensors.layers.contains { $0.weight.dtype == .f64 }
        self.init(
            inputShape: [tensors.sizes[0]], stages: stages, output: output, precision: f64 ? "F64" : "F32")
    }
}
