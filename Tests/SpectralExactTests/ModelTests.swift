import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import XCTest

/// ONNX models lowered to the piecewise-linear form, checked against PyTorch (Float64, `Fixtures/make_onnx_fixtures.py`),
/// regioncam's region count, and the direct evaluation of the form at every region's centroid.
final class ModelTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/onnx")

    /// The fixture's inputs (x…) and PyTorch's Float64 outputs (y…).
    func io(_ name: String) throws -> (inputs: [[Double]], outputs: [[Double]]) {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("\(name)_io.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = lines[0].split(separator: ",")
        let inputs = header.filter { $0.hasPrefix("x") }.count
        let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        return (rows.map { Array($0[..<inputs]) }, rows.map { Array($0[inputs...]) })
    }

    /// Every op of the fixtures (Gemm, residual Add, LeakyRelu, Conv with padding, stride and groups, MaxPool,
    /// PRelu, AveragePool, Clip, Abs, Max, Sub, Concat, Flatten, a dropped LogSoftmax) evaluates as PyTorch does
    /// in Float64 on the same (F32) weights: only the summation order differs, so 1e−12 relative to the largest
    /// output is generous and still catches any wrong weight, index or slope.
    func testFixturesMatchPyTorchInFloat64() throws {
        for name in ["residual_mlp", "convnet", "classifier"] {
            let network = try PiecewiseLinearNetwork.load(onnx: Self.fixtures.appendingPathComponent("\(name).onnx"))
            let (inputs, outputs) = try io(name)
            for (x, y) in zip(inputs, outputs) {
                let ours = network.evaluate(x)
                XCTAssertEqual(ours.count, y.count, name)
                let scale = y.map(abs).max()!
                // The export folds BatchNorm into the convolution and stores Clip's 0.7 and Sub's 0.2 in Float32,
                // so the convnet's file differs from the Float64 module by Float32 rounding (about 1e-8).
                let tolerance = name == "convnet" ? 1e-6 : 1e-12
                for (a, b) in zip(ours, y) { XCTAssertEqual(a, b, accuracy: tolerance * scale, name) }
            }
            if name == "classifier" { XCTAssertEqual(network.notes.count, 1, "the LogSoftmax is dropped with a note") }
        }
    }

    /// The residual LeakyReLU MLP on the plane through three inputs, box [−1, 1]²: the region count of regioncam
    /// (an independent enumerator), and at every region's centroid the region's affine map equals the whole
    /// network evaluated at that input point (1e−10 relative: Float64 on both sides, different summation orders).
    func testResidualPlaneMatchesRegioncamAndTheNetwork() throws {
        let counts =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.fixtures.appendingPathComponent("regioncam_counts.json")))
            as! [String: [String: Any]]
        let network = try PiecewiseLinearNetwork.load(onnx: Self.fixtures.appendingPathComponent("residual_mlp.onnx"))
        let slice = try InputSlice(through: Array(try io("residual_mlp").inputs.prefix(3)))
        let box = [-1.0...1.0, -1.0...1.0]
        for output in 0..<2 {
            let chain = try network.selecting(.index(output)).restricted(to: slice, box: box).chain()
            let regions = try enumerateRegions(
                chain, domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), pool: ThreadPool(threadCount: 2))
            XCTAssertEqual(regions.regionCount, counts["residual_mlp.onnx"]?["regions"] as? Int)
            for f in 0..<regions.regionCount {
                let c = regions.mesh.areaAndCentroid(f)
                let direct = network.evaluate(slice.point([c.cx, c.cy]))[output]
                XCTAssertEqual(regions.value(face: f, c.cx, c.cy), direct, accuracy: 1e-10 * max(1, abs(direct)))
            }
        }
    }

    /// Regions checked by dense sampling of the activation patterns: at every point of a grid over the box, the
    /// direct evaluation's pattern (the simplified network's kinked units, stage by stage) is the pattern of the
    /// region that holds the point, unless some unit is within 1e-9 (but not at 0) of its kink there; and every region
    /// wide enough to hold a grid point holds one. Independent of the engine: the form's own forward pass.
    func checkPatternsBySampling(
        _ network: PiecewiseLinearNetwork, slice: InputSlice, box: [ClosedRange<Double>], side: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let restricted = try network.selecting(.index(0)).restricted(to: slice, box: box)
        let regions = try enumerateRegions(
            try restricted.chain(),
            domain: boxPolygon(
                x0: box[0].lowerBound, x1: box[0].upperBound, y0: box[1].lowerBound, y1: box[1].upperBound),
            pool: ThreadPool(threadCount: 2))
        let locator = _RegionLocator(regions.mesh)
        var sampled = Set<Int>()
        var (checked, mismatches) = (0, 0)
        for j in 0..<side {
            for i in 0..<side {
                let t = [
                    box[0].lowerBound + (Double(i) + 0.5) / Double(side) * (box[0].upperBound - box[0].lowerBound),
                    box[1].lowerBound + (Double(j) + 0.5) / Double(side) * (box[1].upperBound - box[1].lowerBound),
                ]
                guard let f = locator.region(containing: t[0], t[1]) else {
                    XCTFail("grid point \(t) is in no region", file: file, line: line)
                    continue
                }
                sampled.insert(f)
                let values = restricted.unitValues(t)
                var (id, bits, zs, nearKink) = (t.count, [Bool](), [Double](), false)
                for stage in restricted.stages {
                    for u in 0..<stage.width {
                        let z = stage.map.value(row: u, values)
                        // z = 0 exactly is a unit flat at its kink on a whole region (a max-pool over two dead
                        // units): inactive on both sides of the check. Only rounding-close values are excused.
                        nearKink = nearKink || (z != 0 && abs(z) < 1e-9 * max(1, abs(values[id])))
                        bits.append(z > 0)
                        zs.append(z)
                        id += 1
                    }
                }
                if nearKink { continue }
                checked += 1
                var k = 0
                for (l, stage) in restricted.stages.enumerated() {
                    for u in 0..<stage.width {
                        // A unit exactly 0 on the point (a tie of two dead units) has no sign to compare.
                        if zs[k] != 0, regions.isActive(face: f, layer: l, unit: u) != bits[k] { mismatches += 1 }
                        k += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, side * side / 2, file: file, line: line)
        XCTAssertEqual(mismatches, 0, file: file, line: line)
        // A region holding a disk of radius ≥ half the grid's diagonal holds a grid point: the disk about its
        // centroid, as far as its nearest edge.
        let (hx, hy) = (
            (box[0].upperBound - box[0].lowerBound) / Double(side),
            (box[1].upperBound - box[1].lowerBound) / Double(side)
        )
        let mesh = regions.mesh
        let unsampled = (0..<regions.regionCount).filter { f in
            guard !sampled.contains(f) else { return false }
            let c = mesh.areaAndCentroid(f)
            let corners = mesh.corners(f).map(Int.init)
            let inradius = corners.indices.map { i -> Double in
                let (a, b) = (corners[i], corners[(i + 1) % corners.count])
                let (ex, ey) = (mesh.x[b] - mesh.x[a], mesh.y[b] - mesh.y[a])
                return abs(ex * (c.cy - mesh.y[a]) - ey * (c.cx - mesh.x[a])) / max(hypot(ex, ey), 1e-300)
            }.min()!
            return inradius > 0.5 * hypot(hx, hy)
        }
        XCTAssertEqual(
            unsampled, [], "regions wide enough to hold a grid point but holding none", file: file, line: line)
    }

    func testConvnetFixtureRegionsMatchSampledPatterns() throws {
        let network = try PiecewiseLinearNetwork.load(onnx: Self.fixtures.appendingPathComponent("convnet.onnx"))
        let slice = try InputSlice(through: Array(try io("convnet").inputs.prefix(3)))
        try checkPatternsBySampling(network, slice: slice, box: slice.defaultBox(), side: 200)
    }

    /// The MNIST conv net with MaxPool (23,328 ReLUs before pooling) on the plane through test images 0, 1, 2, in
    /// a box between them; skipped without `../shared/data`.
    func testMNISTConvnetRegionsMatchSampledPatterns() throws {
        let data = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data")
        let model = data.appendingPathComponent("models/Convnet_maxpool.onnx")
        let images = data.appendingPathComponent("mnist/t10k-images-idx3-ubyte.gz")
        guard FileManager.default.fileExists(atPath: model.path), FileManager.default.fileExists(atPath: images.path)
        else { throw XCTSkip("../shared/data (the MNIST conv net and test images) is not here") }
        let idx = try IDXFile.read(images, dimensions: 3)
        let points = (0..<3).map { i in idx.bytes[(i * 784)..<((i + 1) * 784)].map { Double($0) / 255 } }
        let network = try PiecewiseLinearNetwork.load(onnx: model)
        try checkPatternsBySampling(
            network, slice: try InputSlice(through: points), box: [4.0...5.0, 1.0...2.0], side: 200)
    }

    /// exact1d on a slice: the exact window transform of the residual LeakyReLU model along the segment between two
    /// inputs (kinks from the simplified chain) against the trapezoid FFT of the whole model sampled along the
    /// segment (its own forward pass, nothing simplified): the error falls as n⁻² (fitted order −2 ± 0.25).
    func testWindowTransformOnASliceMatchesTheSampledFFT() throws {
        let network = try PiecewiseLinearNetwork.load(onnx: Self.fixtures.appendingPathComponent("residual_mlp.onnx"))
        let slice = try InputSlice(through: Array(try io("residual_mlp").inputs.prefix(2)))
        let length = slice.pointCoordinates[1][0]
        let chain = try network.selecting(.index(1)).restricted(to: slice, box: [0...length]).chain()
        let pieces = try enumerateKinks(chain, pool: ThreadPool(threadCount: 2)).restricted(to: 0...length)
        XCTAssertGreaterThan(pieces.kinks.count, 3, "the segment should cross several kinks")
        let ks = (1...12).map { Double($0) / length }
        let reference = ExactSpectrum1D(pieces).window(ks, a: 0, b: length)
        let f = { (t: Double) in network.evaluate(slice.point([t]))[1] }
        var (sizes, errors) = ([Double](), [Double]())
        for p in 10...15 {
            let n = 1 << p
            let h = length / Double(n)
            let spectrum = RealFFTPlan(count: n).forward((0..<n).map { f(Double($0) * h) })
            let endCorrection = (f(length) - f(0)) / 2
            let worst = ks.indices.map { i in (h * (spectrum[i + 1] + Complex(endCorrection)) - reference[i]).magnitude
            }
            (sizes, errors) = (sizes + [Double(n)], errors + [worst.max()!])
        }
        let fit = try XCTUnwrap(DecayFit.fit(frequencies: sizes, magnitudes: errors))
        XCTAssertEqual(fit.slope, -2, accuracy: 0.25, "errors \(errors)")
    }

    /// A Sequential net's chain is the net itself, weight for weight (so every earlier result keeps its bits).
    /// The argmax cells of the residual LeakyReLU MLP (3 inputs, 2 logits) on [−1, 1]³. The class is constant on each
    /// cell of the tournament's complex, so the whole network's argmax near every corner of a cell (pulled 10% toward
    /// its vertex mean: inside the convex cell) is the cell's class, wherever the two logits differ by more than
    /// 1e−9 of their size. Class volumes add up to the box (1e−12), and the components per class equal those of the
    /// argmax on a 48³ grid (6-neighbour flood fill; the classes here are two thick pieces, so the grid sees them).
    func testArgmaxCellsOfAThreeInputModel() throws {
        let network = try PiecewiseLinearNetwork.load(onnx: Self.fixtures.appendingPathComponent("residual_mlp.onnx"))
        let box = Box3D(lower: SIMD3(repeating: -1), upper: SIMD3(repeating: 1))
        let regions = try enumerateRegions3D(
            network.appendingArgmaxTournament().chain(), box: box, pool: ThreadPool(threadCount: 2))
        let k = regions.complex
        let geometry = (0..<k.cellCount).map { k.volumeAndCentroid(cell: $0) }
        let classes = ArgmaxRegions3D(
            k, classes: 2, volume: geometry.map(\.volume), centroid: geometry.map(\.centroid),
            logits: network.evaluate)
        XCTAssertEqual(classes.classVolume.reduce(0, +), 8, accuracy: 1e-12)
        var checked = 0
        for c in 0..<k.cellCount {
            let mean = k.vertexMean(cell: c)
            for v in k.vertices(cell: c) {
                let p = 0.9 * k.position(v) + 0.1 * mean
                let l = network.evaluate([p.x, p.y, p.z])
                guard abs(l[0] - l[1]) > 1e-9 * max(abs(l[0]), abs(l[1])) else { continue }
                XCTAssertEqual(argmaxIndex(l), Int(classes.cellClass[c]), "cell \(c)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 4 * k.cellCount)
        let perClass = (0..<2).map { c in classes.components.filter { $0.classIndex == c }.count }
        XCTAssertEqual(perClass, gridComponents(side: 48) { argmaxIndex(network.evaluate($0)) })
    }

    /// Components per class (two classes) of `label` on a side³ grid over [−1, 1]³, joined across grid neighbours.
    func gridComponents(side n: Int, _ label: ([Double]) -> Int) -> [Int] {
        let coordinate = { (i: Int) in -1 + 2 * (Double(i) + 0.5) / Double(n) }
        var labels = [Int](repeating: 0, count: n * n * n)
        for i in 0..<n {
            for j in 0..<n {
                for l in 0..<n {
                    labels[(i * n + j) * n + l] = label([coordinate(i), coordinate(j), coordinate(l)])
                }
            }
        }
        var seen = [Bool](repeating: false, count: labels.count)
        var counts = [0, 0]
        for start in labels.indices where !seen[start] {
            counts[labels[start]] += 1
            var stack = [start]
            seen[start] = true
            while let p = stack.popLast() {
                let (i, j, l) = (p / (n * n), p / n % n, p % n)
                for (di, dj, dl) in [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)] {
                    let (a, b, c) = (i + di, j + dj, l + dl)
                    guard (0..<n).contains(a), (0..<n).contains(b), (0..<n).contains(c) else { continue }
                    let q = (a * n + b) * n + c
                    if !seen[q] && labels[q] == labels[p] {
                        seen[q] = true
                        stack.append(q)
                    }
                }
            }
        }
        return counts
    }

    func testSequentialChainIsTheNetItself() throws {
        let url = Self.fixtures.deletingLastPathComponent().appendingPathComponent("regions2d/net_0.safetensors")
        let tensors = try NetworkTensors.load(from: url)
        let old = try ExactNetwork(tensors, inputs: tensors.sizes[0])
        let chain = try PiecewiseLinearNetwork(sequential: tensors).chain()
        XCTAssertEqual(chain.sizes, old.sizes)
        XCTAssertEqual(chain.weights, old.weights)
        XCTAssertEqual(chain.biases, old.biases)
        XCTAssertTrue(chain.isPlainReLU)
    }

    /// A slice's basis is orthonormal and the given points sit at their recorded coordinates.
    func testSliceIsOrthonormal() throws {
        let points = [[1.0, 2, 3, 4], [2.0, 2, 3, 5], [0.0, 1, 3, 4]]
        let slice = try InputSlice(through: points)
        for i in 0..<2 {
            for j in 0..<2 {
                XCTAssertEqual(
                    zip(slice.basis[i], slice.basis[j]).reduce(0) { $0 + $1.0 * $1.1 }, i == j ? 1 : 0, accuracy: 1e-15)
            }
        }
        for (p, t) in zip(points, slice.pointCoordinates) {
            for (a, b) in zip(slice.point(t), p) { XCTAssertEqual(a, b, accuracy: 1e-14) }
        }
        XCTAssertThrowsError(try InputSlice(through: [[0, 0], [1, 1], [2, 2]]))
    }
}

/// Hostile and unsupported files: each is one `badInput` sentence, never a crash.
final class HostileONNXTests: XCTestCase {
    /// A minimal protobuf writer, independent of the reader under test.
    struct Writer {
        var bytes: [UInt8] = []
        mutating func varint(_ v: UInt64) {
            var v = v
            repeat {
                bytes.append(UInt8(v & 0x7f) | (v >= 0x80 ? 0x80 : 0))
                v >>= 7
            } while v != 0
        }
        mutating func field(_ n: Int, _ wire: Int) { varint(UInt64(n << 3 | wire)) }
        mutating func int(_ n: Int, _ v: Int64) {
            field(n, 0)
            varint(UInt64(bitPattern: v))
        }
        mutating func bytes(_ n: Int, _ b: [UInt8]) {
            field(n, 2)
            varint(UInt64(b.count))
            bytes += b
        }
        mutating func string(_ n: Int, _ s: String) { bytes(n, Array(s.utf8)) }
    }

    func message(_ build: (inout Writer) -> Void) -> [UInt8] {
        var w = Writer()
        build(&w)
        return w.bytes
    }

    func valueInfo(_ name: String, dims: [Int64]) -> [UInt8] {
        let shape = message { w in for d in dims { w.bytes(1, message { $0.int(1, d) }) } }
        let tensorType = message { w in
            w.int(1, 1)
            w.bytes(2, shape)
        }
        return message { w in
            w.string(1, name)
            w.bytes(2, message { $0.bytes(1, tensorType) })
        }
    }

    func node(_ op: String, _ inputs: [String], _ outputs: [String]) -> [UInt8] {
        message { w in
            for i in inputs { w.string(1, i) }
            for o in outputs { w.string(2, o) }
            w.string(4, op)
        }
    }

    func model(nodes: [[UInt8]], initializers: [[UInt8]] = [], input: [Int64] = [1, 2]) -> [UInt8] {
        let graph = message { w in
            for n in nodes { w.bytes(1, n) }
            for t in initializers { w.bytes(5, t) }
            w.bytes(11, valueInfo("x", dims: input))
            w.bytes(12, valueInfo("y", dims: [1, 2]))
        }
        return message { w in
            w.int(1, 8)
            w.bytes(8, message { $0.int(2, 17) })
            w.bytes(7, graph)
        }
    }

    func assertBadInput(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try PiecewiseLinearNetwork.lower(ONNXModel.parse(bytes)), line: line) { error in
            guard case .badInput(let m)? = error as? SpectralError else {
                return XCTFail("not bad input: \(error)", line: line)
            }
            XCTAssertTrue(m.contains(fragment), m, line: line)
            XCTAssertFalse(m.contains("\n"), line: line)
        }
    }

    func testHostileFiles() throws {
        let good = model(nodes: [node("Relu", ["x"], ["y"])])
        XCTAssertEqual(try PiecewiseLinearNetwork.lower(ONNXModel.parse(good)).kinkCounts, [2])
        for cut in [1, 5, good.count / 2, good.count - 1] {
            XCTAssertThrowsError(try ONNXModel.parse(Array(good.prefix(cut))), "truncated at \(cut)")
        }
        assertBadInput(Array("not a model at all".utf8), "not an ONNX model")
        assertBadInput([0x0f, 0x01], "wire type")
        assertBadInput(model(nodes: [node("Sigmoid", ["x"], ["y"])]), "Sigmoid")
        assertBadInput(model(nodes: [node("Relu", ["x"], ["a"]), node("Add", ["a", "w"], ["y"])]), "'w'")
        assertBadInput(
            model(nodes: [
                node("Add", ["x", "b"], ["a"]), node("Relu", ["a"], ["b"]),
                node("Relu", ["b"], ["y"]),
            ]), "cycle")
        let huge = message { w in
            w.string(8, "w")
            w.int(2, 1)
            w.field(1, 0)
            w.varint(UInt64(1 << 40))
            w.field(1, 0)
            w.varint(UInt64(1 << 40))
        }
        assertBadInput(model(nodes: [node("Relu", ["x"], ["y"])], initializers: [huge]), "tensor 'w'")
        let negative = message { w in
            w.string(8, "w")
            w.int(2, 1)
            w.int(1, -3)
        }
        assertBadInput(model(nodes: [node("Relu", ["x"], ["y"])], initializers: [negative]), "negative")
        let external = message { w in
            w.string(8, "w")
            w.int(2, 1)
            w.int(1, 2)
            w.int(14, 1)
        }
        assertBadInput(model(nodes: [node("Relu", ["x"], ["y"])], initializers: [external]), "external")
        let short = message { w in
            w.string(8, "w")
            w.int(2, 1)
            w.int(1, 2)
            w.bytes(9, [0, 0, 0, 0])
        }
        assertBadInput(model(nodes: [node("Relu", ["x"], ["y"])], initializers: [short]), "bytes of data")
        let product = model(nodes: [node("Mul", ["x", "x"], ["y"])])
        assertBadInput(product, "not piecewise linear")
        assertBadInput(model(nodes: [node("Relu", ["x"], ["y"])], input: [1, Int64(1) << 40]), "dimension")
    }
}
