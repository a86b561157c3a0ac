import Foundation
import SpectralKernels

/// What a codelet computes with: one Double, or a Double4 holding four independent transforms (consecutive k′
/// of a Stockham pass), so the same codelet source serves the vector body and the scalar tail.
protocol FFTLane {
    static var width: Int { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func * (a: Double, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func load(_ p: UnsafePointer<Double>) -> Self
    func store(_ p: UnsafeMutablePointer<Double>)
    /// Lane t holds p[t·stride].
    static func gather(_ p: UnsafePointer<Double>, stride: Int) -> Self
    /// Four values gathered at stride 4 from 4·width contiguous ones: result q has p[t·4 + q] in lane t.
    static func gather4(_ p: UnsafePointer<Double>) -> (Self, Self, Self, Self)
    /// The lanes in reverse order.
    var reversed: Self { get }
    /// p[2t] and p[2t + 1] in lane t of the first and second value.
    static func deinterleaved(_ p: UnsafePointer<Double>) -> (even: Self, odd: Self)
}

extension Double: FFTLane {
    static var width: Int { 1 }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Double { p.pointee }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Double>) { p.pointee = self }
    @inline(__always) static func gather(_ p: UnsafePointer<Double>, stride: Int) -> Double { p.pointee }
    @inline(__always) static func gather4(_ p: UnsafePointer<Double>) -> (Double, Double, Double, Double) {
        (p[0], p[1], p[2], p[3])
    }
    @inline(__always) var reversed: Double { self }
    @inline(__always) static func deinterleaved(_ p: UnsafePointer<Double>) -> (even: Double, odd: Double) {
        (p[0], p[1])
    }
}

extension Double4: FFTLane {
    static var width: Int { 4 }
    @inline(__always) static func gather(_ p: UnsafePointer<Double>, stride: Int) -> Double4 {
        Double4(SIMD4(p[0], p[stride], p[2 * stride], p[3 * stride]))
    }
    @inline(__always) static func gather4(_ p: UnsafePointer<Double>) -> (Double4, Double4, Double4, Double4) {
        transposed4(p)
    }
}

/// Runs `vector` at 0, 4, 8, … while four values remain, then `scalar` on each of the rest.
@inline(__always)
func forEachLaneGroup(count: Int, vector: (Int) -> Void, scalar: (Int) -> Void) {
    var k = 0
    while k + 4 <= count {
        vector(k)
        k += 4
    }
    while k < count {
        scalar(k)
        k += 1
    }
}

/// A radix-r DFT butterfly on r complex values held in split arrays (re, im), in place:
/// b_s = Σ_q a_q e^{−2πi q s / r}. One codelet per radix; the stage driver supplies twiddled inputs.
protocol Codelet {
    static var radix: Int { get }
    static func butterfly<V: FFTLane>(_ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>)
}

enum Radix2: Codelet {
    static var radix: Int { 2 }
    @inline(__always)
    static func butterfly<V: FFTLane>(_ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>) {
        (re[0], re[1]) = (re[0] + re[1], re[0] - re[1])
        (im[0], im[1]) = (im[0] + im[1], im[0] - im[1])
    }
}

enum Radix3: Codelet {
    static var radix: Int { 3 }
    static let s = 0.866_025_403_784_438_6  // sin(2π/3)
    @inline(__always)
    static func butterfly<V: FFTLane>(_ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>) {
        let t1r = re[1] + re[2]
        let t1i = im[1] + im[2]
        let t2r = re[1] - re[2]
        let t2i = im[1] - im[2]
        let mr = re[0] - 0.5 * t1r
        let mi = im[0] - 0.5 * t1i
        // n = −i·s·t2
        let nr = s * t2i
        let ni = -(s * t2r)
        re[0] = re[0] + t1r
        im[0] = im[0] + t1i
        re[1] = mr + nr
        im[1] = mi + ni
        re[2] = mr - nr
        im[2] = mi - ni
    }
}

enum Radix4: Codelet {
    static var radix: Int { 4 }
    @inline(__always)
    static func butterfly<V: FFTLane>(_ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>) {
        let t0r = re[0] + re[2]
        let t0i = im[0] + im[2]
        let t1r = re[0] - re[2]
        let t1i = im[0] - im[2]
        let t2r = re[1] + re[3]
        let t2i = im[1] + im[3]
        // t3 = −i·(a1 − a3)
        let t3r = im[1] - im[3]
        let t3i = re[3] - re[1]
        re[0] = t0r + t2r
        im[0] = t0i + t2i
        re[2] = t0r - t2r
        im[2] = t0i - t2i
        re[1] = t1r + t3r
        im[1] = t1i + t3i
        re[3] = t1r - t3r
        im[3] = t1i - t3i
    }
}

enum Radix5: Codelet {
    static var radix: Int { 5 }
    static let c1 = 0.309_016_994_374_947_45, c2 = -0.809_016_994_374_947_5  // cos(2π/5), cos(4π/5)
    static let s1 = 0.951_056_516_295_153_5, s2 = 0.587_785_252_292_473_1  // sin(2π/5), sin(4π/5)
    @inline(__always)
    static func butterfly<V: FFTLane>(_ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>) {
        let t1r = re[1] + re[4]
        let t1i = im[1] + im[4]
        let t2r = re[2] + re[3]
        let t2i = im[2] + im[3]
        let t3r = re[1] - re[4]
        let t3i = im[1] - im[4]
        let t4r = re[2] - re[3]
        let t4i = im[2] - im[3]
        let m1r = re[0] + c1 * t1r + c2 * t2r
        let m1i = im[0] + c1 * t1i + c2 * t2i
        let m2r = re[0] + c2 * t1r + c1 * t2r
        let m2i = im[0] + c2 * t1i + c1 * t2i
        // n1 = −i(s1·t3 + s2·t4), n2 = −i(s2·t3 − s1·t4)
        let n1r = s1 * t3i + s2 * t4i
        let n1i = -(s1 * t3r + s2 * t4r)
        let n2r = s2 * t3i - s1 * t4i
        let n2i = -(s2 * t3r - s1 * t4r)
        re[0] = re[0] + (t1r + t2r)
        im[0] = im[0] + (t1i + t2i)
        re[1] = m1r + n1r
        im[1] = m1i + n1i
        re[4] = m1r - n1r
        im[4] = m1i - n1i
        re[2] = m2r + n2r
        im[2] = m2i + n2i
        re[3] = m2r - n2r
        im[3] = m2i - n2i
    }
}

/// Radix 7 on the pairs a_p ± a_{7−p}: with t_p = a_p + a_{7−p} and d_p = a_p − a_{7−p} (p = 1, 2, 3),
/// b_s = a_0 + Σ_p cos(2πps/7)·t_p − i·Σ_p sin(2πps/7)·d_p and b_{7−s} the same with +i (s = 1, 2, 3).
enum Radix7: Codelet {
    static var radix: Int { 7 }
    // cos(2πk/7) and sin(2πk/7), k = 1, 2, 3, correctly rounded
    static let c1 = 0.623_489_801_858_733_5, c2 = -0.222_520_933_956_314_4, c3 = -0.900_968_867_902_419_1
    static let s1 = 0.781_831_482_468_029_8, s2 = 0.974_927_912_181_823_6, s3 = 0.433_883_739_117_558_1
    @inline(__always)
    static func butterfly<V: FFTLane>(_ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>) {
        let t1r = re[1] + re[6]
        let t1i = im[1] + im[6]
        let d1r = re[1] - re[6]
        let d1i = im[1] - im[6]
        let t2r = re[2] + re[5]
        let t2i = im[2] + im[5]
        let d2r = re[2] - re[5]
        let d2i = im[2] - im[5]
        let t3r = re[3] + re[4]
        let t3i = im[3] + im[4]
        let d3r = re[3] - re[4]
        let d3i = im[3] - im[4]
        let (a0r, a0i) = (re[0], im[0])
        /// b_s and b_{7−s} from the cosines and sines of 2πps/7 for p = 1, 2, 3.
        @inline(__always) func pair(
            _ s: Int, _ ca: Double, _ cb: Double, _ cc: Double,
            _ sa: Double, _ sb: Double, _ sc: Double
        ) {
            let mr = a0r + ca * t1r + cb * t2r + cc * t3r
            let mi = a0i + ca * t1i + cb * t2i + cc * t3i
            let nr = sa * d1i + sb * d2i + sc * d3i
            let ni = -(sa * d1r + sb * d2r + sc * d3r)  // −i·Σ sin·d
            re[s] = mr + nr
            im[s] = mi + ni
            re[7 - s] = mr - nr
            im[7 - s] = mi - ni
        }
        re[0] = a0r + (t1r + t2r + t3r)
        im[0] = a0i + (t1i + t2i + t3i)
        pair(1, c1, c2, c3, s1, s2, s3)
        pair(2, c2, c3, c1, s2, -s3, -s1)
        pair(3, c3, c1, c2, s3, -s1, s2)
    }
}

/// One Stockham autosort pass (decimation in time), out of place.
///
/// Before the pass, for each residue k ∈ [0, m) the array holds the length-L DFT of the stride-m subsequence
/// x[k + m·t] at index j·m + k. The pass combines r of them into length-L′ = L·r DFTs of the stride-m′ subsequences
/// (m′ = m/r): with inputs a_q = Y[(j·r + q)·m′ + k′] · ω_{L′}^{q·j},
///     Y′[(j + L·s)·m′ + k′] = Σ_q a_q ω_r^{q·s}     (j ∈ [0, L), s ∈ [0, r), k′ ∈ [0, m′)).
/// Starting from L = 1 (Y = x) and ending at L = n gives the DFT in natural order, with no bit reversal. The
/// innermost loop runs over k′, contiguous in both arrays, four at a time in `Double4` lanes (the twiddle is the same
/// for all k′), and the last m′ mod 4 one at a time. `twiddles` holds ω_{L′}^{q·j} at (j·(r−1) + q−1). Radix ≤ 8
/// (the scratch holds eight lanes).
@inline(__always)
func stockhamPass<C: Codelet>(
    _: C.Type, L: Int, mOut: Int, input: some PassInput,
    outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>,
    twiddleRe: UnsafePointer<Double>, twiddleIm: UnsafePointer<Double>
) {
    let vectorEnd = mOut - mOut % 4
    withUnsafeTemporaryAllocation(of: Double4.self, capacity: 16) { vectors in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 16) { scalars in
            for j in 0..<L {
                stockhamGroup(
                    C.self, j: j, ks: 0..<vectorEnd, L: L, mOut: mOut, input: input, outRe: outRe, outIm: outIm,
                    twiddleRe: twiddleRe, twiddleIm: twiddleIm, scratch: vectors.baseAddress!)
                stockhamGroup(
                    C.self, j: j, ks: vectorEnd..<mOut, L: L, mOut: mOut, input: input, outRe: outRe,
                    outIm: outIm, twiddleRe: twiddleRe, twiddleIm: twiddleIm, scratch: scalars.baseAddress!)
            }
        }
    }
}

/// Group j of a Stockham pass for the k′ in `ks` (a multiple of V's width long), through 16 lanes of scratch.
@inline(__always)
func stockhamGroup<C: Codelet, V: FFTLane>(
    _: C.Type, j: Int, ks: Range<Int>, L: Int, mOut: Int, input: some PassInput,
    outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>,
    twiddleRe: UnsafePointer<Double>, twiddleIm: UnsafePointer<Double>,
    scratch: UnsafeMutablePointer<V>
) {
    let r = C.radix
    let w = j * (r - 1)
    let re = scratch
    let im = scratch + 8
    var k = ks.lowerBound
    while k < ks.upperBound {
        (re[0], im[0]) = input.load(V.self, j * r * mOut + k)
        for q in 1..<r {
            let (xr, xi) = input.load(V.self, (j * r + q) * mOut + k)
            if j == 0 {
                // ω⁰ = 1 exactly: the whole first pass (L = 1) and the first group of every pass.
                (re[q], im[q]) = (xr, xi)
            } else {
                let wr = twiddleRe[w + q - 1]
                let wi = twiddleIm[w + q - 1]
                re[q] = wr * xr - wi * xi
                im[q] = wi * xr + wr * xi
            }
        }
        C.butterfly(re, im)
        for s in 0..<r {
            re[s].store(outRe + (j + L * s) * mOut + k)
            im[s].store(outIm + (j + L * s) * mOut + k)
        }
        k += V.width
    }
}

/// The last Stockham pass (m′ = 1, L′ = n), vectorised over j instead of k′, which has a single value here:
///     Y′[j + L·s] = Σ_q (Y[j·r + q] · ω_n^{q·j}) ω_r^{q·s}.
/// Four consecutive j fill the lanes. Their inputs are 4·r contiguous values, transposed into lanes (in registers
/// for radix 4); their outputs for each s are contiguous. `twiddles` hold ω_n^{q·j} at `lastPassTwiddleIndex`, so
/// that each lane group's twiddle is one load and the table is one stream: a q-major table put its r − 1 rows n/r
/// apart, in one cache set with the output streams. The j that do not fill a vector run through the same code
/// with Double lanes.
@inline(__always)
func stockhamLastPass<C: Codelet>(
    _: C.Type, L: Int, inRe: UnsafePointer<Double>, inIm: UnsafePointer<Double>,
    outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>,
    twiddleRe: UnsafePointer<Double>, twiddleIm: UnsafePointer<Double>
) {
    let vectorEnd = L - L % 4
    lastPassLanes(
        C.self, Double4.self, js: 0..<vectorEnd, L: L, inRe: inRe, inIm: inIm, outRe: outRe,
        outIm: outIm, twiddleRe: twiddleRe, twiddleIm: twiddleIm)
    lastPassLanes(
        C.self, Double.self, js: vectorEnd..<L, L: L, inRe: inRe, inIm: inIm, outRe: outRe,
        outIm: outIm, twiddleRe: twiddleRe, twiddleIm: twiddleIm)
}

/// Where the last pass keeps ω_n^{q·j}: four consecutive j per q, the groups of four in order of j.
@inline(__always)
func lastPassTwiddleIndex(j: Int, q: Int, radix: Int) -> Int {
    ((j >> 2) * (radix - 1) + q - 1) * 4 + (j & 3)
}

@inline(__always)
func lastPassLanes<C: Codelet, V: FFTLane>(
    _: C.Type, _: V.Type, js: Range<Int>, L: Int,
    inRe: UnsafePointer<Double>, inIm: UnsafePointer<Double>,
    outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>,
    twiddleRe: UnsafePointer<Double>, twiddleIm: UnsafePointer<Double>
) {
    let r = C.radix
    withUnsafeTemporaryAllocation(of: V.self, capacity: 16) { scratch in
        let re = scratch.baseAddress!
        let im = re + 8
        var j = js.lowerBound
        while j < js.upperBound {
            if r == 4 {
                (re[0], re[1], re[2], re[3]) = V.gather4(inRe + j * 4)
                (im[0], im[1], im[2], im[3]) = V.gather4(inIm + j * 4)
            } else {
                for q in 0..<r {
                    re[q] = V.gather(inRe + j * r + q, stride: r)
                    im[q] = V.gather(inIm + j * r + q, stride: r)
                }
            }
            for q in 1..<r {
                let w = lastPassTwiddleIndex(j: j, q: q, radix: r)
                let wr = V.load(twiddleRe + w)
                let wi = V.load(twiddleIm + w)
                let (xr, xi) = (re[q], im[q])
                re[q] = wr * xr - wi * xi
                im[q] = wi * xr + wr * xi
            }
            C.butterfly(re, im)
            for s in 0..<r {
                re[s].store(outRe + j + L * s)
                im[s].store(outIm + j + L * s)
            }
            j += V.width
        }
    }
}
