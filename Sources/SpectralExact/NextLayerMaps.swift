import SpectralKernels

/// The next layer's affine maps on every new face (or cell, in 3-D): for cell C of parent face F,
///     A_{l+1}(C) = W_{l+1} · diag(p_C) · A_l(F) + [0 | … | 0 | b_{l+1}],
/// with A_l(F) the `rows` rows of F's maps (a, b, c in 2-D; a, b, c, d in 3-D: the last row is the offset) and p_C
/// the cell's activation bits for layer l.
///
/// The cells of one parent differ only in the units that cross it. So for most parents one product is formed
/// with the bits all its cells share (`base`), and each cell adds a rank-one term W[:, u]·A_l(F)[u, :] per extra
/// active unit; a parent crossed by so many units that the updates would cost more than the products (the first
/// layer's single face) has one product per cell instead. The products are Float64 dot products in a fixed order
/// (`affineRows`), the updates run in unit order, so the thread count changes nothing.
func nextLayerMaps(
    _ maps: AlignedBuffer<Double>, width: Int, parents: [Int32], bits: [UInt64], words: Int,
    weight: [Double], sparse: SparseLayer? = nil, bias: [Double], pool: ThreadPool, rows: Int = 3,
    activations: [UnitActivation]? = nil
) -> AlignedBuffer<Double> {
    if let sparse {
        return sparseNextLayerMaps(
            maps, width: width, parents: parents, bits: bits, words: words, weight: sparse, bias: bias, pool: pool,
            rows: rows, activations: activations)
    }
    // Each unit's slope on its inactive and active side (nil: ReLU, 0 and 1, applied as a mask).
    let slopes = activations.map { units in units.map { ($0.slope(active: false), $0.slope(active: true)) } }
    let outputs = bias.count
    let cells = parents.count
    // Runs of cells with one parent, and the rows each product masks with: (bits source, parent, is base).
    var runStarts = [0]
    for c in 1..<max(1, cells) where parents[c] != parents[c - 1] { runStarts.append(c) }
    runStarts.append(cells)
    let runs = runStarts.count - 1
    var baseBits = [UInt64](repeating: 0, count: runs * words)
    var useBase = [Bool](repeating: false, count: runs)
    var products: [(cell: Int, run: Int)] = []  // cell ≥ 0: that cell's bits; cell < 0: run's base bits
    var productOf = [Int](repeating: 0, count: cells)
    for r in 0..<runs {
        let range = runStarts[r]..<runStarts[r + 1]
        for w in 0..<words { baseBits[r * words + w] = range.reduce(~0) { $0 & bits[$1 * words + w] } }
        var extra = 0
        for c in range {
            for w in 0..<words { extra += (bits[c * words + w] & ~baseBits[r * words + w]).nonzeroBitCount }
        }
        // Cost in multiply-adds per output row: a product is `width`, an update about 4 (it streams memory).
        useBase[r] = width + 4 * extra < range.count * width
        if useBase[r] {
            for c in range { productOf[c] = products.count }
            products.append((-1, r))
        } else {
            for c in range {
                productOf[c] = products.count
                products.append((c, r))
            }
        }
    }
    // The products, in blocks across the pool.
    let productMaps = AlignedBuffer<Double>(uninitializedCount: products.count * rows * outputs)
    let block = 128
    let scratch = (0..<pool.threadCount).map { _ in AlignedBuffer<Double>(uninitializedCount: block * rows * width) }
    let productScratch = RowProductScratch(threads: pool.threadCount)
    let packed = weight.withUnsafeBufferPointer {
        PackedWeights64(weight: $0.baseAddress!, outputs: outputs, inputs: width)
    }
    let (mp, o) = (maps.pointer, productMaps.pointer)
    pool.run(tasks: (products.count + block - 1) / block) { task, worker in
        let first = task * block
        let count = min(block, products.count - first)
        let masked = scratch[worker].pointer
        for i in 0..<count {
            let (cell, run) = products[first + i]
            let parent = Int(parents[runStarts[run]])
            for u in 0..<width {
                let word = cell >= 0 ? bits[cell * words + u >> 6] : baseBits[run * words + u >> 6]
                let active = word >> UInt64(u & 63) & 1 == 1
                if let slopes {
                    let slope = active ? slopes[u].1 : slopes[u].0
                    for k in 0..<rows {
                        masked[(i * rows + k) * width + u] = slope * mp[(parent * rows + k) * width + u]
                    }
                    continue
                }
                for k in 0..<rows {
                    masked[(i * rows + k) * width + u] = active ? mp[(parent * rows + k) * width + u] : 0
                }
            }
        }
        packed.multiply(
            masked, rows: count * rows, bias: nil, into: o + first * rows * outputs, scratch: productScratch[worker])
    }
    // Each cell: its product (or its parent's base product plus the rank-one terms), plus the bias.
    let transposed = AlignedBuffer<Double>(uninitializedCount: width * outputs)  // [unit][output]
    for u in 0..<width { for o in 0..<outputs { transposed[u * outputs + o] = weight[o * width + u] } }
    let next = AlignedBuffer<Double>(uninitializedCount: cells * rows * outputs)
    let np = next.pointer
    let (pp, tp) = (UnsafePointer(productMaps.pointer), UnsafePointer(transposed.pointer))
    pool.forEachChunk(count: runs, minimumChunk: 64) { range in
        for r in range {
            let parent = Int(parents[runStarts[r]])
            for c in runStarts[r]..<runStarts[r + 1] {
                let cellMaps = np + c * rows * outputs
                cellMaps.update(from: pp + productOf[c] * rows * outputs, count: rows * outputs)
                if useBase[r] {
                    for wIndex in 0..<words {
                        var extra = bits[c * words + wIndex] & ~baseBits[r * words + wIndex]
                        while extra != 0 {
                            let u = wIndex * 64 + extra.trailingZeroBitCount
                            extra &= extra - 1
                            let jump = slopes.map { $0[u].1 - $0[u].0 } ?? 1
                            for k in 0..<rows {
                                axpy(
                                    jump * maps[(parent * rows + k) * width + u], tp + u * outputs,
                                    cellMaps + k * outputs, count: outputs)
                            }
                        }
                    }
                }
                for o in 0..<outputs { cellMaps[(rows - 1) * outputs + o] += bias[o] }
            }
        }
    }
    return next
}

/// y += a·x over `count` doubles, four at a time.
@inline(__always)
private func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    typealias V = SIMD4<Double>
    var i = 0
    let av = V(repeating: a)
    while i + 4 <= count {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
        let yv = UnsafeRawPointer(y + i).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: yv.addingProduct(av, xv), as: V.self)
        i += 4
    }
    while i < count {
        y[i] += a * x[i]
        i += 1
    }
}

/// The same for a sparse weight: each cell's masked maps times W, one cell at a time (the cost is the nonzeros per
/// row of maps, so no rank-one sharing is needed).
private func sparseNextLayerMaps(
    _ maps: AlignedBuffer<Double>, width: Int, parents: [Int32], bits: [UInt64], words: Int,
    weight: SparseLayer, bias: [Double], pool: ThreadPool, rows: Int, activations: [UnitActivation]?
) -> AlignedBuffer<Double> {
    let (outputs, cells) = (weight.outputs, parents.count)
    let slopes = activations.map { units in units.map { ($0.slope(active: false), $0.slope(active: true)) } }
    let next = AlignedBuffer<Double>(uninitializedCount: cells * rows * outputs)
    let scratch = (0..<pool.threadCount).map { _ in AlignedBuffer<Double>(uninitializedCount: rows * width) }
    let (mp, np) = (maps.pointer, next.pointer)
    let block = 16
    pool.run(tasks: (cells + block - 1) / block) { task, worker in
        let masked = scratch[worker].pointer
        for c in (task * block)..<min(cells, (task + 1) * block) {
            let parent = Int(parents[c])
            for u in 0..<width {
                let active = bits[c * words + u >> 6] >> UInt64(u & 63) & 1 == 1
                let slope = slopes.map { active ? $0[u].1 : $0[u].0 } ?? (active ? 1 : 0)
                for k in 0..<rows { masked[k * width + u] = slope * mp[(parent * rows + k) * width + u] }
            }
            for k in 0..<rows {
                weight.apply(masked + k * width, bias: k == rows - 1 ? bias : nil, into: np + (c * rows + k) * outputs)
            }
        }
    }
    return next
}
