/// Cache blocking for the AVX2 micro-kernel (BLIS names). A packed B micro-panel (KC × NR = 16 KiB) stays in L1
/// while the loop walks the packed A block (MC × KC = 96 KiB) held in L2; the packed B block (KC × NC) lives in
/// L2 or L3. The AVX-512 tile reads two panels at once (32 KiB, still inside a 48 KiB L1) under the same blocking:
/// the same KC is what keeps its bits equal to the AVX2 tile's.
public enum GEMMBlocking {
    public static let mr = 6
    public static let nr = 16
    public static let kc = 256
    public static let mc = 96
    public static let nc = 4096
}

/// Float32 C = A·B (+ C) (+ epilogue), BLIS style, on a persistent thread pool.
///
/// The output is cut into one rectangle per thread (`OutputTiling`); each task then runs the BLIS loop nest over
/// its rectangle with its own packing buffers: jc (NC columns) → pc (KC of the reduction; pack B) → ic (MC rows;
/// pack A, unless it is read in place) → jr → ir → micro-kernel. A thread's packed B stays in its own core's
/// caches, and one `run` per call is the only synchronisation. Threads split output tiles only; every C element is
/// reduced over k in the same order whatever the thread count, so results are bitwise identical for 1 or N
/// threads. Not safe for concurrent calls on one instance (it owns its scratch).
public final class GEMM: @unchecked Sendable {
    public let pool: ThreadPool
    private let packedA: [AlignedBuffer<Float>]
    private let packedB: [AlignedBuffer<Float>]

    /// The register tile it runs (`GEMMKernel.best` unless asked otherwise; either gives the same bits).
    public let kernel: GEMMKernel

    public convenience init(pool: ThreadPool) { self.init(pool: pool, kernel: .best) }

    public init(pool: ThreadPool, kernel: GEMMKernel) {
        precondition(kernel.isSupported, "the \(kernel.rawValue) GEMM kernel needs a CPU that has it")
        self.pool = pool
        self.kernel = kernel
        packedA = (0..<pool.threadCount).map { _ in AlignedBuffer(count: GEMMBlocking.mc * GEMMBlocking.kc) }
        packedB = (0..<pool.threadCount).map { _ in AlignedBuffer(count: GEMMBlocking.kc * GEMMBlocking.nc) }
    }

    public convenience init(threads: Int, kernel: GEMMKernel = .best) {
        self.init(pool: ThreadPool(threadCount: threads), kernel: kernel)
    }

    /// C (m × n, row-major, leading dimension `ldc`) = A (m × k) · B (k × n), plus the old C when `accumulate`,
    /// then the epilogue. Any shape, including empty ones (k = 0 gives C = 0, or C unchanged, then the epilogue).
    ///
    /// With `worker`, the whole product runs on the calling thread with that pool thread's packing buffers: for a
    /// caller that is itself a task of the pool (`worker` is its task's worker index) and splits the work its own
    /// way. Every element is computed by the same operations either way, so the bits are the same.
    public func multiply(
        _ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool = false, epilogue: GEMMEpilogue = .none, worker: Int? = nil
    ) {
        precondition(
            a.cols == b.rows, "GEMM inner dimensions differ: A is \(a.rows)x\(a.cols), B is \(b.rows)x\(b.cols)")
        let m = a.rows
        let n = b.cols
        let k = a.cols
        precondition(ldc >= n, "GEMM leading dimension of C is smaller than its width")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m {
                if !accumulate { (c + i * ldc).update(repeating: 0, count: n) }
                applyEpilogue(epilogue, c: c, ldc: ldc, row: i, rows: 1, col: 0, cols: n)
            }
            return
        }
        if thinProduct(a, b, c: c, ldc: ldc, accumulate: accumulate, epilogue: epilogue, worker: worker) { return }
        let tiling = OutputTiling(m: m, n: n, threads: worker == nil ? pool.threadCount : 1)
        forEachTask(tiling.taskCount, on: worker) { task, worker in
            let (rows, cols) = tiling.tile(task)
            blockedProduct(
                a, b, c: c, ldc: ldc, rows: rows, cols: cols, accumulate: accumulate, epilogue: epilogue,
                packedA: packedA[worker].pointer, packedB: packedB[worker].pointer, worker: worker, kernel: kernel)
        }
    }

    /// `body(task, worker)` for each task: across the pool, or in order on the calling thread as `worker`.
    func forEachTask(_ count: Int, on worker: Int?, _ body: (_ task: Int, _ worker: Int) -> Void) {
        guard let worker else { return pool.run(tasks: count, body) }
        precondition(worker >= 0 && worker < pool.threadCount, "GEMM worker \(worker) is not a thread of the pool")
        for task in 0..<count { body(task, worker) }
    }
}

/// The BLIS loop nest over the output rectangle `rows × cols` of C.
@inline(__always)
func blockedProduct(
    _ a: MatrixView, _ b: MatrixView, c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Range<Int>, cols: Range<Int>, accumulate: Bool, epilogue: GEMMEpilogue,
    packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>, worker: Int = 0,
    kernel: GEMMKernel = .avx2
) {
    let (mr, nr) = (GEMMBlocking.mr, GEMMBlocking.nr)
    let k = a.cols
    let readsAInPlace =
        (a.colStride == 1 && a.rowStride <= GEMMBlocking.kc) || (a.rowStride == 1 && a.colStride <= 2 * GEMMBlocking.kc)
    var jc = cols.lowerBound
    while jc < cols.upperBound {
        let nc = min(GEMMBlocking.nc, cols.upperBound - jc)
        let panels = (nc + nr - 1) / nr
        var pc = 0
        while pc < k {
            let kc = min(GEMMBlocking.kc, k - pc)
            let isFirst = pc == 0
            let isLast = pc + kc == k
            profiled(.packB, thread: worker) {
                for q in 0..<panels {
                    packBPanel(
                        b, rowStart: pc, depth: kc, colStart: jc + q * nr, colCount: min(nr, nc - q * nr),
                        into: packedB + q * nr * kc)
                }
            }
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(GEMMBlocking.mc, rows.upperBound - ic)
                // When A's lines are short and close together (row-major rows at most KC apart: the activations and
                // gradients; column-major columns at most 2·KC apart: dYᵀ in ∂W), its full 6-row panels are read
                // in place: no copy, and with two threads no copy each (both threads need all of A). Otherwise
                // packing wins, as BLIS has it. A ragged last panel is always packed, zero-padded.
                let fullRows = readsAInPlace ? mc / mr * mr : 0
                if fullRows < mc {
                    profiled(.packA, thread: worker) {
                        packA(
                            a, rowStart: ic + fullRows, rowCount: mc - fullRows, colStart: pc, depth: kc, into: packedA)
                    }
                }
                let wholeRows = mc / mr * mr
                // Whole 12 × 32 and 6 × 32 tiles (pairs of full panels) on the AVX-512 kernel when there is one.
                let widePanels = kernel == .avx512 ? nc / nr / 2 * 2 : 0
                let wideRows = widePanels > 0 ? wholeRows : 0
                if wideRows > 0 {
                    computeWideTiles(
                        depth: kc,
                        aAt: { r in
                            r < fullRows
                                ? (a.base + (ic + r) * a.rowStride + pc * a.colStride, a.rowStride, a.colStride)
                                : (UnsafePointer(packedA) + (r - fullRows) * kc, 1, mr)
                        }, b: packedB, panels: widePanels, c: c, ldc: ldc, row: ic, rows: wideRows, col: jc,
                        accumulate: accumulate || !isFirst, epilogue: isLast ? epilogue : .none)
                }
                for q in 0..<panels {
                    let col = jc + q * nr
                    let tileCols = min(nr, nc - q * nr)
                    var r = q < widePanels ? wideRows : 0
                    while r < wholeRows {
                        let inPlace = r < fullRows
                        computeTile(
                            depth: kc,
                            a: inPlace
                                ? a.base + (ic + r) * a.rowStride + pc * a.colStride
                                : UnsafePointer(packedA) + (r - fullRows) * kc,
                            aRowStride: inPlace ? a.rowStride : 1, aStep: inPlace ? a.colStride : mr,
                            b: packedB + q * nr * kc,
                            c: c, ldc: ldc, row: ic + r, col: col, rows: mr, cols: tileCols,
                            accumulate: accumulate || !isFirst, epilogue: isLast ? epilogue : .none)
                        r += mr
                    }
                }
                if wholeRows < mc {
                    computeRaggedRows(
                        depth: kc, a: UnsafePointer(packedA) + (wholeRows - fullRows) * kc, b: packedB,
                        panels: panels, c: c, ldc: ldc, row: ic + wholeRows, rows: mc - wholeRows, col: jc, cols: nc,
                        accumulate: accumulate || !isFirst, epilogue: isLast ? epilogue : .none)
                }
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// How C is cut into one rectangle per thread: columns first (whole NR panels, so each thread packs only its own
/// part of B), then rows (whole MR micro-rows) when there are fewer panels than threads.
struct OutputTiling {
    let rowChunk: Int
    let colChunk: Int
    let rowChunks: Int
    let colChunks: Int
    let m: Int
    let n: Int

    init(m: Int, n: Int, threads: Int, mr: Int = GEMMBlocking.mr, nr: Int = GEMMBlocking.nr) {
        let panels = (n + nr - 1) / nr
        let microRows = (m + mr - 1) / mr
        let wantCols = min(panels, threads)
        let wantRows = min(microRows, (threads + wantCols - 1) / wantCols)
        colChunk = (panels + wantCols - 1) / wantCols * nr
        rowChunk = (microRows + wantRows - 1) / wantRows * mr
        colChunks = (n + colChunk - 1) / colChunk
        rowChunks = (m + rowChunk - 1) / rowChunk
        self.m = m
        self.n = n
    }

    var taskCount: Int { rowChunks * colChunks }

    func tile(_ task: Int) -> (rows: Range<Int>, cols: Range<Int>) {
        let r = task / colChunks
        let q = task % colChunks
        return (r * rowChunk..<min(m, (r + 1) * rowChunk), q * colChunk..<min(n, (q + 1) * colChunk))
    }
}

/// The MR × NR tile of C whose first element is C[row, col], then the epilogue. A full tile applies the epilogue
/// in registers on its way out (`finishRow`); a ragged tile goes through a scratch tile, so the micro-kernel never
/// reads or writes outside C, and gets the epilogue in place afterwards. Both do the same operations lane for lane.
@inline(__always)
func computeTile(
    depth: Int, a: UnsafePointer<Float>, aRowStride: Int, aStep: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, row: Int, col: Int, rows: Int, cols: Int,
    accumulate: Bool, epilogue: GEMMEpilogue
) {
    let (mr, nr) = (GEMMBlocking.mr, GEMMBlocking.nr)
    let corner = c + row * ldc + col
    if rows == mr && cols == nr {
        microKernel6(
            SIMD16<Float>.self, depth: depth, a: a, aRowStride: aRowStride, aStep: aStep, b: b, c: corner, ldc: ldc,
            accumulate: accumulate
        ) { v, r in
            finishRow(v, epilogue, row: row + r, col: col)
        }
        return
    }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { scratch in
        let tile = scratch.baseAddress!
        microKernel6(
            SIMD16<Float>.self, depth: depth, a: a, aRowStride: aRowStride, aStep: aStep, b: b, c: tile, ldc: nr,
            accumulate: false)
        for i in 0..<rows {
            for j in 0..<cols {
                corner[i * ldc + j] = accumulate ? corner[i * ldc + j] + tile[i * nr + j] : tile[i * nr + j]
            }
        }
    }
    applyEpilogue(epilogue, c: c, ldc: ldc, row: row, rows: rows, col: col, cols: cols)
}

/// The last `rows` (< MR) rows of C from `row` on, over the columns `col ..< col + cols` of the packed B block
/// (`panels` micro-panels), two rows and two panels at a time (`microKernelTwoRows`) through a scratch tile, then
/// the epilogue in place. `a` is the zero-padded packed panel of those rows.
@inline(__always)
func computeRaggedRows(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, panels: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, row: Int, rows: Int, col: Int, cols: Int,
    accumulate: Bool, epilogue: GEMMEpilogue
) {
    let (mr, nr) = (GEMMBlocking.mr, GEMMBlocking.nr)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * nr) { scratch in
        let tile = scratch.baseAddress!
        for i0 in stride(from: 0, to: rows, by: 2) {
            for q in stride(from: 0, to: panels, by: 2) {
                microKernelTwoRows(
                    SIMD16<Float>.self, depth: depth, a: a + i0, aStep: mr, b0: b + q * nr * depth,
                    b1: b + min(q + 1, panels - 1) * nr * depth, tile: tile)
                let (tileRows, tileCols) = (min(2, rows - i0), min(2 * nr, cols - q * nr))
                let corner = c + (row + i0) * ldc + col + q * nr
                for i in 0..<tileRows {
                    for j in 0..<tileCols {
                        let v = tile[i * 2 * nr + j]
                        corner[i * ldc + j] = accumulate ? corner[i * ldc + j] + v : v
                    }
                }
                applyEpilogue(
                    epilogue, c: c, ldc: ldc, row: row + i0, rows: tileRows, col: col + q * nr, cols: tileCols)
            }
        }
    }
}

/// The epilogue on one 16-column row of a full register tile (C[row, col ..< col + 16]).
@inline(__always)
func finishRow(_ x: SIMD16<Float>, _ epilogue: GEMMEpilogue, row: Int, col: Int) -> SIMD16<Float> {
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    switch epilogue {
    case .none:
        return x
    case .addBias(let bias):
        return x + load(bias + col)
    case .addBiasReLU(let bias):
        let y = x + load(bias + col)
        return y.replacing(with: 0, where: .!(y .> 0))
    case .reluMask(let mask, let ld):
        return x.replacing(with: 0, where: .!(load(mask + row * ld + col) .> 0))
    }
}

@inline(__always)
func applyEpilogue(
    _ epilogue: GEMMEpilogue, c: UnsafeMutablePointer<Float>, ldc: Int,
    row: Int, rows: Int, col: Int, cols: Int
) {
    switch epilogue {
    case .none:
        return
    case .addBias(let bias):
        mapRows(c, ldc: ldc, row: row, rows: rows, col: col, cols: cols, bias) { x, b, _ in x + b }
    case .addBiasReLU(let bias):
        mapRows(c, ldc: ldc, row: row, rows: rows, col: col, cols: cols, bias) { x, b, _ in
            (x + b).replacing(with: 0, where: .!((x + b) .> 0))
        }
    case .reluMask(let mask, let ld):
        for i in row..<(row + rows) {
            mapRows(c + i * ldc, ldc: 0, row: 0, rows: 1, col: col, cols: cols, mask + i * ld) { x, m, _ in
                x.replacing(with: 0, where: .!(m .> 0))
            }
        }
    }
}

/// c[i, j] = f(c[i, j], other[j]) over a block, eight columns at a time (the ragged end through a padded vector).
@inline(__always)
func mapRows(
    _ c: UnsafeMutablePointer<Float>, ldc: Int, row: Int, rows: Int, col: Int, cols: Int,
    _ other: UnsafePointer<Float>, _ f: (SIMD8<Float>, SIMD8<Float>, Int) -> SIMD8<Float>
) {
    typealias V = SIMD8<Float>
    for i in row..<(row + rows) {
        let line = c + i * ldc
        var j = col
        while j + 8 <= col + cols {
            let x = UnsafeRawPointer(line + j).loadUnaligned(as: V.self)
            let o = UnsafeRawPointer(other + j).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(line + j).storeBytes(of: f(x, o, j), as: V.self)
            j += 8
        }
        if j < col + cols {
            var x = V()
            var o = V()
            for t in 0..<(col + cols - j) {
                x[t] = line[j + t]
                o[t] = other[j + t]
            }
            let y = f(x, o, j)
            for t in 0..<(col + cols - j) { line[j + t] = y[t] }
        }
    }
}
