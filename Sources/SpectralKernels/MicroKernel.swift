/// The register tile: MR = 6 rows × one vector V of columns of C, held in six V accumulators. For Float32 V is
/// SIMD16<Float> (NR = 16), for Float64 SIMD8<Double> (NR = 8): either way two 256-bit registers per row, twelve
/// in all on AVX2, updated by one broadcast and one fused multiply-add per row and per k. With the two registers
/// of the B row and one broadcast this uses 15 of the 16 vector registers, and each k step does 12 FMAs for 1 B
/// load and 6 broadcasts, enough to keep both FMA ports busy.
///
/// `a`: MR·kc packed scalars, `b`: NR·kc packed scalars. Writes the full 6 × NR tile to `c` (leading dimension
/// `ldc`), adding to what is there when `accumulate` is set, each row passed through `finish(row value, row index)`
/// on its way out of the registers (the GEMM's epilogue; identity by default).
@inline(__always)
func microKernel6<V: SIMD>(_: V.Type, depth kc: Int, a: UnsafePointer<V.Scalar>, b: UnsafePointer<V.Scalar>,
                           c: UnsafeMutablePointer<V.Scalar>, ldc: Int, accumulate: Bool,
                           finish: (V, Int) -> V = { v, _ in v }) where V.Scalar: FloatingPoint {
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
    var ap = a
    var bp = UnsafeRawPointer(b)
    for _ in 0..<kc {
        let bv = bp.loadUnaligned(as: V.self)
        c0 = c0.addingProduct(V(repeating: ap[0]), bv)
        c1 = c1.addingProduct(V(repeating: ap[1]), bv)
        c2 = c2.addingProduct(V(repeating: ap[2]), bv)
        c3 = c3.addingProduct(V(repeating: ap[3]), bv)
        c4 = c4.addingProduct(V(repeating: ap[4]), bv)
        c5 = c5.addingProduct(V(repeating: ap[5]), bv)
        ap += 6
        bp += MemoryLayout<V>.stride
    }
    @inline(__always) func store(_ v: V, _ row: Int) {
        let dst = UnsafeMutableRawPointer(c + row * ldc)
        let out = accumulate ? dst.loadUnaligned(as: V.self) + v : v
        dst.storeBytes(of: finish(out, row), as: V.self)
    }
    store(c0, 0); store(c1, 1); store(c2, 2); store(c3, 3); store(c4, 4); store(c5, 5)
}
