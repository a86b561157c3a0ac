/// A fixed-size, 64-byte aligned, zero-initialised buffer of trivial values: the raw memory behind every matrix,
/// packed panel and optimiser state of the package. One owner, freed on deinit; views are handed out as pointers
/// that must not outlive the buffer.
public final class AlignedBuffer<Element>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Element>

    public static var alignment: Int { 64 }

    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        UnsafeMutableRawPointer(pointer).initializeMemory(
            as: UInt8.self, repeating: 0, count: max(1, count) * MemoryLayout<Element>.stride)
    }

    /// A buffer whose contents are whatever the allocator returned: for large buffers that the caller fills
    /// completely (in parallel), so their pages are first touched by the threads that use them.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "AlignedBuffer count must be non-negative")
        precondition(_isPOD(Element.self), "AlignedBuffer holds trivial values only")
        self.count = count
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Self.alignment)
        pointer = raw.bindMemory(to: Element.self, capacity: max(1, count))
    }

    public convenience init(_ values: [Element]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public subscript(index: Int) -> Element {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public var array: [Element] { Array(buffer) }

    public func copy() -> AlignedBuffer<Element> {
        let other = AlignedBuffer<Element>(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }
}
