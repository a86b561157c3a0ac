import SpectralKernels

/// out[p, o] = bias[o] + Σ_i x[p, i]·w[o, i] in Float64, for `rows` rows of `x` (row-major, `inputs` wide) and a
/// weight `w` of [outputs, inputs] (PyTorch layout): the batched product of the exact analyses. W is packed once;
/// blocks of rows go across the pool (`PackedWeights64`); each output is summed in a fixed order, so the thread
/// count does not change it.
func affineRows(
    _ x: UnsafePointer<Double>, rows: Int, inputs: Int, weight w: UnsafePointer<Double>,
    bias: UnsafePointer<Double>?, outputs: Int, into out: UnsafeMutablePointer<Double>, pool: ThreadPool
) {
    affineRows(
        x, rows: rows, weights: PackedWeights64(weight: w, outputs: outputs, inputs: inputs), bias: bias, into: out,
        pool: pool)
}

/// The same with W already packed (for callers that multiply by one weight several times).
func affineRows(
    _ x: UnsafePointer<Double>, rows: Int, weights packed: PackedWeights64, bias: UnsafePointer<Double>?,
    into out: UnsafeMutablePointer<Double>, pool: ThreadPool
) {
    let (inputs, outputs) = (packed.inputs, packed.outputs)
    let scratch = RowProductScratch(threads: pool.threadCount)
    let block = 96
    pool.run(tasks: (rows + block - 1) / block) { task, worker in
        let first = task * block
        packed.multiply(
            x + first * inputs, rows: min(block, rows - first), bias: bias, into: out + first * outputs,
            scratch: scratch[worker])
    }
}

/// One `PackedWeights64` scratch area per pool thread.
struct RowProductScratch {
    private let buffers: [AlignedBuffer<Double>]
    init(threads: Int) { buffers = (0..<threads).map { _ in AlignedBuffer(count: PackedWeights64.scratchCount) } }
    subscript(worker: Int) -> UnsafeMutablePointer<Double> { buffers[worker].pointer }
}
