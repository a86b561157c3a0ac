import Foundation

extension Canvas {
    /// Fills a convex polygon given in pixel coordinates (scanline: each pixel row between the left and right
    /// crossings of the boundary, sampled at pixel centres).
    public func fillConvexPolygon(_ points: [(x: Double, y: Double)], _ color: RGB) {
        guard points.count >= 3 else { return }
        let top = max(0, Int(points.map(\.y).min()!.rounded(.down))), bottom = min(height - 1, Int(points.map(\.y).max()!.rounded(.up)))
        if top > bottom { return }
        for row in top...bottom {
            let y = Double(row) + 0.5
            var lo = Double.infinity, hi = -Double.infinity
            for i in points.indices {
                let (a, b) = (points[i], points[(i + 1) % points.count])
                if (a.y <= y && b.y > y) || (b.y <= y && a.y > y) {
                    let x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)
                    lo = min(lo, x); hi = max(hi, x)
                }
            }
            guard lo <= hi else { continue }
            let first = max(0, Int((lo - 0.5).rounded(.up))), last = min(width - 1, Int((hi - 0.5).rounded(.down)))
            for column in stride(from: first, through: last, by: 1) { set(column, row, color) }
        }
    }
}

/// A map of convex polygons in data coordinates, each filled by its value on the viridis scale (with a labelled
/// colour bar), with `segments` drawn over them as thin dark lines, on equal-scaled axes.
public func polygonMap(title: String, polygons: [[(x: Double, y: Double)]], values: [Double],
                       segments: [(x0: Double, y0: Double, x1: Double, y1: Double)],
                       xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, xLabel: String, yLabel: String,
                       colorLabel: String, size: Int = 760) -> Canvas {
    let aspect = (yRange.upperBound - yRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
    let frame = Frame(right: 150, width: size + 260, height: Int(Double(size) * min(2, max(0.25, aspect))) + 130)
    let canvas = Canvas(width: frame.width, height: frame.height)
    let finite = values.filter(\.isFinite)
    let lo = finite.min() ?? 0, hi = max(finite.max() ?? 1, lo + 1e-12)
    let x = Axis(low: xRange.lowerBound, high: xRange.upperBound, label: xLabel)
    let y = Axis(low: yRange.lowerBound, high: yRange.upperBound, label: yLabel)
    func pixel(_ p: (x: Double, y: Double)) -> (x: Double, y: Double) { (frame.px(x.fraction(p.x)), frame.py(y.fraction(p.y))) }
    for (polygon, value) in zip(polygons, values) {
        canvas.fillConvexPolygon(polygon.map(pixel), value.isFinite ? viridis((value - lo) / (hi - lo)) : .gray)
    }
    for s in segments {
        let (a, b) = (pixel((s.x0, s.y0)), pixel((s.x1, s.y1)))
        canvas.line(a.x, a.y, b.x, b.y, RGB(40, 40, 40))
    }
    frame.decorate(canvas, title: title, x: x, y: y, grid: false)
    drawColorBar(canvas, frame: frame, low: lo, high: hi, label: colorLabel)
    return canvas
}
