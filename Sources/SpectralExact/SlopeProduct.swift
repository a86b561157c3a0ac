import SpectralKernels

/// S = H′·Wᵀ on the pieces of a 1-D enumeration (H′: rows × d_in, the layer input's slope on each piece; S: rows ×
/// d_out), using that neighbouring pieces often differ in very few units of H′. A piece boundary that is a zero
/// crossing of the previous layer flips one unit's ReLU, so there
///     S_p = S_{p−1} + Σ_{u: H′_p[u] ≠ H′_{p−1}[u]} (H′_p[u] − H′_{p−1}[u])·W[:, u],
/// d_out flops per changed unit instead of 2·d_in·d_out. Rows that differ from the previous one in more than
/// `maximumChangedUnits`, and every `anchorStride`-th row, are anchors: computed by the batched product. A row is
/// therefore fewer than `anchorStride` rank-one updates from an exact product, which keeps the rounding to a few
/// ulps of the terms. Which rows are anchors depends on H′ alone, so results do not depend on the thread count.
func slopeProduct(_ h: [Double], rows: Int, weights: PackedWeights64, weight: [Double], pool: ThreadPool) -> [Double] {
    let (din, dout) = (weights.inputs, weights.outputs)
    let maximumChangedUnits = 2
    let anchorStride = 16
    // 1. Which units change from the previous row (at most `maximumChangedUnits`; −1 marks an anchor).
    var changedCount = [Int](repeating: -1, count: rows)
    var changedUnits = [Int](repeating: 0, count: rows * maximumChangedUnits)
    h.withUnsafeBufferPointer { hp in
        changedCount.withUnsafeMutableBufferPointer { cp in
            changedUnits.withUnsafeMutableBufferPointer { up in
                pool.forEachChunk(count: rows, minimumChunk: 256) { chunk in
                    for p in chunk where p % anchorStride != 0 {
                        let (row, previous) = (hp.baseAddress! + p * din, hp.baseAddress! + (p - 1) * din)
                        var count = 0
                        for u in 0..<din where row[u] != previous[u] {
                            if count == maximumChangedUnits {
                                count = -1
                                break
                            }
                            up[p * maximumChangedUnits + count] = u
                            count += 1
                        }
                        cp[p] = count
                    }
                }
            }
        }
    }
    // 2. The anchors by the batched product.
    let anchors = (0..<rows).filter { changedCount[$0] < 0 }
    var anchorInputs = [Double](repeating: 0, count: anchors.count * din)
    for (a, p) in anchors.enumerated() {
        anchorInputs.withUnsafeMutableBufferPointer { ap in
            h.withUnsafeBufferPointer { hp in
                (ap.baseAddress! + a * din).update(from: hp.baseAddress! + p * din, count: din)
            }
        }
    }
    let anchorSlopes = [Double](unsafeUninitializedCapacity: anchors.count * dout) { out, initialized in
        anchorInputs.withUnsafeBufferPointer { xp in
            affineRows(
                xp.baseAddress!, rows: anchors.count, weights: weights, bias: nil, into: out.baseAddress!, pool: pool)
        }
        initialized = anchors.count * dout
    }
    // 3. Each anchor's row, then the rank-one updates up to the next anchor; runs of rows across the pool.
    let transposed = [Double](unsafeUninitializedCapacity: din * dout) { t, initialized in
        for o in 0..<dout { for u in 0..<din { t[u * dout + o] = weight[o * din + u] } }
        initialized = din * dout
    }
    return [Double](unsafeUninitializedCapacity: rows * dout) { out, initialized in
        let sp = out.baseAddress!
        pool.forEachChunk(count: anchors.count, minimumChunk: 16) { runs in
            for a in runs {
                let first = anchors[a]
                let end = a + 1 < anchors.count ? anchors[a + 1] : rows
                anchorSlopes.withUnsafeBufferPointer {
                    (sp + first * dout).update(from: $0.baseAddress! + a * dout, count: dout)
                }
                for p in (first + 1)..<end {
                    let row = sp + p * dout
                    row.update(from: row - dout, count: dout)
                    for i in 0..<changedCount[p] {
                        let u = changedUnits[p * maximumChangedUnits + i]
                        let delta = h[p * din + u] - h[(p - 1) * din + u]
                        transposed.withUnsafeBufferPointer { tp in
                            let column = tp.baseAddress! + u * dout
                            for o in 0..<dout { row[o] += delta * column[o] }
                        }
                    }
                }
            }
        }
        initialized = rows * dout
    }
}
