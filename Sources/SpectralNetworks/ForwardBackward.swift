import SpectralKernels

/// Activations and gradients of one network for batches of up to `capacity` rows, and the forward/backward pair.
///
/// Dimensions, named once: M = batch rows, d_l = `net.sizes[l]`, L = layer count.
///   forward:  H₀ = X (M × d₀);  H_{l+1} = σ(H_l · W_lᵀ + b_l)  (no σ after the last layer)
///   backward: G_L = ∂loss/∂H_L;  ∂W_l = G_{l+1}ᵀ · H_l,  ∂b_l = Σ_rows G_{l+1},
///             G_l = (G_{l+1} · W_l) ⊙ [H_l > 0]   (the ReLU mask, fused into the GEMM's epilogue)
/// Every product goes through the packed GEMM; the bias and ReLU of the forward pass are its epilogue too. A training
/// step runs them layer by layer or in two fused phases across the pool (`StepPhases`), with the same bits.
public final class MLPPass: @unchecked Sendable {
    public let net: MLP
    public let capacity: Int
    public let gemm: GEMM
    /// H_1 … H_L (H₀ is the caller's input), each M × d_l row-major.
    let activations: [AlignedBuffer<Float>]
    /// G_1 … G_L, each M × d_l row-major, all kept until the step's end: the fused step computes every G before
    /// the first ∂W. Written before they are read, so left uninitialised (an evaluation-only pass never touches them).
    let gradientBuffers: [AlignedBuffer<Float>]
    /// ∂loss/∂θ in the parameter layout of `net`.
    public let parameterGradient: AlignedBuffer<Float>
    /// How a training step is cut across the pool (see `StepPhases`); both give the same bits.
    public var phases: StepPhases
    /// Phase 2's tasks of a fused step: ranges of output rows of ∂W_l, the costliest first.
    let parameterTasks: [(layer: Int, outputs: Range<Int>)]
    let taskFinite: AlignedBuffer<Bool>

    public init(net: MLP, capacity: Int, gemm: GEMM) {
        self.net = net
        self.capacity = capacity
        self.gemm = gemm
        activations = (1...net.layerCount).map { AlignedBuffer(count: capacity * net.sizes[$0]) }
        gradientBuffers = (1...net.layerCount).map { AlignedBuffer(uninitializedCount: capacity * net.sizes[$0]) }
        parameterGradient = AlignedBuffer(count: net.parameterCount)
        phases = StepPhases.suited(sizes: net.sizes, threads: gemm.pool.threadCount)
        parameterTasks = StepPhases.parameterTasks(net: net, threads: gemm.pool.threadCount)
        taskFinite = AlignedBuffer(count: parameterTasks.count)
    }

    /// The network's outputs after the last `forward` (M × d_L).
    public var output: UnsafeMutablePointer<Float> { activations[net.layerCount - 1].pointer }

    /// Where the caller writes ∂loss/∂output (M × d_L) before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { gradientBuffers[net.layerCount - 1].pointer }

    /// G_{l+1} = ∂loss/∂(layer l's output) and its leading dimension.
    func gradient(_ l: Int) -> (pointer: UnsafeMutablePointer<Float>, ld: Int) {
        (gradientBuffers[l].pointer, net.fanOut(l))
    }

    /// Runs the network on `rows` inputs (`input`: rows × d₀ row-major).
    public func forward(_ input: UnsafePointer<Float>, rows: Int) {
        precondition(rows <= capacity, "batch of \(rows) rows exceeds the pass capacity \(capacity)")
        forward(input, rows: 0..<rows, worker: nil)
    }

    /// H_1 … H_L at `rows` (of the batch `input` points to), with every product on the pool or, with `worker`, on
    /// the calling thread.
    func forward(_ input: UnsafePointer<Float>, rows: Range<Int>, worker: Int?) {
        var h = input + rows.lowerBound * net.inputSize
        for l in 0..<net.layerCount {
            let (din, dout) = (net.fanIn(l), net.fanOut(l))
            let out = activations[l].pointer + rows.lowerBound * dout
            let bias = UnsafePointer(net.bias(l))
            profiled(.forward, layer: l, thread: worker ?? 0) {
                gemm.multiply(
                    .rowMajor(h, rows: rows.count, cols: din),
                    MatrixView.rowMajor(net.weights(l), rows: dout, cols: din).transposed,
                    into: out, ldc: dout,
                    epilogue: l + 1 < net.layerCount ? .addBiasReLU(bias) : .addBias(bias), worker: worker)
            }
            h = UnsafePointer(out)
        }
    }

    /// Fills `parameterGradient` from `outputGradient`, for the `input` and `rows` of the last `forward`.
    /// `layerDone(l)` runs as soon as layer l's gradient is complete and its weights are no longer needed, so the
    /// caller may update them there. With `inputGradient`, also writes G₀ = G₁ · W₀ there (rows × d₀: no mask, the
    /// input has no ReLU); with `parameters: false` only the G chain runs (an input gradient without ∂θ).
    public func backward(
        _ input: UnsafePointer<Float>, rows: Int, parameters: Bool = true,
        inputGradient: UnsafeMutablePointer<Float>? = nil, layerDone: (Int) -> Void = { _ in }
    ) {
        for l in stride(from: net.layerCount - 1, through: 0, by: -1) {
            if parameters {
                layerGradient(l, input: input, rows: rows, outputs: 0..<net.fanOut(l), worker: nil)
            }
            if l > 0 || inputGradient != nil {
                propagateGradient(l, input: input, rows: 0..<rows, worker: nil, inputGradient: inputGradient)
            }
            layerDone(l)
        }
    }

    /// ∂W_l and ∂b_l at output rows `outputs` (of d_{l+1}): ∂W_l[j, :] = Σ_i G_{l+1}[i, j] · H_l[i, :], a sum over
    /// all `rows` of the batch.
    func layerGradient(_ l: Int, input: UnsafePointer<Float>, rows: Int, outputs j: Range<Int>, worker: Int?) {
        let din = net.fanIn(l)
        let (gradient, ld) = gradient(l)
        let g = UnsafePointer(gradient) + j.lowerBound
        let h = l == 0 ? input : UnsafePointer(activations[l - 1].pointer)
        profiled(.weightGradient, layer: l, thread: worker ?? 0) {
            gemm.multiply(
                MatrixView(g, rows: j.count, cols: rows, rowStride: 1, colStride: ld),
                .rowMajor(h, rows: rows, cols: din),
                into: parameterGradient.pointer + net.weightOffset(l) + j.lowerBound * din, ldc: din, worker: worker)
        }
        profiled(.biasGradient, layer: l, thread: worker ?? 0) {
            columnSums(
                g, rows: rows, cols: j.count, ld: ld, into: parameterGradient.pointer + net.biasOffset(l) + j.lowerBound
            )
        }
    }

    /// G_l = (G_{l+1} · W_l) ⊙ [H_l > 0] at `rows`; for l = 0 (no mask) into `inputGradient`, rows × d₀.
    func propagateGradient(
        _ l: Int, input: UnsafePointer<Float>, rows: Range<Int>, worker: Int?,
        inputGradient: UnsafeMutablePointer<Float>? = nil
    ) {
        let (din, dout) = (net.fanIn(l), net.fanOut(l))
        let (g, ld) = gradient(l)
        let weights = MatrixView.rowMajor(net.weights(l), rows: dout, cols: din)
        let (into, ldInto) = l > 0 ? gradient(l - 1) : (inputGradient!, din)
        let mask = l > 0 ? GEMMEpilogue.reluMask(activations[l - 1].pointer + rows.lowerBound * din, ld: din) : .none
        profiled(.inputGradient, layer: l, thread: worker ?? 0) {
            gemm.multiply(
                MatrixView(g + rows.lowerBound * ld, rows: rows.count, cols: dout, rowStride: ld), weights,
                into: into + rows.lowerBound * ldInto, ldc: ldInto, epilogue: mask, worker: worker)
        }
    }
}

/// out[j] = Σ_i m[i, j] for the `rows × cols` row-major `m` (leading dimension `ld`, `cols` if nil), each sum taken
/// over the rows in order from 0, so the bias gradient's bits depend on neither the thread count nor the column
/// blocking (equal to the naive loop, tested).
/// Columns go 32 at a time with their sums in registers down all the rows: summing into `out` row by row would chain
/// every add through a store and a reload.
public func columnSums(
    _ m: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int? = nil, into out: UnsafeMutablePointer<Float>
) {
    let ld = ld ?? cols
    precondition(ld >= cols, "columnSums: the leading dimension is smaller than the width")
    typealias V = SIMD8<Float>
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }
    var j = 0
    while j + 32 <= cols {
        var (s0, s1, s2, s3) = (V(), V(), V(), V())
        for i in 0..<rows {
            let row = m + i * ld + j
            (s0, s1, s2, s3) = (s0 + load(row), s1 + load(row + 8), s2 + load(row + 16), s3 + load(row + 24))
        }
        (store(s0, out + j), store(s1, out + j + 8), store(s2, out + j + 16), store(s3, out + j + 24))
        j += 32
    }
    while j + 8 <= cols {
        var sum = V()
        for i in 0..<rows { sum += load(m + i * ld + j) }
        store(sum, out + j)
        j += 8
    }
    if j < cols {
        // The last cols mod 8 columns side by side in one vector, so their sums do not wait on each other.
        let tail = cols - j
        var sum = V()
        for i in 0..<rows {
            var row = V()
            for t in 0..<tail { row[t] = m[i * ld + j + t] }
            sum += row
        }
        for t in 0..<tail { out[j + t] = sum[t] }
    }
}
