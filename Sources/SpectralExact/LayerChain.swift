import Foundation
import SpectralCore

extension PiecewiseLinearNetwork {
    /// The network as a chain of dense layers, the shape the exact engines walk (one layer's maps at a time):
    ///
    ///     layer k's units = stage k's units, then "carries": linear units that pass on the values of earlier
    ///     stages (or of the input) that a later stage or the output still reads
    ///
    /// so a residual connection costs one linear unit per carried value per layer it spans, and nothing is held
    /// longer than it is needed. A stage that reads only the stage before gets no carries: a Sequential net's
    /// chain is its own layers, weight for weight. One output (select one first).
    public func chain(memoryLimit: Double = Double(SystemMemory.availableBytes)) throws -> ExactNetwork {
        guard outputCount == 1 else {
            throw SpectralError.usage("the network has \(outputCount) outputs; choose one with --output or --margin")
        }
        let offsets = stageOffsets
        // lastReader[id]: the last layer (1-based stage index; stages.count + 1 for the output) that reads id.
        var lastReader = [Int](repeating: 0, count: unitCount)
        for (s, stage) in stages.enumerated() { for c in stage.map.columns { lastReader[Int(c)] = s + 1 } }
        for c in output.columns { lastReader[Int(c)] = stages.count + 1 }
        var state = Array(0..<inputCount)  // the ids the previous layer's units hold, in order
        var sizes = [inputCount]
        var (weights, biases, activations): ([[Double]], [[Double]], [[UnitActivation]]) = ([], [], [])
        var bytes = 0.0
        for (s, stage) in stages.enumerated() {
            let own = Array(offsets[s]..<offsets[s + 1])
            let carried = state.filter { lastReader[$0] > s + 1 }
            let next = own + carried
            bytes += Double(next.count * state.count) * 8
            guard bytes < 0.5 * memoryLimit else {
                throw SpectralError.runtime(
                    "layer \(s + 1) of the network's chain has \(next.count) units (\(own.count) of its own, \(carried.count) carried) and its weights need \(formatBytes(bytes)); shrink the domain or the slice"
                )
            }
            let position = Dictionary(uniqueKeysWithValues: state.enumerated().map { ($1, $0) })
            var w = [Double](repeating: 0, count: next.count * state.count)
            var b = [Double](repeating: 0, count: next.count)
            for u in 0..<stage.width {
                let row = stage.map.row(u)
                for (c, a) in zip(row.columns, row.coefficients) { w[u * state.count + position[Int(c)]!] += a }
                b[u] = row.constant
            }
            for (j, id) in carried.enumerated() { w[(own.count + j) * state.count + position[id]!] = 1 }
            weights.append(w)
            biases.append(b)
            activations.append(stage.activations + carried.map { _ in .linear })
            sizes.append(next.count)
            state = next
        }
        let position = Dictionary(uniqueKeysWithValues: state.enumerated().map { ($1, $0) })
        var w = [Double](repeating: 0, count: state.count)
        for (c, a) in zip(output.columns, output.coefficients) { w[position[Int(c)]!] += a }
        return try ExactNetwork(
            sizes: sizes + [1], weights: weights + [w], biases: biases + [[output.constants[0]]],
            activations: activations, inputs: inputCount)
    }
}
