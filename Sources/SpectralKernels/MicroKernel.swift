/// The register tile: MR = 6 rows × one vector V of columns of C, held in six V accumulators. For Float32 V is
/// SIMD16<Float> (NR = 16), for Float64 SIMD8<Double> (NR = 8): either way two 256-bit registers per row, twelve
/// in all on AVX2, updated by one broadcast and one fused multiply-add per row and per k. With the two registers
/// of the B row and one broadcast this uses 15 of the 16 vector registers, and each k step does 12 FMAs for 1 B
/// load and 6 broadcasts, enough to keep both FMA ports busy.
///
/// `a`: the 6 × kc block of A, element (i, p) at a[i·aRowStride + p·aStep]: a packed panel (1, 6, the default), or
/// A read in place (row-major: lda, 1; column-major: 1, lda). `b`: NR·kc packed scalars. Writes the full 6 × NR tile
/// to `c` (leading dimension `ldc`), adding to what is there when `accumulate` is set, each row passed through
/// `finish(row value, row index)` on its way out of the registers (the GEMM's epilogue; identity by default).
@inline(__always)
func microKernel6<V: SIMD>(
    _: V.Type, depth kc: Int, a: UnsafePointer<V.Scalar>, aRowStride: Int = 1, aStep: Int = 6,
    b: UnsafePointer<V.Scalar>, c: UnsafeMutablePointer<V.Scalar>, ldc: Int, accumulate: Bool,
    finish: (V, Int) -> V = { v, _ in v }
) where V.Scalar: FloatingPoint {
    var c0 = V()
    var c1 = V()
    var c2 = V()
    var c3 = V()
    var c4 = V()
    var c5 = V()
    let (a0, a1, a2) = (a, a + aRowStride, a + 2 * aRowStride)
    let (a3, a4, a5) = (a + 3 * aRowStride, a + 4 * aRowStride, a + 5 * aRowStride)
    var offset = 0
    var bp = UnsafeRawPointer(b)
    for _ in 0..<kc {
        let bv = bp.loadUnaligned(as: V.self)
        c0 = c0.addingProduct(V(repeating: a0[offset]), bv)
        c1 = c1.addingProduct(V(repeating: a1[offset]), bv)
        c2 = c2.addingProduct(V(repeating: a2[offset]), bv)
        c3 = c3.addingProduct(V(repeating: a3[offset]), bv)
        c4 = c4.addingProduct(V(repeating: a4[offset]), bv)
        c5 = c5.addingProduct(V(repeating: a5[offset]), bv)
        offset += aStep
        bp += MemoryLayout<V>.stride
    }
    @inline(__always) func store(_ v: V, _ row: Int) {
        let dst = UnsafeMutableRawPointer(c + row * ldc)
        let out = accumulate ? dst.loadUnaligned(as: V.self) + v : v
        dst.storeBytes(of: finish(out, row), as: V.self)
    }
    store(c0, 0)
    store(c1, 1)
    store(c2, 2)
    store(c3, 3)
    store(c4, 4)
    store(c5, 5)
}

/// The ragged end of M (fewer than MR rows left): two rows across two packed B panels at a time. Its eight
/// accumulators keep both FMA pipes as busy as the 6-row tile does, where a zero-padded 6-row tile would spend
/// two thirds or more of its work on padding (M = 200 leaves 2 rows). Each element is the same sequential sum
/// over k as in `microKernel6`, so which kernel computes a row never changes its bits.
///
/// `a`: a packed A panel at the first of the two rows (element (i, p) at a[i + p·aStep]); `b0`, `b1`: the two
/// packed panels (`b1` may repeat `b0` when only one is left). Writes the 2 × 2·V.count tile, row-major, to `tile`.
@inline(__always)
func microKernelTwoRows<V: SIMD>(
    _: V.Type, depth kc: Int, a: UnsafePointer<V.Scalar>, aStep: Int,
    b0: UnsafePointer<V.Scalar>, b1: UnsafePointer<V.Scalar>, tile: UnsafeMutablePointer<V.Scalar>
) where V.Scalar: FloatingPoint {
    var (c00, c01, c10, c11) = (V(), V(), V(), V())
    var offset = 0
    var (p0, p1) = (UnsafeRawPointer(b0), UnsafeRawPointer(b1))
    for _ in 0..<kc {
        let (u, w) = (p0.loadUnaligned(as: V.self), p1.loadUnaligned(as: V.self))
        let (x0, x1) = (V(repeating: a[offset]), V(repeating: a[offset + 1]))
        c00 = c00.addingProduct(x0, u)
        c01 = c01.addingProduct(x0, w)
        c10 = c10.addingProduct(x1, u)
        c11 = c11.addingProduct(x1, w)
        offset += aStep
        p0 += MemoryLayout<V>.stride
        p1 += MemoryLayout<V>.stride
    }
    let out = UnsafeMutableRawPointer(tile)
    let stride = MemoryLayout<V>.stride
    out.storeBytes(of: c00, as: V.self)
    out.storeBytes(of: c01, toByteOffset: stride, as: V.self)
    out.storeBytes(of: c10, toByteOffset: 2 * stride, as: V.self)
    out.storeBytes(of: c11, toByteOffset: 3 * stride, as: V.self)
}
