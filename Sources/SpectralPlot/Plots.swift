import Foundation

/// A series of a line plot (or of points, with `pointsOnly`).
public struct Series {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var dashed = false
    public var pointsOnly = false
    public var color: RGB?
    public init(
        name: String, x: [Double], y: [Double], dashed: Bool = false, pointsOnly: Bool = false, color: RGB? = nil
    ) {
        self.name = name
        self.x = x
        self.y = y
        self.dashed = dashed
        self.pointsOnly = pointsOnly
        self.color = color
    }
}

/// A line segment in data coordinates (region edges, decision boundaries).
public struct Segment {
    public var x0, y0, x1, y1: Double
    public init(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
        (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
    }
}

/// Colour-coded data under a plot: a range mapped onto a scale, labelled on a bar at the right.
public struct ColorScale {
    public var range: ClosedRange<Double>
    public var label: String
    public var color: (Double) -> RGB = viridis
    public init(range: ClosedRange<Double>, label: String, color: @escaping (Double) -> RGB = viridis) {
        self.range = range
        self.label = label
        self.color = color
    }
    public func color(of value: Double) -> RGB {
        guard value.isFinite else { return .gray }
        return color((value - range.lowerBound) / max(range.upperBound - range.lowerBound, 1e-300))
    }
}

/// One panel: axes, then layers (an image over the plot area, line series, segments, markers), a legend and an
/// optional colour bar. The margins are computed from what is drawn in them, so titles never overlap tick labels.
public struct Plot {
    public var title: String
    public var x: Axis
    public var y: Axis
    public var series: [Series] = []
    /// Called with the plot area's size in pixels; the raster fills the area (data range = the axes' ranges).
    public var image: ((Int, Int) -> Raster)?
    public var segments: [(Segment, RGB, Double)] = []
    /// Filled rectangles in data coordinates (bars), under the legend.
    public var rectangles: [(x0: Double, y0: Double, x1: Double, y1: Double, color: RGB)] = []
    /// Labels at chosen x positions instead of the axis's round ticks (categories).
    public var xTickLabels: [(value: Double, text: String)]?
    public var colorScale: ColorScale?
    public var width = 900
    public var height = 560
    public var equalAspect = false
    public var grid = true

    public init(title: String, x: Axis, y: Axis) {
        self.title = title
        self.x = x
        self.y = y
    }

    public func figure() -> Figure {
        var figure = Figure(width: width, height: height)
        let layout = PlotLayout(self)
        let area = layout.area
        if let image {
            let raster = image(max(1, Int(area.width.rounded())), max(1, Int(area.height.rounded())))
            figure.add(.image(raster, x: area.x, y: area.y, width: area.width, height: area.height))
        }
        if grid && image == nil { drawGrid(&figure, area) }
        for (index, s) in series.enumerated() {
            drawSeries(s, color: s.color ?? RGB.palette[index % RGB.palette.count], &figure, area)
        }
        for r in rectangles {
            let a = area.pixel(x, y, r.x0, r.y1)
            let b = area.pixel(x, y, r.x1, r.y0)
            figure.add(.rectangle(x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y, fill: r.color))
        }
        for (segment, color, lineWidth) in segments {
            let a = area.pixel(x, y, segment.x0, segment.y0)
            let b = area.pixel(x, y, segment.x1, segment.y1)
            if let clipped = area.clip(a, b) {
                figure.add(.polyline([clipped.0, clipped.1], color: color, width: lineWidth, dash: 0))
            }
        }
        drawFrameAndTicks(&figure, layout)
        drawLegend(&figure, area)
        if let colorScale { drawColorBar(&figure, layout, colorScale) }
        return figure
    }

    private func drawGrid(_ figure: inout Figure, _ area: PlotArea) {
        if xTickLabels == nil {
            for t in x.ticks {
                let p = area.px(x.fraction(t))
                figure.line(p, area.y, p, area.y + area.height, .lightGray)
            }
        }
        for t in y.ticks {
            let p = area.py(y.fraction(t))
            figure.line(area.x, p, area.x + area.width, p, .lightGray)
        }
    }

    private func drawSeries(_ s: Series, color: RGB, _ figure: inout Figure, _ area: PlotArea) {
        func usable(_ v: Double, _ axis: Axis) -> Bool { v.isFinite && (!axis.logarithmic || v > 0) }
        var run: [(x: Double, y: Double)] = []
        func flush() {
            if run.count >= 2 { figure.add(.polyline(run, color: color, width: 2, dash: s.dashed ? 6 : 0)) }
            run.removeAll()
        }
        var previous: (x: Double, y: Double)?
        for (xv, yv) in zip(s.x, s.y) {
            guard usable(xv, x), usable(yv, y) else {
                flush()
                previous = nil
                continue
            }
            let p = area.pixel(x, y, xv, yv)
            if s.pointsOnly {
                if area.contains(p) { figure.add(.rectangle(x: p.x - 2, y: p.y - 2, width: 5, height: 5, fill: color)) }
                continue
            }
            if let q = previous {
                if let (a, b) = area.clip(q, p) {
                    if run.isEmpty || run.last! != a {
                        flush()
                        run.append(a)
                    }
                    run.append(b)
                    if b != p { flush() }
                } else {
                    flush()
                }
            }
            previous = p
        }
        flush()
    }

    private func drawFrameAndTicks(_ figure: inout Figure, _ layout: PlotLayout) {
        let area = layout.area
        let (l, t, r, b) = (area.x, area.y, area.x + area.width, area.y + area.height)
        for (x0, y0, x1, y1) in [(l, t, r, t), (l, b, r, b), (l, t, l, b), (r, t, r, b)] { figure.line(x0, y0, x1, y1) }
        for (tick, text) in xTickLabels ?? x.ticks.map({ ($0, x.tickText($0)) }) {
            let p = area.px(x.fraction(tick))
            figure.line(p, b, p, b + 6)
            figure.text(text, x: p, y: b + 10, anchor: .middle)
        }
        for tick in y.ticks {
            let p = area.py(y.fraction(tick))
            figure.line(l - 6, p, l, p)
            figure.text(y.tickText(tick), x: l - 10, y: p - 8, anchor: .end)
        }
        for (i, line) in layout.titleLines.enumerated() {
            figure.text(line, x: Double(width) / 2, y: 14 + Double(i) * 22, anchor: .middle)
        }
        figure.text(x.label, x: area.x + area.width / 2, y: b + 40, anchor: .middle)
        figure.text(y.label, x: layout.yTitleX, y: area.y + area.height / 2, anchor: .middle, vertical: true)
    }

    private func drawLegend(_ figure: inout Figure, _ area: PlotArea) {
        let named = series.enumerated().filter { !$0.element.name.isEmpty }
        guard !named.isEmpty else { return }
        let textWidth = named.map { Figure.textWidth($0.element.name) }.max() ?? 0
        let boxWidth = textWidth + 56
        let boxHeight = Double(named.count) * 22 + 8
        let (bx, by) = legendCorner(area, boxWidth, boxHeight)
        figure.add(.rectangle(x: bx, y: by, width: boxWidth, height: boxHeight, fill: .white))
        for (x0, y0, x1, y1) in [
            (bx, by, bx + boxWidth, by), (bx, by + boxHeight, bx + boxWidth, by + boxHeight),
            (bx, by, bx, by + boxHeight), (bx + boxWidth, by, bx + boxWidth, by + boxHeight),
        ] {
            figure.line(x0, y0, x1, y1, .gray)
        }
        for (row, (index, s)) in named.enumerated() {
            let color = s.color ?? RGB.palette[index % RGB.palette.count]
            let ly = by + 6 + Double(row) * 22
            if s.pointsOnly {
                figure.add(.rectangle(x: bx + 20, y: ly + 5, width: 7, height: 7, fill: color))
            } else {
                figure.add(
                    .polyline([(bx + 8, ly + 9), (bx + 40, ly + 9)], color: color, width: 3, dash: s.dashed ? 6 : 0))
            }
            figure.text(s.name, x: bx + 48, y: ly)
        }
    }

    /// The corner (top right first) whose legend box would cover the fewest data points.
    private func legendCorner(_ area: PlotArea, _ w: Double, _ h: Double) -> (Double, Double) {
        let corners = [
            (area.x + area.width - w - 10, area.y + 10), (area.x + 10, area.y + 10),
            (area.x + area.width - w - 10, area.y + area.height - h - 10), (area.x + 10, area.y + area.height - h - 10),
        ]
        var points: [(x: Double, y: Double)] = []
        for s in series {
            let step = max(1, s.x.count / 2000)
            for i in stride(from: 0, to: min(s.x.count, s.y.count), by: step) where s.x[i].isFinite && s.y[i].isFinite {
                if (!x.logarithmic || s.x[i] > 0) && (!y.logarithmic || s.y[i] > 0) {
                    points.append(area.pixel(x, y, s.x[i], s.y[i]))
                }
            }
        }
        let covered = corners.map { c in
            points.filter { $0.x >= c.0 && $0.x <= c.0 + w && $0.y >= c.1 && $0.y <= c.1 + h }.count
        }
        return corners[covered.indices.min { covered[$0] < covered[$1] || (covered[$0] == covered[$1] && $0 < $1) }!]
    }

    private func drawColorBar(_ figure: inout Figure, _ layout: PlotLayout, _ scale: ColorScale) {
        let area = layout.area
        var bar = Raster(width: 1, height: 256)
        for i in 0..<256 { bar[0, 255 - i] = scale.color(Double(i) / 255) }
        let barX = area.x + area.width + 24
        figure.add(.image(bar, x: barX, y: area.y, width: 22, height: area.height))
        let axis = Axis(low: scale.range.lowerBound, high: scale.range.upperBound, label: scale.label)
        var widest = 0.0
        for tick in axis.ticks {
            let p = area.py(axis.fraction(tick))
            figure.line(barX + 22, p, barX + 27, p)
            let text = axis.tickText(tick)
            widest = max(widest, Figure.textWidth(text))
            figure.text(text, x: barX + 34, y: p - 8)
        }
        figure.text(
            scale.label, x: barX + 34 + widest + 12, y: area.y + area.height / 2, anchor: .middle, vertical: true)
    }
}

/// The plot area in pixels, and the data-to-pixel map.
struct PlotArea {
    let x: Double, y: Double, width: Double, height: Double
    func px(_ fraction: Double) -> Double { x + fraction * width }
    func py(_ fraction: Double) -> Double { y + height - fraction * height }
    func pixel(_ xAxis: Axis, _ yAxis: Axis, _ u: Double, _ v: Double) -> (x: Double, y: Double) {
        (px(xAxis.fraction(u)), py(yAxis.fraction(v)))
    }
    func contains(_ p: (x: Double, y: Double)) -> Bool {
        p.x >= x - 0.5 && p.x <= x + width + 0.5 && p.y >= y - 0.5 && p.y <= y + height + 0.5
    }

    /// The part of segment a–b inside the area (Liang–Barsky), or nil.
    func clip(
        _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)
    ) -> ((x: Double, y: Double), (x: Double, y: Double))? {
        var (t0, t1) = (0.0, 1.0)
        let (dx, dy) = (b.x - a.x, b.y - a.y)
        for (p, q) in [(-dx, a.x - x), (dx, x + width - a.x), (-dy, a.y - y), (dy, y + height - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let r = q / p
            if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
            if t0 > t1 { return nil }
        }
        return ((a.x + t0 * dx, a.y + t0 * dy), (a.x + t1 * dx, a.y + t1 * dy))
    }
}

/// Margins from their contents: the title's lines, the widest y tick label, the colour bar's labels.
struct PlotLayout {
    let area: PlotArea
    let titleLines: [String]
    let yTitleX: Double

    init(_ plot: Plot) {
        titleLines = wrap(plot.title, width: Double(plot.width) - 40)
        let top = 14 + Double(titleLines.count) * 22 + 16
        let tickWidth = plot.y.ticks.map { Figure.textWidth(plot.y.tickText($0)) }.max() ?? 0
        let left = 14 + Figure.textHeight() + 14 + tickWidth + 16
        let bottom = 80.0
        var right = 30.0
        if let scale = plot.colorScale {
            let axis = Axis(low: scale.range.lowerBound, high: scale.range.upperBound, label: scale.label)
            let widest = axis.ticks.map { Figure.textWidth(axis.tickText($0)) }.max() ?? 0
            right = 24 + 22 + 12 + widest + 12 + Figure.textHeight() + 16
        }
        var (w, h) = (Double(plot.width) - left - right, Double(plot.height) - top - bottom)
        var (x0, y0) = (left, top)
        if plot.equalAspect {
            let dataAspect = (plot.y.high - plot.y.low) / (plot.x.high - plot.x.low)
            if h / w > dataAspect {
                let nh = w * dataAspect
                y0 += (h - nh) / 2
                h = nh
            } else {
                let nw = h / dataAspect
                x0 += (w - nw) / 2
                w = nw
            }
        }
        area = PlotArea(x: x0, y: y0, width: max(10, w), height: max(10, h))
        yTitleX = x0 - 16 - tickWidth - 14 - Figure.textHeight()
    }
}

/// Words of `text` in lines no wider than `width` pixels at scale 2.
func wrap(_ text: String, width: Double) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        let candidate = current.isEmpty ? String(word) : current + " " + word
        if Figure.textWidth(candidate) > width && !current.isEmpty {
            lines.append(current)
            current = String(word)
        } else {
            current = candidate
        }
    }
    if !current.isEmpty || lines.isEmpty { lines.append(current) }
    return lines
}

/// Lines (or points) over labelled axes with a legend. Non-finite points, and non-positive ones on a log axis,
/// are skipped (they break the line).
public func linePlot(
    title: String, series: [Series], xLabel: String, yLabel: String, logX: Bool = false,
    logY: Bool = false, yRange: ClosedRange<Double>? = nil, width: Int = 900, height: Int = 560
) -> Figure {
    func usable(_ v: Double, _ log: Bool) -> Bool { v.isFinite && (!log || v > 0) }
    let points = series.flatMap { s in zip(s.x, s.y).filter { usable($0.0, logX) && usable($0.1, logY) } }
    let (xs, ys) = (points.map(\.0), points.map(\.1))
    let x = Axis(low: xs.min() ?? 0, high: xs.max() ?? 1, logarithmic: logX, label: xLabel)
    var y = Axis(
        low: yRange?.lowerBound ?? ys.min() ?? 0, high: yRange?.upperBound ?? ys.max() ?? 1, logarithmic: logY,
        label: yLabel)
    // 5% of room above and below (in log space on a log axis), so no line runs along the frame.
    if yRange == nil && logY {
        let pad = pow(y.high / y.low, 0.05)
        y = Axis(low: y.low / pad, high: y.high * pad, logarithmic: true, label: yLabel)
    } else if yRange == nil {
        let pad = (y.high - y.low) * 0.05
        y = Axis(low: y.low - pad, high: y.high + pad, label: yLabel)
    }
    var plot = Plot(title: title, x: x, y: y)
    plot.series = series
    plot.width = width
    plot.height = height
    return plot.figure()
}

/// A heat map: `values[row][column]`, column along x (cell centres `xValues`) and row along y (`yValues`, row 0
/// at the bottom), on continuous axes with round ticks and a labelled colour bar. Centres are evenly spaced, or
/// evenly spaced in log with `logY` (the cell edges are then geometric midpoints).
public func heatMap(
    title: String, values: [[Double]], xValues: [Double], yValues: [Double], xLabel: String,
    yLabel: String, colorLabel: String, range: ClosedRange<Double>? = nil, logY: Bool = false,
    width: Int = 900, height: Int = 600, color: @escaping (Double) -> RGB = viridis
) -> Figure {
    let finite = values.flatMap { $0 }.filter(\.isFinite)
    let lo = range?.lowerBound ?? finite.min() ?? 0
    let hi = max(range?.upperBound ?? finite.max() ?? 1, lo + 1e-12)
    let (xEdges, yEdges) = (cellEdges(xValues, log: false), cellEdges(yValues, log: logY))
    var plot = Plot(
        title: title, x: Axis(low: xEdges.0, high: xEdges.1, label: xLabel),
        y: Axis(low: yEdges.0, high: yEdges.1, logarithmic: logY, label: yLabel))
    let scale = ColorScale(range: lo...hi, label: colorLabel, color: color)
    plot.colorScale = scale
    plot.width = width
    plot.height = height
    let rows = values.count
    let columns = values.first?.count ?? 0
    plot.image = { _, _ in
        var raster = Raster(width: max(1, columns), height: max(1, rows))
        for r in 0..<rows {
            for c in 0..<min(columns, values[r].count) { raster[c, rows - 1 - r] = scale.color(of: values[r][c]) }
        }
        return raster
    }
    return plot.figure()
}

/// The outer edges of cells centred at `centres` (evenly spaced, or geometrically with `log`).
func cellEdges(_ centres: [Double], log: Bool) -> (Double, Double) {
    guard let first = centres.first, let last = centres.last else { return (0, 1) }
    // One cell: a quarter of its value either side (at least ½), so the ticks are round numbers around it.
    let half = max(0.5, abs(first) / 4)
    guard centres.count > 1 else { return log ? (first / 2, first * 2) : (first - half, first + half) }
    if log {
        let ratio = pow(last / first, 1 / Double(centres.count - 1)).squareRoot()
        return (first / ratio, last * ratio)
    }
    let spacing = (last - first) / Double(centres.count - 1) / 2
    return (first - spacing, last + spacing)
}

/// Convex polygons in data coordinates filled by value (rasterised at the plot area's resolution, so a map of
/// hundreds of thousands of regions stays a picture), with `segments` drawn over them, on equal-scaled axes.
public func polygonMap(
    title: String, polygons: [[(x: Double, y: Double)]], values: [Double],
    segments: [(Segment, RGB, Double)], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
    xLabel: String, yLabel: String, colorScale: ColorScale? = nil, colorLabel: String = "",
    series: [Series] = [], size: Int = 760
) -> Figure {
    let finite = values.filter(\.isFinite)
    let scale =
        colorScale
        ?? ColorScale(
            range: (finite.min() ?? 0)...max(finite.max() ?? 1, (finite.min() ?? 0) + 1e-12),
            label: colorLabel)
    var plot = Plot(
        title: title, x: Axis(low: xRange.lowerBound, high: xRange.upperBound, label: xLabel),
        y: Axis(low: yRange.lowerBound, high: yRange.upperBound, label: yLabel))
    plot.equalAspect = true
    plot.width = size + 300
    plot.height = size + 140
    plot.colorScale = scale
    plot.segments = segments
    plot.series = series
    plot.image = { w, h in
        var raster = Raster(width: w, height: h, fill: .gray)
        let (sx, sy) = (
            Double(w) / (xRange.upperBound - xRange.lowerBound), Double(h) / (yRange.upperBound - yRange.lowerBound)
        )
        for (polygon, value) in zip(polygons, values) {
            raster.fillConvexPolygon(
                polygon.map { ((($0.x - xRange.lowerBound) * sx), (yRange.upperBound - $0.y) * sy) },
                scale.color(of: value))
        }
        return raster
    }
    return plot.figure()
}

extension Raster {
    /// Fills a convex polygon given in pixel coordinates, sampled at pixel centres (each pixel of a tiling is
    /// painted by the one polygon that holds its centre).
    public mutating func fillConvexPolygon(_ points: [(x: Double, y: Double)], _ color: RGB) {
        guard points.count >= 3 else { return }
        let ys = points.map(\.y)
        let top = max(0, Int((ys.min()! - 0.5).rounded(.up)))
        let bottom = min(height - 1, Int((ys.max()! - 0.5).rounded(.down)))
        if top > bottom { return }
        for row in top...bottom {
            let y = Double(row) + 0.5
            var lo = Double.infinity
            var hi = -Double.infinity
            for i in points.indices {
                let (a, b) = (points[i], points[(i + 1) % points.count])
                if (a.y <= y && b.y > y) || (b.y <= y && a.y > y) {
                    let x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)
                    lo = min(lo, x)
                    hi = max(hi, x)
                }
            }
            guard lo <= hi else { continue }
            let first = max(0, Int((lo - 0.5).rounded(.up)))
            let last = min(width - 1, Int((hi - 0.5).rounded(.down)))
            for column in stride(from: first, through: last, by: 1) { self[column, row] = color }
        }
    }
}

/// Bars with one value each (categories along x), labelled underneath; `stacks` splits each bar into parts.
public func barChart(
    title: String, categories: [String], stacks: [(name: String, values: [Double])], yLabel: String,
    width: Int = 900, height: Int = 560
) -> Figure {
    let totals = categories.indices.map { c in stacks.reduce(0) { $0 + max(0, $1.values[c]) } }
    var plot = Plot(
        title: title, x: Axis(low: 0, high: Double(max(1, categories.count)), label: ""),
        // Room above the bars for the legend, a line per stack.
        y: Axis(low: 0, high: (totals.max() ?? 1) * (1.1 + 0.1 * Double(stacks.count)), label: yLabel))
    plot.width = width
    plot.height = height
    plot.series = stacks.enumerated().map {
        Series(name: $0.element.name, x: [], y: [], color: RGB.palette[$0.offset % 10])
    }
    plot.xTickLabels = categories.enumerated().map { (Double($0.offset) + 0.5, $0.element) }
    for c in categories.indices {
        var base = 0.0
        for (s, stack) in stacks.enumerated() {
            let value = max(0, stack.values[c])
            plot.rectangles.append((Double(c) + 0.15, base, Double(c) + 0.85, base + value, RGB.palette[s % 10]))
            base += value
        }
    }
    return plot.figure()
}
