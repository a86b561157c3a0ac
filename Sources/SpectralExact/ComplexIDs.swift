/// Ids of the 3-D complex under cut (`ComplexUnderCut`): positions in its arrays, one type per kind, so that a face
/// id cannot index the cells' arrays nor a vertex stand for an edge. 32 bits keep the many arrays of ids small.
protocol ComplexID: Hashable, Comparable, Sendable {
    var raw: Int32 { get }
    init(raw: Int32)
}

extension ComplexID {
    @inline(__always) init(_ index: Int) { self.init(raw: Int32(index)) }
    @inline(__always) var index: Int { Int(raw) }
    @inline(__always) static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
}

struct VertexID: ComplexID { let raw: Int32 }
struct EdgeID: ComplexID { let raw: Int32 }
struct FaceID: ComplexID { let raw: Int32 }

/// A cell, or `outside`: what lies beyond a face on the domain's boundary.
struct CellID: ComplexID {
    let raw: Int32
    static let outside = CellID(raw: -1)
    var isOutside: Bool { raw < 0 }
}

/// An array indexed by one kind of id; ids are handed out in order by `append`.
struct IDArray<ID: ComplexID, Element> {
    var elements: [Element]

    init(_ elements: [Element] = []) { self.elements = elements }
    init(repeating value: Element, count: Int) { elements = [Element](repeating: value, count: count) }

    var count: Int { elements.count }
    /// Every id, in order.
    var ids: [ID] { (0..<elements.count).map { ID($0) } }
    /// The id the next `append` gives.
    var nextID: ID { ID(elements.count) }

    @inline(__always)
    subscript(id: ID) -> Element {
        get { elements[id.index] }
        _modify { yield &elements[id.index] }
    }

    @discardableResult
    mutating func append(_ element: Element) -> ID {
        elements.append(element)
        return ID(elements.count - 1)
    }
}
