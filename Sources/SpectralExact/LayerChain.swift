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
        var sparse: [SparseLayer?] = []
        for (s, stage) in stages.enumerated() {
            let own = Array(offsets[s]..<offsets[s + 1])
            let carried = state.filter { lastReader[$0] > s + 1 }
            let next = own + carried
            let position = Dictionary(uniqueKeysWithValues: state.enumerated().map { ($1, $0) })
            // Each unit's row as (input position, weight), sorted by position; a carry is one 1.
            let rows = (0..<next.count).map { u -> [(Int, Double)] in
                guard u < stage.width else { return [(position[carried[u - own.count]]!, 1)] }
                let row = stage.map.row(u)
                return zip(row.columns, row.coefficients).map { (position[Int($0)]!, $1) }.sorted { $0.0 < $1.0 }
            }
            let nonzeros = rows.reduce(0) { $0 + $1.count }
            let cells = Double(next.count) * Double(state.count)
            let compress = s > 0 && cells > 65_536 && Double(nonzeros) <= SparseLayer.density * cells
            bytes += compress ? Double(nonzeros) * 12 : cells * 8
            guard bytes < 0.5 * memoryLimit else {
                throw SpectralError.runtime(
                    "layer \(s + 1) of the network's chain has \(next.count) units (\(own.count) of its own, \(carried.count) carried) and its weights need \(formatBytes(bytes)); shrink the domain or the slice"
                )
            }
            sparse.append(compress ? SparseLayer(rows: rows, inputs: state.count) : nil)
            weights.append(compress ? [] : denseRows(rows, inputs: state.count))
            biases.append((0..<next.count).map { $0 < stage.width ? stage.map.constants[$0] : 0 })
            activations.append(stage.activations + carried.map { _ in .linear })
            sizes.append(next.count)
            state = next
        }
        let position = Dictionary(uniqueKeysWithValues: state.enumerated().map { ($1, $0) })
        var w = [Double](repeating: 0, count: state.count)
        for (c, a) in zip(output.columns, output.coefficients) { w[position[Int(c)]!] += a }
        return try ExactNetwork(
            sizes: sizes + [1], weights: weights + [w], biases: biases + [[output.constants[0]]],
            activations: activations, sparse: sparse + [nil], inputs: inputCount)
    }
}

/// Rows of (input position, weight) as a dense row-major matrix (repeated positions add up).
private func denseRows(_ rows: [[(Int, Double)]], inputs: Int) -> [Double] {
    var w = [Double](repeating: 0, count: rows.count * inputs)
    for (u, row) in rows.enumerated() { for (i, a) in row { w[u * inputs + i] += a } }
    return w
}
