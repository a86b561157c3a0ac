import Foundation
import SpectralCore

extension PiecewiseLinearNetwork {
    /// The network on a slice, as a function of the slice coordinates t (its input is t, `slice.dimension` wide),
    /// simplified on the box of t that the analysis covers:
    ///
    ///     every input x_i becomes origin_i + Σ_k basis[k]_i·t_k (folded into the maps that read it);
    ///     a unit whose pre-activation keeps one sign on the whole box (by interval bounds, outward by 1e−9 of
    ///     its scale) never splits a region there: it is replaced by its affine map times that side's slope,
    ///     and its readers read that map instead (a dead ReLU disappears);
    ///     a unit whose pre-activation does not depend on t at all is a constant everywhere on the slice;
    ///     the units left are those that may cross the box: their count bounds the work.
    ///
    /// On the box the result equals the network exactly up to Float64 rounding; outside it, it need not. Without a
    /// box (nil) no unit is simplified: the result is the network on the whole slice.
    public func restricted(to slice: InputSlice, box: [ClosedRange<Double>]?) -> PiecewiseLinearNetwork {
        precondition(slice.origin.count == inputCount && (box?.count ?? slice.dimension) == slice.dimension)
        let d = slice.dimension
        var expanded: [AffineElement] = (0..<inputCount).map { i in
            AffineElement(
                columns: (0..<d).map(Int32.init), coefficients: slice.basis.map { $0[i] }, constant: slice.origin[i])
        }
        expanded.reserveCapacity(unitCount)
        var bounds: [ClosedRange<Double>] = box ?? []
        let accumulator = AffineAccumulator()
        var newStages: [Stage] = []
        var nextId = d  // the id the next kept unit gets
        for stage in stages {
            var map = SparseAffineMap()
            var activations: [UnitActivation] = []
            for u in 0..<stage.width {
                let row = stage.map.row(u)
                for (c, a) in zip(row.columns, row.coefficients) { accumulator.add(expanded[Int(c)], a) }
                accumulator.addConstant(row.constant)
                let pre = accumulator.take()
                let activation = stage.activations[u]
                if pre.coefficients.allSatisfy({ $0 == 0 }) {
                    // Constant on the whole slice (a max-pool tie over a patch blank in every given point).
                    expanded.append(.constant(activation(pre.constant)))
                    continue
                }
                let range = box == nil ? nil : interval(pre, bounds)
                if !activation.isLinear, range?.crossesZero ?? true {
                    expanded.append(.unit(nextId))
                    nextId += 1
                    if let range { bounds.append(range.after(activation)) }
                    map.append(columns: pre.columns, coefficients: pre.coefficients, constant: pre.constant)
                    activations.append(activation)
                } else {
                    let slope = activation.slope(active: range.map { $0.lower > 0 } ?? true)
                    expanded.append(slope == 1 ? pre : slope == 0 ? .constant(0) : pre.scaled(slope))
                }
            }
            if !activations.isEmpty { newStages.append(Stage(map: map, activations: activations)) }
        }
        var out = SparseAffineMap()
        for r in 0..<output.rowCount {
            let row = output.row(r)
            for (c, a) in zip(row.columns, row.coefficients) { accumulator.add(expanded[Int(c)], a) }
            accumulator.addConstant(row.constant)
            let e = accumulator.take()
            out.append(columns: e.columns, coefficients: e.coefficients, constant: e.constant)
        }
        var copy = self
        (copy.inputShape, copy.stages, copy.output) = ([d], newStages, out)
        return copy
    }
}

/// An interval of pre-activation values with the scale its rounding is measured against.
struct PreActivationRange {
    var lower: Double, upper: Double, scale: Double

    /// True unless the whole range lies on one side of 0 by more than 1e−9 of the scale.
    var crossesZero: Bool { !(lower > 1e-9 * scale || upper < -1e-9 * scale) }

    /// The range of the unit's output over this range of inputs (the kink at 0 is inside it).
    func after(_ activation: UnitActivation) -> ClosedRange<Double> {
        let values = [activation(lower), 0, activation(upper)]
        return values.min()!...values.max()!
    }
}

/// The range of an affine element over a box of its columns' values (interval arithmetic).
func interval(_ e: AffineElement, _ bounds: [ClosedRange<Double>]) -> PreActivationRange {
    var (lower, upper, scale) = (e.constant, e.constant, abs(e.constant))
    for (c, a) in zip(e.columns, e.coefficients) {
        let b = bounds[Int(c)]
        if a >= 0 {
            lower += a * b.lowerBound
            upper += a * b.upperBound
        } else {
            lower += a * b.upperBound
            upper += a * b.lowerBound
        }
        scale += abs(a) * max(abs(b.lowerBound), abs(b.upperBound))
    }
    return PreActivationRange(lower: lower, upper: upper, scale: scale)
}
