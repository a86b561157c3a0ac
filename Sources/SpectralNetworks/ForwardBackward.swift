import SpectralKernels

/// Activations and gradients of one network for batches of up to `capacity` rows, and the forward/backward pair.
///
/// Dimensions, named once: M = batch rows, d_l = `net.sizes[l]`, L = layer count.
///   forward:  H₀ = X (M × d₀);  H_{l+1} = σ(H_l · W_lᵀ + b_l)  (no σ after the last layer)
///   backward: G_L = ∂loss/∂H_L;  ∂W_l = G_{l+1}ᵀ · H_l,  ∂b_l = Σ_rows G_{l+1},
///             G_l = (G_{l+1} · W_l) ⊙ [H_l > 0]   (the ReLU mask, fused into the GEMM's epilogue)
/// Every product goes through the packed GEMM; the bias and ReLU of the forward pass are its epilogue too.
public final class MLPPass: @unchecked Sendable {
    public let net: MLP
    public let capacity: Int
    public let gemm: GEMM
    /// H_1 … H_L (H₀ is the caller's input), each M × d_l row-major.
    private let activations: [AlignedBuffer<Float>]
    /// Two M × max(d) buffers used alternately for G.
    private let gradientBuffers: [AlignedBuffer<Float>]
    /// ∂loss/∂θ in the parameter layout of `net`.
    public let parameterGradient: AlignedBuffer<Float>

    public init(net: MLP, capacity: Int, gemm: GEMM) {
        self.net = net
        self.capacity = capacity
        self.gemm = gemm
        activations = (1...net.layerCount).map { AlignedBuffer(count: capacity * net.sizes[$0]) }
        let widest = net.sizes.max()!
        gradientBuffers = [AlignedBuffer(count: capacity * widest), AlignedBuffer(count: capacity * widest)]
        parameterGradient = AlignedBuffer(count: net.parameterCount)
    }

    /// The network's outputs after the last `forward` (M × d_L).
    public var output: UnsafeMutablePointer<Float> { activations[net.layerCount - 1].pointer }

    /// Where the caller writes ∂loss/∂output (M × d_L) before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { gradientBuffers[(net.layerCount - 1) % 2].pointer }

    /// Runs the network on `rows` inputs (`input`: rows × d₀ row-major).
    public func forward(_ input: UnsafePointer<Float>, rows: Int) {
        precondition(rows <= capacity, "batch of \(rows) rows exceeds the pass capacity \(capacity)")
        var h = input
        for l in 0..<net.layerCount {
            let (din, dout) = (net.fanIn(l), net.fanOut(l))
            let out = activations[l].pointer
            let bias = UnsafePointer(net.bias(l))
            profiled(.forward, layer: l) {
                gemm.multiply(
                    .rowMajor(h, rows: rows, cols: din),
                    MatrixView.rowMajor(net.weights(l), rows: dout, cols: din).transposed,
                    into: out, ldc: dout,
                    epilogue: l + 1 < net.layerCount ? .addBiasReLU(bias) : .addBias(bias))
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
            let (din, dout) = (net.fanIn(l), net.fanOut(l))
            let g = UnsafePointer(gradientBuffers[l % 2].pointer)
            let h = l == 0 ? input : UnsafePointer(activations[l - 1].pointer)
            if parameters {
                profiled(.weightGradient, layer: l) {
                    gemm.multiply(
                        MatrixView.rowMajor(g, rows: rows, cols: dout).transposed,
                        .rowMajor(h, rows: rows, cols: din), into: parameterGradient.pointer + net.weightOffset(l),
                        ldc: din)
                }
                profiled(.biasGradient, layer: l) {
                    columnSums(g, rows: rows, cols: dout, into: parameterGradient.pointer + net.biasOffset(l))
                }
            }
            let weights = MatrixView.rowMajor(net.weights(l), rows: dout, cols: din)
            if l > 0 {
                profiled(.inputGradient, layer: l) {
                    gemm.multiply(
                        .rowMajor(g, rows: rows, cols: dout), weights,
                        into: gradientBuffers[(l - 1) % 2].pointer, ldc: din, epilogue: .reluMask(h, ld: din))
                }
            } else if let inputGradient {
                profiled(.inputGradient, layer: l) {
                    gemm.multiply(.rowMajor(g, rows: rows, cols: dout), weights, into: inputGradient, ldc: din)
                }
            }
            layerDone(l)
        }
    }
}

/// out[j] = Σ_i m[i, j] for the `rows × cols` row-major `m`, each sum taken over the rows in order from 0, so the
/// bias gradient's bits depend on neither the thread count nor the column blocking (equal to the naive loop, tested).
/// Columns go 32 at a time with their sums in registers down all the rows: summing into `out` row by row would chain
/// every add through a store and a reload.
public func columnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
    typealias V = SIMD8<Float>
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }
    var j = 0
    while j + 32 <= cols {
        var (s0, s1, s2, s3) = (V(), V(), V(), V())
        for i in 0..<rows {
            let row = m + i * cols + j
            (s0, s1, s2, s3) = (s0 + load(row), s1 + load(row + 8), s2 + load(row + 16), s3 + load(row + 24))
        }
        (store(s0, out + j), store(s1, out + j + 8), store(s2, out + j + 16), store(s3, out + j + 24))
        j += 32
    }
    while j + 8 <= cols {
        var sum = V()
        for i in 0..<rows { sum += load(m + i * cols + j) }
        store(sum, out + j)
        j += 8
    }
    while j < cols {
        var sum: Float = 0
        for i in 0..<rows { sum += m[i * cols + j] }
        out[j] = sum
        j += 1
    }
}
