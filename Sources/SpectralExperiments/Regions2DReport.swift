import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralExact
import SpectralPlot

/// `spectral regions2d`: the linear regions of a 2-D network on a box or a convex polygon, as files.
public struct Regions2DReport {
    public let regions: LinearRegions2D
    public let seconds: Double

    /// The domain is a convex polygon (corners in either orientation); see `boxPolygon` for a box.
    public init(net: MLP, domain: [(x: Double, y: Double)], pool: ThreadPool) throws {
        let network = try ExactNetwork(net, inputs: 2)
        let start = monotonicSeconds()
        do {
            regions = try enumerateRegions(network, domain: domain, pool: pool)
        } catch let error as SpectralError {
            // A bad domain is a bad option, not bad data.
            if case .badInput(let message) = error, message.hasPrefix("the domain") { throw SpectralError.usage(message) }
            throw error
        }
        seconds = monotonicSeconds() - start
    }

    /// The domain's bounding box (the pictures' axes).
    public var box: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let d = regions.domain
        return (d.map(\.x).min()!...d.map(\.x).max()!, d.map(\.y).min()!...d.map(\.y).max()!)
    }

    public var summary: [String: Any] {
        let mesh = regions.mesh
        let areas = (0..<regions.regionCount).map { mesh.areaAndCentroid($0).area }
        let domainArea = regions.domainArea
        let interior = (0..<mesh.edgeCount).filter { mesh.edgeRight[$0] >= 0 }
        return [
            "regions": regions.regionCount, "edges": mesh.edgeCount, "vertices": mesh.vertexCount,
            "interior_edges": interior.count, "flat_edges": interior.filter { regions.isFlat(edge: $0) }.count,
            "area_error": abs(areas.reduce(0, +) - domainArea) / domainArea, "smallest_area": areas.min() ?? 0,
            "regions_per_unit_area": Double(regions.regionCount) / domainArea, "lipschitz": regions.lipschitz,
            "ambiguous_cells": regions.ambiguousCells, "seconds": seconds,
            "box": [[box.x.lowerBound, box.x.upperBound], [box.y.lowerBound, box.y.upperBound]],
            "domain": regions.domain.map { [$0.x, $0.y] }, "domain_area": domainArea,
            "precision": "Float64", "hidden_sizes": regions.hiddenSizes,
        ]
    }

    public func write(to out: URL, title: String) throws {
        let mesh = regions.mesh
        var table = CSVTable(header: ["region", "area", "centroid_x", "centroid_y", "gradient_x", "gradient_y", "offset", "vertices"])
        for f in 0..<regions.regionCount {
            let (area, cx, cy) = mesh.areaAndCentroid(f)
            table.append([.int(f), .double(area), .double(cx), .double(cy), .double(regions.gradientX[f]),
                          .double(regions.gradientY[f]), .double(regions.offset[f]), .int(mesh.faceOffsets[f + 1] - mesh.faceOffsets[f])])
        }
        try table.write(to: out.appendingPathComponent("regions.csv"))
        try writeJSON(summary, to: out.appendingPathComponent("summary.json"))
        try regionPicture(title: title).writePNG(to: out.appendingPathComponent("regions.png"))
    }

    /// Regions coloured by f at their centroid; edges drawn while there are few enough to see (≤ 20,000).
    func regionPicture(title: String) -> Canvas {
        let mesh = regions.mesh
        let polygons = (0..<regions.regionCount).map { f in mesh.corners(f).map { (x: mesh.x[Int($0)], y: mesh.y[Int($0)]) } }
        let values = (0..<regions.regionCount).map { f -> Double in
            let (_, cx, cy) = mesh.areaAndCentroid(f)
            return regions.value(face: f, cx, cy)
        }
        let segments = mesh.edgeCount > 20_000 ? [] : (0..<mesh.edgeCount).map { e -> (x0: Double, y0: Double, x1: Double, y1: Double) in
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            return (mesh.x[p], mesh.y[p], mesh.x[q], mesh.y[q])
        }
        return polygonMap(title: title, polygons: polygons, values: values, segments: segments, xRange: box.x,
                          yRange: box.y, xLabel: "x1", yLabel: "x2", colorLabel: "f at region centroid")
    }
}
