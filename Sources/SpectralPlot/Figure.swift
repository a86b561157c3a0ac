import Foundation

/// A picture as a list of drawing items in pixel coordinates (origin top left, y down), made once by a plot and
/// rendered twice: as PNG (`pngData`, a raster with the bitmap font) and as SVG (`svg`, vector lines and real text,
/// dense layers such as heat maps embedded as PNG images).
public struct Figure {
    public let width: Int
    public let height: Int
    public private(set) var items: [Item] = []

    public enum TextAnchor: Sendable { case start, middle, end }

    public enum Item {
        /// A polyline of at least two points; `dash` > 0 draws dashes of that length.
        case polyline([(x: Double, y: Double)], color: RGB, width: Double, dash: Double)
        case rectangle(x: Double, y: Double, width: Double, height: Double, fill: RGB)
        /// Text whose cell's top is at `y` (`vertical`: rotated a quarter turn to read upwards, the cell's top edge
        /// at x); `anchor` places `x` (or, vertical, `y`) at the text's start, middle or end.
        case text(String, x: Double, y: Double, anchor: TextAnchor, vertical: Bool, scale: Int, color: RGB)
        /// A raster stretched over a rectangle (nearest neighbour: each source pixel is a block).
        case image(Raster, x: Double, y: Double, width: Double, height: Double)
    }

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public mutating func add(_ item: Item) { items.append(item) }

    public mutating func line(
        _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: RGB = .black,
        width: Double = 1, dash: Double = 0
    ) {
        items.append(.polyline([(x0, y0), (x1, y1)], color: color, width: width, dash: dash))
    }

    public mutating func text(
        _ text: String, x: Double, y: Double, anchor: TextAnchor = .start, vertical: Bool = false,
        scale: Int = 2, color: RGB = .black
    ) {
        items.append(.text(text, x: x, y: y, anchor: anchor, vertical: vertical, scale: scale, color: color))
    }

    /// This figure's items moved by (dx, dy) into `other` (panels side by side).
    public func place(into other: inout Figure, dx: Double, dy: Double) {
        for item in items {
            switch item {
            case .polyline(let points, let color, let width, let dash):
                other.add(.polyline(points.map { ($0.x + dx, $0.y + dy) }, color: color, width: width, dash: dash))
            case .rectangle(let x, let y, let w, let h, let fill):
                other.add(.rectangle(x: x + dx, y: y + dy, width: w, height: h, fill: fill))
            case .text(let s, let x, let y, let anchor, let vertical, let scale, let color):
                other.add(
                    .text(s, x: x + dx, y: y + dy, anchor: anchor, vertical: vertical, scale: scale, color: color))
            case .image(let raster, let x, let y, let w, let h):
                other.add(.image(raster, x: x + dx, y: y + dy, width: w, height: h))
            }
        }
    }

    /// Figures in a row, top-aligned, on one canvas.
    public static func row(_ panels: [Figure]) -> Figure {
        var out = Figure(width: panels.reduce(0) { $0 + $1.width }, height: panels.map(\.height).max() ?? 1)
        out.add(.rectangle(x: 0, y: 0, width: Double(out.width), height: Double(out.height), fill: .white))
        var dx = 0.0
        for panel in panels {
            panel.place(into: &out, dx: dx, dy: 0)
            dx += Double(panel.width)
        }
        return out
    }

    public static func textWidth(_ text: String, scale: Int = 2) -> Double {
        Double(text.count * BitmapFont.advance * scale - scale)
    }
    public static func textHeight(scale: Int = 2) -> Double { Double(BitmapFont.glyphHeight * scale) }
}

/// An RGB raster, row-major from the top.
public struct Raster: Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: RGB = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = fill.r
            pixels[3 * i + 1] = fill.g
            pixels[3 * i + 2] = fill.b
        }
    }

    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = (y * width + x) * 3
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }

    public func pngData() -> Data { PNGEncoder.encode(width: width, height: height, rgb: pixels) }

    /// Each pixel repeated as a k × k block, k the smallest whole factor that reaches `w` × `h` (at most 2048 wide).
    func upscaled(toCover w: Double, _ h: Double) -> Raster {
        let k = max(
            1, min(Int((max(w / Double(width), h / Double(height))).rounded(.up)), 2048 / max(1, max(width, height))))
        if k == 1 { return self }
        var out = Raster(width: width * k, height: height * k)
        for y in 0..<out.height { for x in 0..<out.width { out[x, y] = self[x / k, y / k] } }
        return out
    }
}

extension Figure {
    public func pngData() -> Data {
        let canvas = Canvas(width: width, height: height)
        for item in items {
            switch item {
            case .polyline(let points, let color, let lineWidth, let dash):
                let thickness = max(1, Int(lineWidth.rounded()))
                canvas.polyline(points, color, thickness: thickness, dash: dash)
            case .rectangle(let x, let y, let w, let h, let fill):
                canvas.fill(
                    x: Int(x.rounded()), y: Int(y.rounded()), width: Int((x + w).rounded()) - Int(x.rounded()),
                    height: Int((y + h).rounded()) - Int(y.rounded()), fill)
            case .text(let s, let x, let y, let anchor, let vertical, let scale, let color):
                canvas.text(s, x: x, y: y, anchor: anchor, vertical: vertical, scale: scale, color)
            case .image(let raster, let x, let y, let w, let h):
                canvas.draw(raster, x: x, y: y, width: w, height: h)
            }
        }
        return canvas.pngData()
    }

    public func svg() -> String {
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <rect width="\(width)" height="\(height)" fill="#ffffff"/>

            """
        for item in items {
            switch item {
            case .polyline(let points, let color, let lineWidth, let dash):
                let coordinates = points.map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
                let dashes = dash > 0 ? " stroke-dasharray=\"\(svgNumber(dash))\"" : ""
                out +=
                    "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(svgNumber(lineWidth))\"\(dashes)/>\n"
            case .rectangle(let x, let y, let w, let h, let fill):
                out +=
                    "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(w))\" height=\"\(svgNumber(h))\" fill=\"\(fill.hex)\"/>\n"
            case .text(let s, let x, let y, let anchor, let vertical, let scale, let color):
                out += svgText(s, x: x, y: y, anchor: anchor, vertical: vertical, scale: scale, color: color)
            case .image(let raster, let x, let y, let w, let h):
                // Upscaled by a whole factor, so that renderers which smooth images (most do, whatever
                // image-rendering says) blur only the edges of each cell.
                let image = raster.upscaled(toCover: w, h).pngData().base64EncodedString()
                out +=
                    "<image x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(w))\" height=\"\(svgNumber(h))\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(image)\"/>\n"
            }
        }
        return out + "</svg>\n"
    }

    /// Real text, in a monospace font stretched to the bitmap text's width so the layout holds.
    private func svgText(
        _ s: String, x: Double, y: Double, anchor: TextAnchor, vertical: Bool, scale: Int,
        color: RGB
    ) -> String {
        let size = Double(10 * scale)
        let baseline = Double(BitmapFont.ascent * scale)
        let length = Figure.textWidth(s, scale: scale)
        let anchorName = anchor == .start ? "start" : anchor == .middle ? "middle" : "end"
        let escaped = s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        let common =
            "font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"\(svgNumber(size))\" textLength=\"\(svgNumber(length))\" lengthAdjust=\"spacingAndGlyphs\" text-anchor=\"\(anchorName)\" fill=\"\(color.hex)\""
        if vertical {
            let (px, py) = (x + baseline, y)
            return
                "<text x=\"\(svgNumber(px))\" y=\"\(svgNumber(py))\" transform=\"rotate(-90 \(svgNumber(px)) \(svgNumber(py)))\" \(common)>\(escaped)</text>\n"
        }
        return "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y + baseline))\" \(common)>\(escaped)</text>\n"
    }
}

/// Coordinates to two decimals: enough for pixels, and the file stays small.
func svgNumber(_ v: Double) -> String {
    let rounded = (v * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
}
