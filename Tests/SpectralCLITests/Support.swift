import Foundation
import SpectralCore
import XCTest

/// The `spectral` executable built beside this test bundle (the test target depends on it, so it is built first).
let spectralExecutable: String = {
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
    if folder.lastPathComponent.hasSuffix(".xctest") { folder = folder.deletingLastPathComponent() }
    return folder.appendingPathComponent("spectral").path
}()

/// Runs `spectral ARGS…` (with a 10-minute limit) and returns how it ended.
@discardableResult
func spectral(
    _ arguments: [String], timeout: Double = 600, file: StaticString = #filePath, line: UInt = #line
) throws -> Subprocess.Outcome {
    XCTAssertTrue(
        FileManager.default.isExecutableFile(atPath: spectralExecutable), "no spectral at \(spectralExecutable)",
        file: file, line: line)
    return try Subprocess.run(spectralExecutable, arguments, timeout: timeout)
}

/// Runs a command that must succeed.
@discardableResult
func succeed(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Subprocess.Outcome {
    let outcome = try spectral(arguments, file: file, line: line)
    XCTAssertEqual(
        outcome.exitCode, 0, "spectral \(arguments.joined(separator: " ")): \(outcome.stderr)", file: file, line: line)
    return outcome
}

func scratchFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spectral-cli-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The digests run.json lists for a result's files, by name.
func recordedFiles(_ folder: URL) throws -> [String: String] {
    let data = try Data(contentsOf: folder.appendingPathComponent("run.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let files = object?["files"] as? [[String: Any]] ?? []
    return Dictionary(
        uniqueKeysWithValues: files.compactMap { f in (f["name"] as? String).map { ($0, f["sha256"] as? String ?? "") }
        })
}

/// Every regular file under `folder` (relative path → SHA-256), run.json and the points store left out.
func fileDigests(_ folder: URL) throws -> [String: String] {
    var out: [String: String] = [:]
    let base = folder.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(atPath: base) else {
        throw SpectralError.io("no folder \(base) to take digests of")
    }
    for case let relative as String in walker {
        let path = base + "/" + relative
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            !relative.hasSuffix("run.json"), !relative.hasPrefix("points/"), !relative.contains("/points/")
        else { continue }
        out[relative] = SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    // Two empty folders compare equal: a comparison of nothing would pass whatever the command did.
    if out.isEmpty { throw SpectralError.io("no result files in \(base) to take digests of") }
    return out
}

/// A CSV of samples of a function of two inputs, for `train --data` (a 2-input net for the 2-D commands).
/// A 6 × 6 × 6 grid of [−1, 1]³ with the target sin 3x·cos 2y + z, for a 3-input net.
func writeThreeInputData(_ url: URL) throws {
    var text = "x,y,z,target\n"
    let grid = (0..<6).map { -1 + 2 * Double($0) / 5 }
    for x in grid { for y in grid { for z in grid { text += "\(x),\(y),\(z),\(sin(3 * x) * cos(2 * y) + z)\n" } } }
    try text.write(to: url, atomically: true, encoding: .utf8)
}

func writeTwoInputData(_ url: URL) throws {
    var text = "x,y,target\n"
    for i in 0..<12 {
        for j in 0..<12 {
            let (x, y) = (-1 + 2 * Double(i) / 11, -1 + 2 * Double(j) / 11)
            text += "\(x),\(y),\(sin(3 * x) * cos(2 * y))\n"
        }
    }
    try text.write(to: url, atomically: true, encoding: .utf8)
}
