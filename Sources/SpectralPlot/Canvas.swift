import Foundation
import SpectralCore

public struct RGB: Equatable, Sendable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }
    public static let white = RGB(255, 255, 255), black = RGB(0, 0, 0), gray = RGB(150, 150, 150)
    public static let lightGray = RGB(225, 225, 225), darkGray = RGB(60, 60, 60)
    /// A qualitative palette for line series (distinguishable, and readable in grayscale by order of darkness).
    public static let palette = [
        RGB(31, 119, 180), RGB(214, 39, 40), RGB(44, 160, 44), RGB(255, 127, 14),
        RGB(148, 103, 189), RGB(140, 86, 75), RGB(227, 119, 194), RGB(23, 190, 207),
        RGB(127, 127, 127), RGB(188, 189, 34),
    ]
    public var hex: String {
        "#"
            + [r, g, b].map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }
}

/// The PNG renderer's raster: rectangles, polylines with a square pen, nearest-neighbour images and the bitmap font.
final class Canvas {
    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    @inline(__always) func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r
        pixels[i + 1] = c.g
        pixels[i + 2] = c.b
    }

    func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Fills a rectangle, clipped to the canvas.
    func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: RGB) {
        let (x0, x1, y0, y1) = (max(0, x), min(width, x + w), max(0, y), min(height, y + h))
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(xx, yy, c) } }
    }

    /// Segments between consecutive points, with dashes measured along the whole line.
    func polyline(_ points: [(x: Double, y: Double)], _ c: RGB, thickness: Int, dash: Double) {
        var travelled = 0.0
        for (a, b) in zip(points, points.dropFirst()) {
            let length = hypot(b.x - a.x, b.y - a.y)
            let steps = max(1, Int(length.rounded(.up)))
            guard steps < 200_000 else { continue }
            for s in 0...steps {
                let t = Double(s) / Double(steps)
                if dash > 0 && Int((travelled + t * length) / dash) % 2 == 1 { continue }
                let x = Int((a.x + t * (b.x - a.x)).rounded())
                let y = Int((a.y + t * (b.y - a.y)).rounded())
                fill(x: x - thickness / 2, y: y - thickness / 2, width: thickness, height: thickness, c)
            }
            travelled += length
        }
    }

    func draw(_ raster: Raster, x: Double, y: Double, width w: Double, height h: Double) {
        let (x0, y0) = (Int(x.rounded()), Int(y.rounded()))
        let (x1, y1) = (Int((x + w).rounded()), Int((y + h).rounded()))
        guard x1 > x0, y1 > y0, raster.width > 0, raster.height > 0 else { return }
        for py in max(0, y0)..<min(height, y1) {
            let sy = min(raster.height - 1, (py - y0) * raster.height / (y1 - y0))
            for px in max(0, x0)..<min(width, x1) {
                let sx = min(raster.width - 1, (px - x0) * raster.width / (x1 - x0))
                set(px, py, raster[sx, sy])
            }
        }
    }

    func text(_ s: String, x: Double, y: Double, anchor: Figure.TextAnchor, vertical: Bool, scale: Int, _ c: RGB) {
        let length = Int(Figure.textWidth(s, scale: scale))
        let offset = anchor == .start ? 0 : (anchor == .middle ? length / 2 : length)
        let (ox, oy) = (Int(x.rounded()), Int(y.rounded()))
        for (index, ch) in s.enumerated() {
            for (row, bits) in BitmapFont.rows(ch).enumerated() {
                for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> col) != 0 {
                    let along = index * BitmapFont.advance * scale + col * scale - offset
                    let across = row * scale
                    if vertical {
                        fill(x: ox + across, y: oy - along - scale, width: scale, height: scale, c)
                    } else {
                        fill(x: ox + along, y: oy + across, width: scale, height: scale, c)
                    }
                }
            }
        }
    }

    func pngData() -> Data { PNGEncoder.encode(width: width, height: height, rgb: pixels) }
}

/// Perceptually ordered colour scale (viridis, from its published control points), t in [0, 1].
public func viridis(_ t: Double) -> RGB {
    let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
    ]
    let x = min(1, max(0, t.isFinite ? t : 0)) * Double(stops.count - 1)
    let i = min(stops.count - 2, Int(x))
    let f = x - Double(i)
    func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
    return RGB(mix(stops[i].0, stops[i + 1].0), mix(stops[i].1, stops[i + 1].1), mix(stops[i].2, stops[i + 1].2))
}

/// A diverging scale for signed values (blue below 0, white at 0, red above), t in [−1, 1]: class regions.
public func diverging(_ t: Double) -> RGB {
    let u = min(1, max(-1, t.isFinite ? t : 0))
    let (low, high) = ((59.0, 76.0, 192.0), (180.0, 4.0, 38.0))
    let end = u < 0 ? low : high
    let f = abs(u)
    func mix(_ a: Double) -> UInt8 { UInt8((247 + (a - 247) * f).rounded()) }
    return RGB(mix(end.0), mix(end.1), mix(end.2))
}
