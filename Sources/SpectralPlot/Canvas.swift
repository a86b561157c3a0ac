import Foundation
import SpectralCore

public struct RGB: Equatable, Sendable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let white = RGB(255, 255, 255), black = RGB(0, 0, 0), gray = RGB(150, 150, 150)
    public static let lightGray = RGB(225, 225, 225)
    /// A qualitative palette for line series (distinguishable, and readable in grayscale by order of darkness).
    public static let palette = [RGB(31, 119, 180), RGB(214, 39, 40), RGB(44, 160, 44), RGB(255, 127, 14),
                                 RGB(148, 103, 189), RGB(140, 86, 75), RGB(227, 119, 194), RGB(23, 190, 207),
                                 RGB(127, 127, 127), RGB(188, 189, 34)]
}

/// An RGB raster with the few drawing operations the plots need: rectangles, lines, text in the bitmap font.
public final class Canvas {
    public let width: Int
    public let height: Int
    private var pixels: [UInt8]

    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    public func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    public func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Fills a rectangle, clipped to the canvas (a shape partly or wholly outside draws only what is inside).
    public func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: RGB) {
        let (x0, x1, y0, y1) = (max(0, x), min(width, x + w), max(0, y), min(height, y + h))
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { set(xx, yy, c) }
        }
    }

    /// A straight line of the given thickness (Bresenham with a square pen); `dash` > 0 draws dashes that long.
    public func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: RGB, thickness: Int = 1, dash: Int = 0) {
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        guard steps < 100_000 else { return }
        for s in 0...steps {
            if dash > 0 && (s / dash) % 2 == 1 { continue }
            let t = Double(s) / Double(steps)
            let x = Int((x0 + t * (x1 - x0)).rounded()), y = Int((y0 + t * (y1 - y0)).rounded())
            fill(x: x - thickness / 2, y: y - thickness / 2, width: thickness, height: thickness, c)
        }
    }

    public enum Anchor { case left, center, right }

    /// Text at `scale` pixels per font pixel; `vertical` draws it rotated a quarter turn (reading upwards).
    public func text(_ s: String, x: Int, y: Int, scale: Int = 2, anchor: Anchor = .left, vertical: Bool = false,
                     _ c: RGB = .black) {
        let length = s.count * BitmapFont.advance * scale
        let offset = anchor == .left ? 0 : (anchor == .center ? length / 2 : length)
        for (index, ch) in s.enumerated() {
            for (row, bits) in BitmapFont.rows(ch).enumerated() {
                for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> col) != 0 {
                    let along = index * BitmapFont.advance * scale + col * scale - offset
                    let across = row * scale
                    if vertical {
                        fill(x: x + across, y: y - along - scale, width: scale, height: scale, c)
                    } else {
                        fill(x: x + along, y: y + across, width: scale, height: scale, c)
                    }
                }
            }
        }
    }

    public static func textWidth(_ s: String, scale: Int = 2) -> Int { s.count * BitmapFont.advance * scale }

    public func pngData() -> Data { PNGEncoder.encode(width: width, height: height, rgb: pixels) }

    public func writePNG(to url: URL) throws { try AtomicFile.write(pngData(), to: url) }
}

/// Perceptually ordered colour scale (viridis, from its published control points), t in [0, 1].
public func viridis(_ t: Double) -> RGB {
    let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
    ]
    let x = min(1, max(0, t.isFinite ? t : 0)) * Double(stops.count - 1)
    let i = min(stops.count - 2, Int(x)), f = x - Double(i)
    func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
    return RGB(mix(stops[i].0, stops[i + 1].0), mix(stops[i].1, stops[i + 1].1), mix(stops[i].2, stops[i + 1].2))
}
