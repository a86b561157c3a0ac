import CSpectralSIMD

// Packing copies a block of A or B into the order the micro-kernel reads it, so its inner loop streams through
// contiguous memory whatever the source strides (this is where transposes cost nothing extra).
//
//  A block (mc × kc) → micro-panels of MR rows:     B block (kc × nc) → micro-panels of NR columns:
//
//      p →                                              j →
//   i ┌────────────┐  panel 0: a(0,0) a(1,0)…a(5,0)   p ┌──────┬──────┬──┐  panel 0: b(0,0) … b(0,15)
//   ↓ │  panel 0   │           a(0,1) a(1,1)…a(5,1)   ↓ │  0   │  1   │2 │           b(1,0) … b(1,15)
//     ├────────────┤           …  (kc columns of MR)    │      │      │  │           …  (kc rows of NR)
//     │  panel 1   │                                    └──────┴──────┴──┘
//     └────────────┘  a ragged last panel is zero-padded to MR rows; a ragged B panel to NR columns.

/// Packs rows `rowStart ..< rowStart + rowCount` and columns `colStart ..< colStart + depth` of `a` into MR-row
/// micro-panels at `destination` (⌈rowCount / MR⌉ · MR · depth floats).
@inline(__always)
func packA(
    _ a: MatrixView, rowStart: Int, rowCount: Int, colStart: Int, depth: Int,
    into destination: UnsafeMutablePointer<Float>
) {
    let mr = GEMMBlocking.mr
    var out = destination
    var panelRow = 0
    while panelRow < rowCount {
        let rows = min(mr, rowCount - panelRow)
        let origin = a.base + (rowStart + panelRow) * a.rowStride + colStart * a.colStride
        if rows == mr && a.colStride == 1 {
            interleave(origin, lineStep: a.rowStride, lines: mr, depth: depth, into: out)
        } else if rows == mr && a.rowStride == 1 {
            // Column-major source (A = dYᵀ): each depth is six contiguous floats.
            for p in 0..<depth {
                let column = origin + p * a.colStride
                for i in 0..<mr { out[p * mr + i] = column[i] }
            }
        } else {
            for p in 0..<depth {
                for i in 0..<rows { out[p * mr + i] = origin[i * a.rowStride + p * a.colStride] }
                for i in rows..<mr { out[p * mr + i] = 0 }
            }
        }
        out += mr * depth
        panelRow += mr
    }
}

/// Packs rows `rowStart ..< rowStart + depth` and columns `colStart ..< colStart + colCount` of `b` into NR-column
/// micro-panels; panel q goes to `destination + q · NR · depth`.
@inline(__always)
func packBPanel(
    _ b: MatrixView, rowStart: Int, depth: Int, colStart: Int, colCount: Int,
    into destination: UnsafeMutablePointer<Float>
) {
    let nr = GEMMBlocking.nr
    let origin = b.base + rowStart * b.rowStride + colStart * b.colStride
    if colCount == nr && b.colStride == 1 {
        for p in 0..<depth {
            let row = UnsafeRawPointer(origin + p * b.rowStride)
            UnsafeMutableRawPointer(destination + p * nr).storeBytes(
                of: row.loadUnaligned(as: SIMD16<Float>.self),
                as: SIMD16<Float>.self)
        }
    } else if colCount == nr && b.rowStride == 1 {
        // Transposed source (B = Wᵀ): each panel column is a contiguous row of W.
        interleave(origin, lineStep: b.colStride, lines: nr, depth: depth, into: destination)
    } else {
        for p in 0..<depth {
            for j in 0..<colCount { destination[p * nr + j] = origin[p * b.rowStride + j * b.colStride] }
            for j in colCount..<nr { destination[p * nr + j] = 0 }
        }
    }
}

/// destination[p · lines + i] = line i at depth p, for `lines` source lines that are each contiguous in p and start
/// `lineStep` floats apart. The lines are walked in step, 8 depths at a time, so every source cache line is read
/// once (a row-major A panel, or a B panel of Wᵀ); whole blocks of 8 lines go through the register transpose.
@inline(__always)
func interleave(
    _ origin: UnsafePointer<Float>, lineStep: Int, lines: Int, depth: Int,
    into destination: UnsafeMutablePointer<Float>
) {
    var p = 0
    if lines % 8 == 0 {
        while p + 8 <= depth {
            for i in stride(from: 0, to: lines, by: 8) {
                spectral_transpose_8x8(origin + i * lineStep + p, lineStep, destination + p * lines + i, lines)
            }
            p += 8
        }
    }
    while p + 8 <= depth {
        for i in 0..<lines {
            let v = UnsafeRawPointer(origin + i * lineStep + p).loadUnaligned(as: SIMD8<Float>.self)
            for t in 0..<8 { destination[(p + t) * lines + i] = v[t] }
        }
        p += 8
    }
    for p in p..<depth {
        for i in 0..<lines { destination[p * lines + i] = origin[i * lineStep + p] }
    }
}
