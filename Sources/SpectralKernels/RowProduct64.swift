/// Float64 out = X·Wᵀ (+ bias): `rows` rows of X (row-major, `inputs` wide) times a weight W of [outputs, inputs]
/// (PyTorch layout), the product the exact analyses batch over pieces and regions. BLIS-style with the same 6-row
/// register tile as the Float32 GEMM (`microKernel6` on SIMD8<Double>, NR = 8):
///
///     W (packed once, shared by all threads)       X block (packed per call, MC = 96 rows)
///     panel q = outputs 8q…8q+7, kc-major:        panel of 6 rows, kc-major:
///       w(8q,0) … w(8q+7,0)  w(8q,1) …              x(0,0) … x(5,0)  x(0,1) … x(5,1) …
///
/// The reduction is cut into KC = 256 slices (a W panel slice is 16 KiB, in L1 beside the X panel); each output
/// is summed slice by slice in a fixed order, so results do not depend on how rows are split across threads.
public final class PackedWeights64: @unchecked Sendable {
    public let outputs: Int
    public let inputs: Int
    static let mr = 6, nr = 8, kc = 256, mc = 96
    /// Panel q, slice s: at (q·inputs + s·KC)·NR, KC·NR values (fewer in the last slice), zero-padded beyond `outputs`.
    let packed: AlignedBuffer<Double>

    public init(weight: UnsafePointer<Double>, outputs: Int, inputs: Int) {
        self.outputs = outputs
        self.inputs = inputs
        let panels = (outputs + Self.nr - 1) / Self.nr
        packed = AlignedBuffer(count: panels * inputs * Self.nr)
        for q in 0..<panels {
            for k in 0..<inputs {
                for j in 0..<Self.nr where q * Self.nr + j < outputs {
                    packed[(q * inputs + k) * Self.nr + j] = weight[(q * Self.nr + j) * inputs + k]
                }
            }
        }
    }

    /// Scratch a caller must provide per thread for `multiply`.
    public static var scratchCount: Int { mc * kc + mr * nr }

    /// out[p·outputs + o] = bias[o] + Σ_i x[p·inputs + i]·w[o·inputs + i], on the calling thread.
    public func multiply(
        _ x: UnsafePointer<Double>, rows: Int, bias: UnsafePointer<Double>?,
        into out: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>
    ) {
        let (mr, nr) = (Self.mr, Self.nr)
        let panels = (outputs + nr - 1) / nr
        let tile = scratch + Self.mc * Self.kc
        for p0 in stride(from: 0, to: rows, by: Self.mc) {
            let blockRows = min(Self.mc, rows - p0)
            if inputs == 0 {
                for r in 0..<blockRows { for o in 0..<outputs { out[(p0 + r) * outputs + o] = bias?[o] ?? 0 } }
                continue
            }
            for k0 in stride(from: 0, to: inputs, by: Self.kc) {
                let depth = min(Self.kc, inputs - k0)
                packRows(x + p0 * inputs + k0, rows: blockRows, lineStep: inputs, depth: depth, into: scratch)
                for q in 0..<panels {
                    let b = UnsafePointer(packed.pointer) + (q * inputs + k0) * nr
                    let cols = min(nr, outputs - q * nr)
                    for r in stride(from: 0, to: blockRows, by: mr) {
                        let tileRows = min(mr, blockRows - r)
                        let c = out + (p0 + r) * outputs + q * nr
                        if tileRows == mr && cols == nr {
                            microKernel6(
                                SIMD8<Double>.self, depth: depth, a: scratch + r * depth, b: b, c: c, ldc: outputs,
                                accumulate: k0 > 0)
                            continue
                        }
                        // A ragged tile goes through `tile` so nothing outside `out` is touched.
                        microKernel6(
                            SIMD8<Double>.self, depth: depth, a: scratch + r * depth, b: b, c: tile, ldc: nr,
                            accumulate: false)
                        for i in 0..<tileRows {
                            for j in 0..<cols {
                                c[i * outputs + j] = (k0 > 0 ? c[i * outputs + j] : 0) + tile[i * nr + j]
                            }
                        }
                    }
                }
            }
            if let bias {
                for r in 0..<blockRows { for o in 0..<outputs { out[(p0 + r) * outputs + o] += bias[o] } }
            }
        }
    }
}

/// Packs `rows` lines of `depth` values (line i at origin + i·lineStep) into 6-row kc-major panels, the last one
/// zero-padded.
@inline(__always)
private func packRows(
    _ origin: UnsafePointer<Double>, rows: Int, lineStep: Int, depth: Int,
    into destination: UnsafeMutablePointer<Double>
) {
    let mr = PackedWeights64.mr
    for r in stride(from: 0, to: rows, by: mr) {
        let panel = destination + r * depth
        let lines = min(mr, rows - r)
        for i in 0..<mr {
            let line = origin + (r + min(i, lines - 1)) * lineStep
            if i < lines {
                for k in 0..<depth { panel[k * mr + i] = line[k] }
            } else {
                for k in 0..<depth { panel[k * mr + i] = 0 }
            }
        }
    }
}
