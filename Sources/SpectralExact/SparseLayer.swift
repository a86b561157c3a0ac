import SpectralKernels

/// A layer's weight kept compressed by rows, for layers that are mostly zeros (a convolution's, a pooling's, the
/// identity rows of carried values): the exact engines' products then cost the nonzeros, not outputs × inputs.
///
///     output o = bias[o] + Σ_{k ∈ offsets[o] ..< offsets[o+1]} values[k] · input[columns[k]]
///
/// Each output is summed in column order on one thread, so the thread count changes nothing.
public struct SparseLayer: Sendable, Equatable {
    public let outputs: Int, inputs: Int
    public let offsets: [Int], columns: [Int32], values: [Double]

    public init(outputs: Int, inputs: Int, offsets: [Int], columns: [Int32], values: [Double]) {
        precondition(offsets.count == outputs + 1 && columns.count == values.count && offsets.last == values.count)
        (self.outputs, self.inputs, self.offsets, self.columns, self.values) = (
            outputs, inputs, offsets, columns, values
        )
    }

    /// The layer of rows of (input, weight), each sorted by input (a repeated input's weights add up).
    public init(rows: [[(Int, Double)]], inputs: Int) {
        var (offsets, columns, values) = ([0], [Int32](), [Double]())
        for row in rows {
            for (i, a) in row {
                if values.count > offsets.last!, columns.last == Int32(i) {
                    values[values.count - 1] += a
                    continue
                }
                columns.append(Int32(i))
                values.append(a)
            }
            offsets.append(values.count)
        }
        self.init(outputs: rows.count, inputs: inputs, offsets: offsets, columns: columns, values: values)
    }

    /// The layer of a dense row-major [outputs, inputs] weight, without its zeros.
    public init(dense w: [Double], outputs: Int, inputs: Int) {
        var (offsets, columns, values) = ([0], [Int32](), [Double]())
        for o in 0..<outputs {
            for i in 0..<inputs where w[o * inputs + i] != 0 {
                columns.append(Int32(i))
                values.append(w[o * inputs + i])
            }
            offsets.append(values.count)
        }
        self.init(outputs: outputs, inputs: inputs, offsets: offsets, columns: columns, values: values)
    }

    /// A dense layer is stored this way when at most this share of its weights is nonzero (and it is large).
    public static let density = 0.05

    /// One row of inputs to one row of outputs.
    @inline(__always)
    func apply(_ x: UnsafePointer<Double>, bias: [Double]?, into y: UnsafeMutablePointer<Double>) {
        for o in 0..<outputs {
            var s = bias?[o] ?? 0
            for k in offsets[o]..<offsets[o + 1] { s += values[k] * x[Int(columns[k])] }
            y[o] = s
        }
    }

    /// out[p, :] = bias + W·x[p, :] for `rows` rows of x (row-major, `inputs` wide), rows split across the pool.
    func multiply(_ x: [Double], rows: Int, bias: [Double]?, pool: ThreadPool) -> [Double] {
        [Double](unsafeUninitializedCapacity: rows * outputs) { out, initialized in
            let op = out.baseAddress!
            x.withUnsafeBufferPointer { xp in
                pool.forEachChunk(count: rows, minimumChunk: 16) { range in
                    for p in range { apply(xp.baseAddress! + p * inputs, bias: bias, into: op + p * outputs) }
                }
            }
            initialized = rows * outputs
        }
    }
}
