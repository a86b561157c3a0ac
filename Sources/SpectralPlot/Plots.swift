import Foundation

/// Layout shared by the plots: margins for the title, axis labels, tick labels and (for heat maps) a colour bar.
struct Frame {
    let left = 110, top = 50, bottom = 80
    let right: Int
    let width: Int, height: Int
    var plotWidth: Int { width - left - right }
    var plotHeight: Int { height - top - bottom }

    func px(_ fraction: Double) -> Double { Double(left) + fraction * Double(plotWidth) }
    func py(_ fraction: Double) -> Double { Double(top + plotHeight) - fraction * Double(plotHeight) }

    /// Title, axis labels, ticks with labels, and the box.
    func decorate(_ canvas: Canvas, title: String, x: Axis, y: Axis, xTicks: [Double]? = nil, yTicks: [Double]? = nil,
                  xTickText: ((Double) -> String)? = nil, grid: Bool = true) {
        canvas.text(title, x: left + plotWidth / 2, y: 14, anchor: .center)
        canvas.text(x.label, x: left + plotWidth / 2, y: height - 30, anchor: .center)
        canvas.text(y.label, x: 14, y: top + plotHeight / 2, anchor: .center, vertical: true)
        for t in xTicks ?? x.ticks {
            let p = px(x.fraction(t))
            if grid { canvas.line(p, Double(top), p, Double(top + plotHeight), .lightGray) }
            canvas.line(p, Double(top + plotHeight), p, Double(top + plotHeight + 6), .black)
            canvas.text(xTickText?(t) ?? tickText(t, logarithmic: x.logarithmic), x: Int(p), y: top + plotHeight + 12,
                        anchor: .center)
        }
        for t in yTicks ?? y.ticks {
            let p = py(y.fraction(t))
            if grid { canvas.line(Double(left), p, Double(left + plotWidth), p, .lightGray) }
            canvas.line(Double(left - 6), p, Double(left), p, .black)
            canvas.text(tickText(t, logarithmic: y.logarithmic), x: left - 10, y: Int(p) - 7, anchor: .right)
        }
        let (l, t, r, b) = (Double(left), Double(top), Double(left + plotWidth), Double(top + plotHeight))
        canvas.line(l, t, r, t, .black); canvas.line(l, b, r, b, .black)
        canvas.line(l, t, l, b, .black); canvas.line(r, t, r, b, .black)
    }
}

/// A series of a line plot.
public struct Series {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var dashed = false
    public var pointsOnly = false
    public init(name: String, x: [Double], y: [Double], dashed: Bool = false, pointsOnly: Bool = false) {
        self.name = name; self.x = x; self.y = y; self.dashed = dashed; self.pointsOnly = pointsOnly
    }
}

/// Lines (or points) over labelled axes with a legend. Non-finite points, and non-positive ones on a log axis,
/// are skipped (they break the line).
public func linePlot(title: String, series: [Series], xLabel: String, yLabel: String, logX: Bool = false,
                     logY: Bool = false, width: Int = 900, height: Int = 560) -> Canvas {
    func usable(_ v: Double, _ log: Bool) -> Bool { v.isFinite && (!log || v > 0) }
    let xs = series.flatMap { s in zip(s.x, s.y).filter { usable($0.0, logX) && usable($0.1, logY) }.map(\.0) }
    let ys = series.flatMap { s in zip(s.x, s.y).filter { usable($0.0, logX) && usable($0.1, logY) }.map(\.1) }
    let x = Axis(low: xs.min() ?? 0, high: xs.max() ?? 1, logarithmic: logX, label: xLabel)
    var y = Axis(low: ys.min() ?? 0, high: ys.max() ?? 1, logarithmic: logY, label: yLabel)
    if !logY { let pad = (y.high - y.low) * 0.05; y = Axis(low: y.low - pad, high: y.high + pad, label: yLabel) }
    let frame = Frame(right: 30, width: width, height: height)
    let canvas = Canvas(width: width, height: height)
    frame.decorate(canvas, title: title, x: x, y: y)
    for (index, s) in series.enumerated() {
        let color = RGB.palette[index % RGB.palette.count]
        var previous: (Double, Double)?
        for (xv, yv) in zip(s.x, s.y) {
            guard usable(xv, logX), usable(yv, logY) else { previous = nil; continue }
            let p = (frame.px(x.fraction(xv)), frame.py(y.fraction(yv)))
            if s.pointsOnly {
                canvas.fill(x: Int(p.0) - 2, y: Int(p.1) - 2, width: 5, height: 5, color)
            } else if let q = previous {
                canvas.line(q.0, q.1, p.0, p.1, color, thickness: 2, dash: s.dashed ? 6 : 0)
            }
            previous = p
        }
        // Legend, top right inside the plot.
        let ly = frame.top + 10 + index * 22
        let lx = frame.left + frame.plotWidth - 20 - Canvas.textWidth(s.name) - 40
        canvas.fill(x: lx - 6, y: ly - 4, width: Canvas.textWidth(s.name) + 56, height: 22, .white)
        canvas.line(Double(lx), Double(ly + 7), Double(lx + 30), Double(ly + 7), color, thickness: 3, dash: s.dashed ? 6 : 0)
        canvas.text(s.name, x: lx + 38, y: ly)
    }
    return canvas
}

/// A heat map: `values[row][column]` drawn with column along x and row along y (row 0 at the bottom), a colour bar
/// with its label, and tick labels taken from `xValues` / `yValues`.
public func heatMap(title: String, values: [[Double]], xValues: [Double], yValues: [Double], xLabel: String,
                    yLabel: String, colorLabel: String, range: ClosedRange<Double>? = nil, width: Int = 900,
                    height: Int = 600) -> Canvas {
    let finite = values.flatMap { $0 }.filter(\.isFinite)
    let lo = range?.lowerBound ?? finite.min() ?? 0
    let hi = max(range?.upperBound ?? finite.max() ?? 1, lo + 1e-12)
    let frame = Frame(right: 150, width: width, height: height)
    let canvas = Canvas(width: width, height: height)
    let rows = values.count, cols = values.first?.count ?? 0
    for r in 0..<rows {
        for c in 0..<cols {
            let x0 = Int(frame.px(Double(c) / Double(cols))), x1 = Int(frame.px(Double(c + 1) / Double(cols)))
            let y1 = Int(frame.py(Double(r) / Double(rows))), y0 = Int(frame.py(Double(r + 1) / Double(rows)))
            let v = values[r][c]
            canvas.fill(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0),
                        v.isFinite ? viridis((v - lo) / (hi - lo)) : .gray)
        }
    }
    // Axes in index space, labelled with the data values at the cell centres.
    let xAxis = Axis(low: 0, high: Double(cols), label: xLabel), yAxis = Axis(low: 0, high: Double(rows), label: yLabel)
    func pick(_ n: Int) -> [Double] {
        let every = max(1, Int((Double(n) / 8).rounded(.up)))
        return stride(from: 0, to: n, by: every).map { Double($0) + 0.5 }
    }
    let xTicks = pick(cols), yTicks = pick(rows)
    frame.decorate(canvas, title: title, x: xAxis, y: yAxis, xTicks: xTicks, yTicks: [], grid: false)
    // decorate() printed index ticks; overwrite the x labels with data values and add y labels.
    canvas.fill(x: frame.left - 60, y: frame.top + frame.plotHeight + 8, width: frame.plotWidth + 120, height: 18, .white)
    for t in xTicks {
        canvas.text(tickText(xValues[Int(t)], logarithmic: false), x: Int(frame.px(t / Double(cols))),
                    y: frame.top + frame.plotHeight + 12, anchor: .center)
    }
    for t in yTicks {
        let p = frame.py(t / Double(rows))
        canvas.line(Double(frame.left - 6), p, Double(frame.left), p, .black)
        canvas.text(tickText(yValues[Int(t)], logarithmic: false), x: frame.left - 10, y: Int(p) - 7, anchor: .right)
    }
    drawColorBar(canvas, frame: frame, low: lo, high: hi, label: colorLabel)
    return canvas
}

/// The colour bar right of a heat map's frame: viridis from `low` (bottom) to `high`, ticks and its label.
func drawColorBar(_ canvas: Canvas, frame: Frame, low lo: Double, high hi: Double, label: String) {
    let barX = frame.width - 120, barW = 24
    for yy in 0..<frame.plotHeight {
        canvas.fill(x: barX, y: frame.top + yy, width: barW, height: 1, viridis(1 - Double(yy) / Double(frame.plotHeight)))
    }
    let barAxis = Axis(low: lo, high: hi, label: label)
    for t in barAxis.ticks {
        let p = frame.py(barAxis.fraction(t))
        canvas.line(Double(barX + barW), p, Double(barX + barW + 5), p, .black)
        canvas.text(tickText(t, logarithmic: false), x: barX + barW + 8, y: Int(p) - 7)
    }
    canvas.text(label, x: frame.width - 16, y: frame.top + frame.plotHeight / 2, anchor: .center, vertical: true)
}
