import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralExact
import SpectralPlot

/// `spectral regions2d`: the linear regions of a 2-D network on a box, as files.
public struct Regions2DReport {
    public let regions: LinearRegions2D
    public let seconds: Double
    public let box: (x: ClosedRange<Double>, y: ClosedRange<Double>)

    public init(net: MLP, box: (x: ClosedRange<Double>, y: ClosedRange<Double>), pool: ThreadPool) throws {
        guard box.x.upperBound > box.x.lowerBound, box.y.upperBound > box.y.lowerBound else {
            throw SpectralError.usage("the box is empty")
        }
        let network = try ExactNetwork(net, inputs: 2)
        let start = monotonicSeconds()
        regions = try enumerateRegions(network, domain: boxPolygon(x0: box.x.lowerBound, x1: box.x.upperBound,
                                                                   y0: box.y.lowerBound, y1: box.y.upperBound), pool: pool)
        seconds = monotonicSeconds() - start
        self.box = box
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
