import SpectralCore
import SpectralKernels
import XCTest

/// The packed GEMM against the naive Float64-accumulating reference.
///
/// Tolerance: a Float32 dot product of length k computed in any order satisfies
/// |ĉ − c| ≤ γ_k Σ|a||b| with γ_k ≈ k·u, u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1); the reference adds at most
/// one rounding (u·|c|). We allow (k + 2)·u·Σ|a||b|, which a wrong index or a missed tile violates by orders of
/// magnitude, since the inputs are O(1).
final class GEMMTests: XCTestCase {
    enum Layout: CaseIterable { case rowMajor, transposed }

    /// Holds a matrix of `rows × cols` in the given layout (padded leading dimension, to catch stride mix-ups).
    struct Operand {
        let storage: AlignedBuffer<Float>
        let view: MatrixView
        init(rows: Int, cols: Int, layout: Layout, rng: inout SplitMix64) {
            let (outer, inner) = layout == .rowMajor ? (rows, cols) : (cols, rows)
            let ld = inner + 3
            storage = AlignedBuffer(count: max(1, outer * ld))
            for i in 0..<storage.count { storage[i] = Float(rng.uniform(-1, 1)) }
            view =
                layout == .rowMajor
                ? MatrixView(storage.pointer, rows: rows, cols: cols, rowStride: ld, colStride: 1)
                : MatrixView(storage.pointer, rows: rows, cols: cols, rowStride: 1, colStride: ld)
        }
    }

    enum EpilogueKind: CaseIterable {
        case none, bias, biasReLU, mask

        /// The epilogue with `extra` as its bias (a row) or mask (rows `ld` apart).
        func operation(_ extra: UnsafePointer<Float>, ld: Int) -> GEMMEpilogue {
            switch self {
            case .none: return .none
            case .bias: return .addBias(extra)
            case .biasReLU: return .addBiasReLU(extra)
            case .mask: return .reluMask(extra, ld: ld)
            }
        }
    }

    func check(
        m: Int, n: Int, k: Int, aLayout: Layout, bLayout: Layout, gemm: GEMM, rng: inout SplitMix64,
        accumulate: Bool = false, epilogue: EpilogueKind = .none, file: StaticString = #filePath,
        line: UInt = #line
    ) -> Bool {
        let a = Operand(rows: m, cols: k, layout: aLayout, rng: &rng)
        let b = Operand(rows: k, cols: n, layout: bLayout, rng: &rng)
        let ldc = n + 2
        let fast = AlignedBuffer<Float>(count: max(1, m * ldc))
        for i in 0..<fast.count { fast[i] = Float(rng.uniform(-1, 1)) }
        let reference = fast.copy()
        let extra = AlignedBuffer<Float>(count: max(1, m * ldc))
        for i in 0..<extra.count { extra[i] = Float(rng.uniform(-1, 1)) }
        let ep = epilogue.operation(extra.pointer, ld: ldc)
        gemm.multiply(a.view, b.view, into: fast.pointer, ldc: ldc, accumulate: accumulate, epilogue: ep)
        naiveGEMM(a.view, b.view, into: reference.pointer, ldc: ldc, accumulate: accumulate, epilogue: ep)
        let u = Double(Float.ulpOfOne) / 2
        for i in 0..<m {
            for j in 0..<ldc {
                let got = Double(fast[i * ldc + j])
                let want = Double(reference[i * ldc + j])
                if j >= n {
                    // Padding between rows must be untouched.
                    if got != want {
                        XCTFail("m=\(m) n=\(n) k=\(k): padding at (\(i), \(j)) was written", file: file, line: line)
                        return false
                    }
                    continue
                }
                var magnitude = accumulate ? abs(want) + 1 : 1
                for p in 0..<k { magnitude += Double(abs(a.view[i, p] * b.view[p, j])) }
                let bound = Double(k + 2) * u * magnitude
                if !(abs(got - want) <= bound) {
                    XCTFail(
                        "m=\(m) n=\(n) k=\(k) \(aLayout)/\(bLayout) \(epilogue): C[\(i), \(j)] = \(got), reference \(want), bound \(bound)",
                        file: file, line: line)
                    return false
                }
            }
        }
        return true
    }

    /// Every m, n, k in 0…2·max(MR, NR)+1 = 0…33, all four operand layouts, for 1 and 2 threads.
    func testExhaustiveSmallShapes() {
        let limit = 2 * max(GEMMBlocking.mr, GEMMBlocking.nr) + 1
        var rng = SplitMix64(seed: 1)
        for threads in [1, 2] {
            let gemm = GEMM(threads: threads)
            for aLayout in Layout.allCases {
                for bLayout in Layout.allCases {
                    for m in 0...limit {
                        for n in 0...limit {
                            for k in 0...limit {
                                guard check(m: m, n: n, k: k, aLayout: aLayout, bLayout: bLayout, gemm: gemm, rng: &rng)
                                else { return }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Epilogues and accumulation on every small shape of one layout pair.
    func testEpiloguesAndAccumulation() {
        var rng = SplitMix64(seed: 2)
        let gemm = GEMM(threads: 2)
        for epilogue in EpilogueKind.allCases {
            for accumulate in [false, true] {
                for m in [0, 1, 5, 6, 7, 13] {
                    for n in [0, 1, 15, 16, 17, 33] {
                        for k in [0, 1, 2, 9] {
                            guard
                                check(
                                    m: m, n: n, k: k, aLayout: .rowMajor, bLayout: .transposed, gemm: gemm,
                                    rng: &rng, accumulate: accumulate, epilogue: epilogue)
                            else { return }
                        }
                    }
                }
            }
        }
    }

    /// Random larger shapes crossing the KC, MC and in-place/packed-A boundaries.
    func testRandomLargerShapes() {
        var rng = SplitMix64(seed: 3)
        for threads in [1, 2] {
            let gemm = GEMM(threads: threads)
            for trial in 0..<12 {
                let m = 1 + rng.nextIndex(below: 400)
                let n = 1 + rng.nextIndex(below: 300)
                let k = trial % 3 == 0 ? 257 + rng.nextIndex(below: 400) : 1 + rng.nextIndex(below: 300)
                let layouts = (Layout.allCases[trial % 2], Layout.allCases[(trial / 2) % 2])
                guard
                    check(
                        m: m, n: n, k: k, aLayout: layouts.0, bLayout: layouts.1, gemm: gemm, rng: &rng,
                        accumulate: trial % 4 == 1, epilogue: EpilogueKind.allCases[trial % 4])
                else { return }
            }
        }
    }

    /// Wider than one NC block.
    func testWiderThanOneColumnBlock() {
        var rng = SplitMix64(seed: 4)
        let gemm = GEMM(threads: 2)
        _ = check(m: 7, n: GEMMBlocking.nc + 21, k: 5, aLayout: .rowMajor, bLayout: .rowMajor, gemm: gemm, rng: &rng)
    }

    /// The same product on 1 and 2 threads is bitwise identical (threads split output tiles, never the reduction).
    func testThreadCountDoesNotChangeBits() {
        var rng = SplitMix64(seed: 5)
        let (m, n, k) = (203, 261, 700)
        let a = Operand(rows: m, cols: k, layout: .rowMajor, rng: &rng)
        let b = Operand(rows: k, cols: n, layout: .transposed, rng: &rng)
        let one = AlignedBuffer<Float>(count: m * n)
        let two = AlignedBuffer<Float>(count: m * n)
        GEMM(threads: 1).multiply(a.view, b.view, into: one.pointer, ldc: n)
        GEMM(threads: 2).multiply(a.view, b.view, into: two.pointer, ldc: n)
        XCTAssertEqual(one.array.map(\.bitPattern), two.array.map(\.bitPattern))
    }

    /// The thin products (a dimension of 1: first and last layers) at training shapes, in every layout: large
    /// enough that two threads split them, bitwise identical to one thread, and within the bound of `check`.
    func testThinProductsAtTrainingShapes() {
        var rng = SplitMix64(seed: 6)
        for (m, n, k) in [(200, 1, 256), (1, 256, 200), (256, 1, 200), (200, 256, 1), (1000, 1, 37), (1, 300, 1000)] {
            for aLayout in Layout.allCases {
                for bLayout in Layout.allCases {
                    let a = Operand(rows: m, cols: k, layout: aLayout, rng: &rng)
                    let b = Operand(rows: k, cols: n, layout: bLayout, rng: &rng)
                    let one = AlignedBuffer<Float>(count: m * n)
                    let two = AlignedBuffer<Float>(count: m * n)
                    GEMM(threads: 1).multiply(a.view, b.view, into: one.pointer, ldc: n)
                    GEMM(threads: 2).multiply(a.view, b.view, into: two.pointer, ldc: n)
                    XCTAssertEqual(one.array.map(\.bitPattern), two.array.map(\.bitPattern), "\(m)×\(n)×\(k)")
                    _ = check(m: m, n: n, k: k, aLayout: aLayout, bLayout: bLayout, gemm: GEMM(threads: 2), rng: &rng)
                }
            }
        }
    }

    /// At k = 1 each element is one rounding of a_i·b_j (then the epilogue), as the Float64 reference gives it once
    /// rounded: equal bits, with every epilogue, in both B layouts (the outer-product path and the blocked one).
    func testDepthOneIsTheOnceRoundedProduct() {
        var rng = SplitMix64(seed: 7)
        for (m, n) in [(200, 64), (200, 256), (13, 37), (1, 9)] {
            for bLayout in Layout.allCases {
                for epilogue in EpilogueKind.allCases {
                    let a = Operand(rows: m, cols: 1, layout: .rowMajor, rng: &rng)
                    let b = Operand(rows: 1, cols: n, layout: bLayout, rng: &rng)
                    let extra = AlignedBuffer<Float>(count: m * n)
                    for i in 0..<extra.count { extra[i] = Float(rng.uniform(-1, 1)) }
                    let ep = epilogue.operation(extra.pointer, ld: n)
                    let (fast, reference) = (AlignedBuffer<Float>(count: m * n), AlignedBuffer<Float>(count: m * n))
                    GEMM(threads: 2).multiply(a.view, b.view, into: fast.pointer, ldc: n, epilogue: ep)
                    naiveGEMM(a.view, b.view, into: reference.pointer, ldc: n, epilogue: ep)
                    XCTAssertEqual(
                        fast.array.map(\.bitPattern), reference.array.map(\.bitPattern),
                        "\(m)×\(n) \(bLayout) \(epilogue)")
                }
            }
        }
    }

    /// The AVX-512 tile gives the AVX2 tile's bits on every layout, epilogue and accumulation, at shapes with whole
    /// 12 × 32 tiles, edges of every kind and k past KC (each element is the same chain of FMAs in k on either).
    /// The other tests run on `GEMMKernel.best`, so on such a CPU they check the wide tile against the reference.
    func testWideKernelGivesTheNarrowKernelsBits() throws {
        try XCTSkipUnless(GEMMKernel.avx512.isSupported, "this CPU has no AVX-512")
        var rng = SplitMix64(seed: 7)
        let kernels = [GEMM(threads: 2, kernel: .avx2), GEMM(threads: 2, kernel: .avx512)]
        let shapes = [(12, 32, 1), (24, 64, 256), (200, 256, 256), (256, 256, 200), (203, 261, 700), (115, 176, 513)]
        for (trial, (m, n, k)) in shapes.enumerated() {
            for aLayout in Layout.allCases {
                for bLayout in Layout.allCases {
                    let a = Operand(rows: m, cols: k, layout: aLayout, rng: &rng)
                    let b = Operand(rows: k, cols: n, layout: bLayout, rng: &rng)
                    let extra = Operand(rows: m, cols: n, layout: .rowMajor, rng: &rng)
                    // Exact zeros, as a ReLU's output has: the mask keeps only what is > 0.
                    for i in stride(from: 0, to: extra.storage.count, by: 3) { extra.storage[i] = 0 }
                    let epilogue = EpilogueKind.allCases[(trial + (aLayout == .rowMajor ? 0 : 2)) % 4]
                    let ep: GEMMEpilogue
                    switch epilogue {
                    case .none: ep = .none
                    case .bias: ep = .addBias(extra.storage.pointer)
                    case .biasReLU: ep = .addBiasReLU(extra.storage.pointer)
                    case .mask: ep = .reluMask(extra.storage.pointer, ld: n + 3)
                    }
                    let start = (0..<(m * n)).map { _ in Float(rng.uniform(-1, 1)) }
                    let outputs = kernels.map { gemm in
                        let c = AlignedBuffer(start)
                        gemm.multiply(
                            a.view, b.view, into: c.pointer, ldc: n, accumulate: bLayout == .rowMajor, epilogue: ep)
                        return c.array.map(\.bitPattern)
                    }
                    if let i = outputs[0].indices.first(where: { outputs[0][$0] != outputs[1][$0] }) {
                        XCTFail("\(m)×\(n)×\(k) \(aLayout)/\(bLayout) \(epilogue): C[\(i / n), \(i % n)] differs")
                    }
                }
            }
        }
    }

    func testThreadPoolRunsEveryTaskOnce() {
        let pool = ThreadPool(threadCount: 2)
        for count in [0, 1, 2, 3, 17, 1000] {
            let hits = AlignedBuffer<Int>(count: max(1, count))
            for _ in 0..<50 { pool.run(tasks: count) { task, _ in hits[task] += 1 } }
            XCTAssertEqual(hits.array.prefix(count).filter { $0 != 50 }.count, 0, "count \(count)")
        }
    }
}

/// The Float64 GEMM against a triple loop (in the same precision, each sum in k order), on padded row- and
/// column-major operands, for every update. Tolerance (k + 2)·u·Σ|a||b|, u = 2⁻⁵³ (the blocked sum reorders by KC
/// slices only). The bits do not depend on the thread count.
final class GEMM64Tests: XCTestCase {
    func testAgainstTripleLoop() {
        var rng = SplitMix64(seed: 64)
        let one = GEMM64(pool: ThreadPool(threadCount: 1))
        let two = GEMM64(pool: ThreadPool(threadCount: 2))
        for (m, n, k) in [
            (1, 1, 1), (7, 9, 5), (6, 8, 256), (13, 17, 300), (97, 33, 513), (200, 2100, 40), (0, 3, 2), (3, 4, 0),
        ] {
            for (rowMajorA, rowMajorB) in [(true, true), (false, true), (true, false), (false, false)] {
                for update in [GEMM64.Update.overwrite, .add, .subtract] {
                    let (lda, ldb, ldc) = ((rowMajorA ? k : m) + 3, (rowMajorB ? n : k) + 1, n + 2)
                    let aStore = (0..<max(1, (rowMajorA ? m : k) * lda)).map { _ in rng.uniform(-1, 1) }
                    let bStore = (0..<max(1, (rowMajorB ? k : n) * ldb)).map { _ in rng.uniform(-1, 1) }
                    let start = (0..<max(1, m * ldc)).map { _ in rng.uniform(-1, 1) }
                    var results: [[Double]] = []
                    aStore.withUnsafeBufferPointer { ap in
                        bStore.withUnsafeBufferPointer { bp in
                            let a =
                                rowMajorA
                                ? MatrixView64(ap.baseAddress!, rows: m, cols: k, rowStride: lda)
                                : MatrixView64(ap.baseAddress!, rows: m, cols: k, rowStride: 1, colStride: lda)
                            let b =
                                rowMajorB
                                ? MatrixView64(bp.baseAddress!, rows: k, cols: n, rowStride: ldb)
                                : MatrixView64(bp.baseAddress!, rows: k, cols: n, rowStride: 1, colStride: ldb)
                            for gemm in [one, two] {
                                var c = start
                                gemm.multiply(a, b, into: &c, ldc: ldc, update)
                                results.append(c)
                            }
                            let u = Double.ulpOfOne / 2
                            for i in 0..<m {
                                for j in 0..<ldc {
                                    let got = results[0][i * ldc + j]
                                    if j >= n {
                                        XCTAssertEqual(got, start[i * ldc + j], "padding written")
                                        continue
                                    }
                                    var sum = 0.0
                                    var magnitude = 0.0
                                    for p in 0..<k {
                                        sum += a[i, p] * b[p, j]
                                        magnitude += abs(a[i, p] * b[p, j])
                                    }
                                    let old = start[i * ldc + j]
                                    let want = update == .overwrite ? sum : update == .add ? old + sum : old - sum
                                    XCTAssertEqual(
                                        got, want, accuracy: Double(k + 2) * u * (magnitude + abs(old)) + 1e-300,
                                        "\(m)×\(n)×\(k) A row-major \(rowMajorA) B row-major \(rowMajorB) \(update) at (\(i), \(j))"
                                    )
                                }
                            }
                        }
                    }
                    XCTAssertEqual(results[0], results[1], "\(m)×\(n)×\(k): 1 and 2 threads give the same bits")
                }
            }
        }
    }
}
