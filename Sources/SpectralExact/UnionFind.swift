/// Disjoint sets over 0 ..< n (path halving): the components of the decision and argmax regions.
struct UnionFind {
    private var parent: [Int]

    init(count: Int) { parent = Array(0..<count) }

    mutating func root(_ i: Int) -> Int {
        var i = i
        while parent[i] != i {
            parent[i] = parent[parent[i]]
            i = parent[i]
        }
        return i
    }

    /// Joins a's set to b's (b's root becomes the root of both).
    mutating func join(_ a: Int, into b: Int) {
        let (ra, rb) = (root(a), root(b))
        parent[ra] = rb
    }
}
