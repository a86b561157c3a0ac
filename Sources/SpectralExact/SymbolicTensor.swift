import SpectralCore

/// One element of a tensor during lowering: constant + Σ coefficients[k]·unit[columns[k]], columns increasing.
struct AffineElement {
    var columns: [Int32] = []
    var coefficients: [Double] = []
    var constant = 0.0

    static func constant(_ c: Double) -> AffineElement { AffineElement(constant: c) }
    static func unit(_ id: Int) -> AffineElement { AffineElement(columns: [Int32(id)], coefficients: [1]) }

    var isConstant: Bool { columns.isEmpty }

    func scaled(_ a: Double) -> AffineElement {
        AffineElement(columns: columns, coefficients: coefficients.map { $0 * a }, constant: constant * a)
    }

    func adding(_ c: Double) -> AffineElement {
        var copy = self
        copy.constant += c
        return copy
    }

    /// a·self + b·other, columns merged in order.
    func combined(_ a: Double, _ other: AffineElement, _ b: Double) -> AffineElement {
        var out = AffineElement(constant: a * constant + b * other.constant)
        out.columns.reserveCapacity(columns.count + other.columns.count)
        out.coefficients.reserveCapacity(columns.count + other.columns.count)
        var (i, j) = (0, 0)
        while i < columns.count || j < other.columns.count {
            if j == other.columns.count || (i < columns.count && columns[i] < other.columns[j]) {
                out.columns.append(columns[i])
                out.coefficients.append(a * coefficients[i])
                i += 1
            } else if i == columns.count || other.columns[j] < columns[i] {
                out.columns.append(other.columns[j])
                out.coefficients.append(b * other.coefficients[j])
                j += 1
            } else {
                out.columns.append(columns[i])
                out.coefficients.append(a * coefficients[i] + b * other.coefficients[j])
                (i, j) = (i + 1, j + 1)
            }
        }
        return out
    }
}

/// Σ weight·element over many elements, with a dense scratch over unit ids (for products with weight matrices,
/// where one output sums hundreds of elements): the terms are added in the order given, then read out by column.
final class AffineAccumulator {
    private var values: [Double] = []
    private var touched: [Int32] = []
    private var constant = 0.0

    func add(_ e: AffineElement, _ weight: Double) {
        constant += weight * e.constant
        guard weight != 0 else { return }
        for (c, a) in zip(e.columns, e.coefficients) {
            let i = Int(c)
            if i >= values.count { values += [Double](repeating: .nan, count: max(i + 1 - values.count, 1024)) }
            if values[i].isNaN {
                values[i] = 0
                touched.append(c)
            }
            values[i] += weight * a
        }
    }

    func addConstant(_ c: Double) { constant += c }

    /// The sum so far, and a cleared accumulator.
    func take() -> AffineElement {
        touched.sort()
        let out = AffineElement(
            columns: touched, coefficients: touched.map { values[Int($0)] }, constant: constant)
        for c in touched { values[Int(c)] = .nan }
        touched.removeAll(keepingCapacity: true)
        constant = 0
        return out
    }
}

/// A tensor during lowering: its shape and one affine element per entry, row-major.
struct SymbolicTensor {
    var shape: [Int]
    var elements: [AffineElement]

    init(shape: [Int], elements: [AffineElement]) {
        precondition(shape.reduce(1, *) == elements.count)
        (self.shape, self.elements) = (shape, elements)
    }

    init(constant shape: [Int], _ values: [Double]) {
        self.init(shape: shape, elements: values.map { .constant($0) })
    }

    var count: Int { elements.count }
    var rank: Int { shape.count }
    var isConstant: Bool { elements.allSatisfy(\.isConstant) }
    var constantValues: [Double] { elements.map(\.constant) }

    func reshaped(_ newShape: [Int]) -> SymbolicTensor { SymbolicTensor(shape: newShape, elements: elements) }
}

/// Row-major strides of a shape.
func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
    return s
}

/// NumPy broadcasting of two shapes; nil when they do not broadcast.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    var out: [Int] = []
    for (x, y) in zip(pa, pb) {
        if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
    }
    return out
}

/// For each entry of `target` (a broadcast shape), the index of the entry of `source` it reads.
func broadcastIndices(from source: [Int], to target: [Int]) -> [Int] {
    let padded = [Int](repeating: 1, count: target.count - source.count) + source
    let sourceStrides = strides(padded)
    let targetStrides = strides(target)
    let count = target.reduce(1, *)
    return (0..<count).map { flat in
        var index = 0
        for d in 0..<target.count where padded[d] != 1 {
            index += (flat / targetStrides[d] % target[d]) * sourceStrides[d]
        }
        return index
    }
}

/// The maximum of each group as rounds of pairwise maxima, max(a, b) = a + relu(b − a). `addReLUs` makes one stage
/// of ReLU units with the given pre-activations and returns them as elements.
///
///     round 1:  m01 = e0 + relu(e1 − e0)    m23 = e2 + relu(e3 − e2)    e4 (odd one out, carried as it is)
///     round 2:  m0123 = m01 + relu(m23 − m01)                           e4
///     round 3:  m01234 = m0123 + relu(e4 − m0123)
func pairwiseMaxima(
    _ groups: [[AffineElement]], addReLUs: ([AffineElement]) -> [AffineElement]
) -> [AffineElement] {
    var current = groups
    while current.contains(where: { $0.count > 1 }) {
        var differences: [AffineElement] = []
        for g in current {
            for p in stride(from: 0, to: g.count - 1, by: 2) { differences.append(g[p + 1].combined(1, g[p], -1)) }
        }
        let units = addReLUs(differences)
        var k = 0
        current = current.map { g in
            var next: [AffineElement] = []
            for p in stride(from: 0, to: g.count - 1, by: 2) {
                next.append(g[p].combined(1, units[k], 1))
                k += 1
            }
            if g.count % 2 == 1 { next.append(g[g.count - 1]) }
            return next
        }
    }
    return current.map { $0[0] }
}
