import Foundation
import SpectralCore
import SpectralNetworks
import XCTest

final class SafetensorsTests: XCTestCase {
    /// Files written by the Python `safetensors` package (F32 and F64) load, with the values NumPy wrote.
    func testLoadsFilesWrittenByPython() throws {
        let net = try MLP.load(from: fixtureURL("mlp_initial.safetensors"))
        XCTAssertEqual(net.sizes, [3, 7, 5, 2])
        let wide = try MLP.load(from: fixtureURL("mlp_initial_f64.safetensors"))
        XCTAssertEqual(wide.parameters.array, net.parameters.array)
        // PyTorch-default init bounds: |w| ≤ 1/√fan_in.
        XCTAssertLessThanOrEqual(abs(net.weights(0)[0]), 1 / Float(3).squareRoot())
    }

    func testRoundTripIsBitExact() throws {
        let net = MLP.initialized(sizes: [2, 5, 3, 1], initialization: .glorot, seed: 3)
        let url = temporaryDirectory().appendingPathComponent("net.safetensors")
        try net.save(to: url, metadata: ["note": "a \"quoted\" value"])
        let back = try MLP.load(from: url)
        XCTAssertEqual(back.sizes, net.sizes)
        XCTAssertEqual(back.parameters.array.map(\.bitPattern), net.parameters.array.map(\.bitPattern))
        // Names as torch.nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) gives them.
        XCTAssertEqual(
            Set(try Safetensors.read(url).keys), ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
    }

    /// Every malformed file is refused with an error that names the tensor or the problem.
    func testMalformedFilesAreRefused() throws {
        let good = Safetensors.serialize(MLP.initialized(sizes: [1, 4, 1], initialization: .he, seed: 1).tensors())
        func expectBadInput(_ data: Data, mentioning phrase: String, file: StaticString = #filePath, line: UInt = #line)
        {
            XCTAssertThrowsError(try MLP.fromTensors(Safetensors.parse(data))) { error in
                guard case SpectralError.badInput(let message) = error else {
                    return XCTFail("expected bad input, got \(error)", file: file, line: line)
                }
                XCTAssertTrue(
                    message.contains(phrase), "'\(message)' does not mention '\(phrase)'", file: file, line: line)
            }
        }
        expectBadInput(good.prefix(5), mentioning: "too short")
        expectBadInput(good.prefix(good.count - 3), mentioning: "truncated")
        func edit(_ transform: (inout [String: Tensor]) -> Void) -> Data {
            var t = try! Safetensors.parse(good)
            transform(&t)
            return Safetensors.serialize(t)
        }
        expectBadInput(
            edit {
                $0["2.weight"]!.shape = [1, 2]
                $0["2.weight"]!.values.removeLast(2)
            }, mentioning: "'2.weight'")
        expectBadInput(
            edit {
                $0["0.bias"]!.shape = [3]
                $0["0.bias"]!.values.removeLast()
            }, mentioning: "'0.bias'")
        expectBadInput(edit { $0["2.bias"] = nil }, mentioning: "'2.bias'")
        expectBadInput(edit { $0["0.weight"]!.values[1] = .nan }, mentioning: "'0.weight'")
        expectBadInput(edit { $0["extra"] = Tensor(dtype: .f32, shape: [1], values: [0]) }, mentioning: "'extra'")
        // A dtype we do not read.
        var bytes = [UInt8](good)
        let pattern = Array("\"0.bias\":{\"dtype\":\"F".utf8)
        let at = (0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern }!
        bytes[at + pattern.count - 1] = UInt8(ascii: "I")
        expectBadInput(Data(bytes), mentioning: "'0.bias'")
        // A header that is not JSON.
        var broken = [UInt8](good)
        broken[9] = UInt8(ascii: "!")
        expectBadInput(Data(broken), mentioning: "JSON")
    }
}
