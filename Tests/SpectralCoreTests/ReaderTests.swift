import Foundation
import SpectralCore
import XCTest

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The inflater against streams made by zlib itself (Fixtures/make_inflate_fixtures.py): stored, fixed and dynamic
/// blocks, and a two-member gzip file, each decompressed to the bytes zlib was given (length and SHA-256).
final class InflateTests: XCTestCase {
    struct Expected: Decodable {
        let length: Int
        let sha256: String
    }

    func testStreamsMadeByZlibDecompress() throws {
        let expected = try JSONDecoder().decode(
            [String: Expected].self,
            from: Data(contentsOf: fixtures.appendingPathComponent("inflate/expected.json")))
        XCTAssertEqual(expected.count, 8)
        for (file, e) in expected {
            let bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("inflate/\(file)")))
            let out =
                file.hasSuffix(".gz")
                ? try Inflate.gunzip(bytes, limit: 1 << 24) : try Inflate.inflate(bytes, limit: 1 << 24)
            XCTAssertEqual(out.count, e.length, file)
            XCTAssertEqual(SHA256.hex(out), e.sha256, file)
        }
    }

    /// Every truncation of a small gzip file, bit flips, and a stream past its limit are errors, never a crash.
    func testDamagedStreamsAreErrors() throws {
        let good = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("inflate/two_members.gz")))
        XCTAssertThrowsError(try Inflate.gunzip(good, limit: 1000)) {
            XCTAssertTrue("\($0)".contains("more than 1000 bytes"))
        }
        for cut in stride(from: 0, to: good.count, by: 97) {
            XCTAssertThrowsError(try Inflate.gunzip(Array(good[..<cut]), limit: 1 << 24), "cut at \(cut)")
        }
        var rng = SplitMix64(seed: 5)
        var caught = 0
        for _ in 0..<300 {
            var damaged = good
            let i = rng.nextIndex(below: damaged.count)
            damaged[i] ^= UInt8(1 << rng.nextIndex(below: 8))
            // A flipped bit may still decode to other bytes; the CRC then refuses them. Either way: an error.
            if (try? Inflate.gunzip(damaged, limit: 1 << 24)) == nil { caught += 1 }
        }
        XCTAssertEqual(caught, 300, "every damaged file is refused (the gzip CRC catches what decoding does not)")
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926, "the CRC-32 check value")
    }
}

/// The IDX reader against the published MNIST test set (read by Python's gzip and struct in
/// Fixtures/make_inflate_fixtures.py): counts, labels, digit counts, pixels, and the sum of all pixel bytes.
final class IDXTests: XCTestCase {
    let mnist = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "shared/data/mnist")

    struct Reference: Decodable {
        let images: Int, rows: Int, columns: Int, labels: Int, first_labels: [Int], digit_counts: [Int], pixel_sum: Int
        let pixels: [[Int]], threes_and_eights: Int
    }

    func testMNISTTestSetMatchesTheReference() throws {
        let imagesURL = mnist.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        guard FileManager.default.fileExists(atPath: imagesURL.path) else {
            throw XCTSkip("the MNIST test files are not at \(mnist.path); this test needs them")
        }
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("mnist/t10k_reference.json")))
        let images = try IDXFile.read(imagesURL, dimensions: 3)
        let labels = try IDXFile.read(mnist.appendingPathComponent("t10k-labels-idx1-ubyte.gz"), dimensions: 1)
        XCTAssertEqual(images.dimensions, [reference.images, reference.rows, reference.columns])
        XCTAssertEqual(labels.dimensions, [reference.labels])
        XCTAssertEqual(Array(labels.bytes.prefix(20)).map(Int.init), reference.first_labels)
        XCTAssertEqual((0..<10).map { d in labels.bytes.filter { $0 == d }.count }, reference.digit_counts)
        XCTAssertEqual(images.bytes.reduce(0) { $0 + Int($1) }, reference.pixel_sum)
        for p in reference.pixels { XCTAssertEqual(Int(images.bytes[p[0] * 784 + p[1] * 28 + p[2]]), p[3], "\(p)") }
        XCTAssertEqual(labels.bytes.filter { $0 == 3 || $0 == 8 }.count, reference.threes_and_eights)
    }

    struct SubsetReference: Decodable {
        let images: Int, rows: Int, columns: Int, labels: [Int], digit_counts: [Int], pixel_sum: Int
        let first_image: [Int]
    }

    /// The MNIST subset kept in the repository (gzipped IDX, Fixtures/make_mnist_subset.py) against what Python's
    /// gzip and struct found in it: every label in order, the digit counts, the sum of all pixel bytes, the first
    /// image byte for byte. Runs on every machine.
    func testTheCommittedMNISTSubsetMatchesItsReference() throws {
        let folder = fixtures.appendingPathComponent("mnist/subset")
        let reference = try JSONDecoder().decode(
            SubsetReference.self, from: Data(contentsOf: fixtures.appendingPathComponent("mnist/subset_reference.json"))
        )
        let images = try IDXFile.read(folder.appendingPathComponent("t10k-images-idx3-ubyte.gz"), dimensions: 3)
        let labels = try IDXFile.read(folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz"), dimensions: 1)
        XCTAssertEqual(images.dimensions, [reference.images, reference.rows, reference.columns])
        XCTAssertEqual(labels.bytes.map(Int.init), reference.labels)
        XCTAssertEqual((0..<10).map { d in labels.bytes.filter { $0 == d }.count }, reference.digit_counts)
        XCTAssertEqual(images.bytes.reduce(0) { $0 + Int($1) }, reference.pixel_sum)
        XCTAssertEqual(images.bytes.prefix(784).map(Int.init), reference.first_image)
    }

    func testMalformedIDXFilesAreRefused() {
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]
        XCTAssertNoThrow(try IDXFile.parse(labels, name: "ok", dimensions: 1))
        let cases: [([UInt8], String)] = [
            (Array(labels.dropLast()), "data bytes"), (labels + [9], "data bytes"),
            ([1] + labels.dropFirst(), "not an IDX"),
            ([0, 0, 9] + labels.dropFirst(3), "element type"), (labels, "expected 3"),
            ([0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF], "claims dimensions"),
            ([0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "ends inside"),
            ([0, 0, 8, 3] + Array(repeating: 0xFF, count: 12), "claims dimensions"), ([0, 0], "not an IDX"),
            ([0x1F, 0x8B, 8], "gzip"),
        ]
        for (index, (bytes, mention)) in cases.enumerated() {
            let dimensions = index == 4 || index >= 6 && index <= 7 ? 3 : 1
            XCTAssertThrowsError(try IDXFile.parse(bytes, name: "f", dimensions: dimensions), "case \(index)") {
                error in
                XCTAssertEqual((error as? SpectralError)?.exitCode, 65)
                XCTAssertTrue("\(error)".contains(mention), "case \(index): \(error)")
            }
        }
    }
}
