import SpectralCore
import SpectralKernels
import SpectralNetworks

/// The `InputSpaceClassifier` of a one-output `PiecewiseLinearNetwork` (`paths --model`): the searches see the
/// function the exact checks analyse, in Float64, rounded to Float only in what they return.
///
/// Rows go through the stages eight at a time, one SIMD lane each, so each coefficient is read once for eight rows.
/// A lane does the scalar pass's arithmetic (`PiecewiseLinearNetwork.unitValues`) in the same order, so a row's
/// logit does not depend on its block, its lane or the thread count.
///
/// Backward, with a_u = ∂f/∂(unit u): the output row gives a_c = its coefficient for each column c; then from the
/// last stage to the first, δ_u = a_u · slope_u(z_u) and a_c += coefficient · δ_u for each column c of u's row. The
/// gradient ∂f/∂x is a over the input ids. At z = 0 the slope is the negative side's, as in `pattern`.
public final class PiecewiseLinearClassifier: InputSpaceClassifier, @unchecked Sendable {
    public let network: PiecewiseLinearNetwork
    public var inputSize: Int { network.inputCount }
    private let pool: ThreadPool
    private typealias Lanes = SIMD8<Double>
    private static let laneCount = Lanes.scalarCount

    public init(_ network: PiecewiseLinearNetwork, pool: ThreadPool) throws {
        guard network.outputCount == 1 else {
            throw SpectralError.usage(
                "the network has \(network.outputCount) outputs; choose one with --output or --margin")
        }
        (self.network, self.pool) = (network, pool)
    }

    public func logits(_ x: [Float]) -> [Float] {
        blocks(x) { block, rows in Self.forward(network, block).output.prefix(rows.count) }.flatMap(\.self)
    }

    public func targetLossGradient(
        _ x: [Float], signs: [Float], objective: InputSpaceObjective, into gradient: inout [Float]
    ) -> [Float] {
        let d = inputSize
        precondition(signs.count * d == x.count && gradient.count == x.count, "shape mismatch")
        let results = blocks(x) { block, rows -> (logits: [Float], gradient: [Float]) in
            let pass = Self.forward(network, block)
            var seed = Lanes.zero
            for (lane, r) in rows.enumerated() {
                seed[lane] = Double(objective.lossSlope(logit: pass.output[lane], sign: signs[r]))
            }
            let adjoint = Self.backward(network, pass, seed: seed)
            var g = [Float](repeating: 0, count: rows.count * d)
            for i in 0..<rows.count { for j in 0..<d { g[i * d + j] = Float(adjoint[j][i]) } }
            return (Array(pass.output.prefix(rows.count)), g)
        }
        var offset = 0
        for r in results {
            gradient.replaceSubrange(offset..<(offset + r.gradient.count), with: r.gradient)
            offset += r.gradient.count
        }
        return results.flatMap(\.logits)
    }

    /// `body(block, rows)` for each block of up to eight rows, across the pool, in row order. `block[j]` holds
    /// input j of each row, one per lane (unused lanes 0).
    private func blocks<R>(_ x: [Float], _ body: ([Lanes], Range<Int>) -> R) -> [R] {
        let d = inputSize
        let rows = x.count / d
        return pool.map(tasks: (rows + Self.laneCount - 1) / Self.laneCount) { b, _ in
            let range = (b * Self.laneCount)..<min(rows, (b + 1) * Self.laneCount)
            var block = [Lanes](repeating: .zero, count: d)
            for (lane, r) in range.enumerated() { for j in 0..<d { block[j][lane] = Double(x[r * d + j]) } }
            return body(block, range)
        }
    }

    private struct Pass {
        /// Each stage unit's pre-activation z (ids from `inputCount`), and f.
        var preactivations: [Lanes]
        var output: [Float]
    }

    private static func forward(_ net: PiecewiseLinearNetwork, _ block: [Lanes]) -> Pass {
        var values = block
        values.reserveCapacity(net.unitCount)
        var preactivations: [Lanes] = []
        preactivations.reserveCapacity(net.unitCount - net.inputCount)
        for stage in net.stages {
            for u in 0..<stage.width {
                let z = value(stage.map, row: u, values)
                preactivations.append(z)
                switch stage.activations[u] {
                case .linear: values.append(z)
                case .kink(let negative, let positive):
                    let below = negative == 0 ? Lanes.zero : negative * z
                    values.append((positive * z).replacing(with: below, where: .!(z .> 0)))
                }
            }
        }
        let f = value(net.output, row: 0, values)
        return Pass(preactivations: preactivations, output: (0..<laneCount).map { Float(f[$0]) })
    }

    @inline(__always)
    private static func value(_ map: SparseAffineMap, row r: Int, _ values: [Lanes]) -> Lanes {
        var s = Lanes(repeating: map.constants[r])
        for k in map.offsets[r]..<map.offsets[r + 1] { s += map.coefficients[k] * values[Int(map.columns[k])] }
        return s
    }

    /// a_u for every unit, from a_output = `seed` (∂ℓ/∂f per lane).
    private static func backward(_ net: PiecewiseLinearNetwork, _ pass: Pass, seed: Lanes) -> [Lanes] {
        var adjoint = [Lanes](repeating: .zero, count: net.unitCount)
        scatter(net.output, row: 0, seed, into: &adjoint)
        let offsets = net.stageOffsets
        for (s, stage) in net.stages.enumerated().reversed() {
            for u in (0..<stage.width).reversed() {
                let id = offsets[s] + u
                guard case .kink(let negative, let positive) = stage.activations[u] else {
                    scatter(stage.map, row: u, adjoint[id], into: &adjoint)
                    continue
                }
                let z = pass.preactivations[id - net.inputCount]
                let slope = Lanes(repeating: positive).replacing(with: negative, where: .!(z .> 0))
                scatter(stage.map, row: u, adjoint[id] * slope, into: &adjoint)
            }
        }
        adjoint.removeSubrange(net.inputCount...)
        return adjoint
    }

    @inline(__always)
    private static func scatter(_ map: SparseAffineMap, row r: Int, _ delta: Lanes, into adjoint: inout [Lanes]) {
        if delta == .zero { return }
        for k in map.offsets[r]..<map.offsets[r + 1] { adjoint[Int(map.columns[k])] += map.coefficients[k] * delta }
    }
}
