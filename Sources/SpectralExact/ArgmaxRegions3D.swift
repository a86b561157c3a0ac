import Foundation
import SpectralCore

/// The class regions {argmax of the logits = c} of a multi-output network on a 3-space, exactly, from the cells of
/// its argmax tournament (`appendingArgmaxTournament`; the class is constant on each): each cell's class, the volume
/// of every class, and the connected components of every class (cells of one class joined across shared faces;
/// cells that meet only at an edge or a vertex are not joined, as the open sets do not meet).
public struct ArgmaxRegions3D: Sendable {
    public struct Component: Sendable {
        public let classIndex: Int, volume: Double, cells: Int
        /// A point inside the component: the centroid of its largest cell.
        public let inside: SIMD3<Double>
    }

    public let cellClass: [Int32]
    public let classVolume: [Double]
    public let cellComponent: [Int32]
    public let components: [Component]

    /// `logits(t)`: the logits at a point of the 3-space, evaluated at each cell's centroid.
    public init(
        _ complex: PolyhedralComplex, classes: Int, volume: [Double], centroid: [SIMD3<Double>],
        logits: ([Double]) -> [Double]
    ) {
        let cellClass = centroid.map { m in Int32(argmaxIndex(logits([m.x, m.y, m.z]))) }
        self.cellClass = cellClass
        classVolume = classMeasures(cellClass, volume, classes: classes)
        let grouped = classComponents(cellClass) { join in
            for f in 0..<complex.faceCount {
                let (a, b) = complex.cells(face: f)
                if a >= 0 && b >= 0 { join(Int(a), Int(b)) }
            }
        }
        cellComponent = grouped.component
        components = grouped.members.map { cells in
            let largest = cells.max { volume[$0] < volume[$1] }!
            return Component(
                classIndex: Int(cellClass[cells[0]]), volume: cells.reduce(0) { $0 + volume[$1] }, cells: cells.count,
                inside: centroid[largest])
        }
    }
}
