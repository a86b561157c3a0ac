import Foundation

/// JSON as the package writes it: snake_case keys (from Swift's camelCase names), sorted, pretty, one trailing newline, numbers in their shortest round-trip
/// form (a Double read back is the same Double). Non-finite numbers, which JSON cannot hold, become the strings
/// "nan", "inf" and "-inf".
public enum JSONFile {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf",
            nan: "nan")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf",
            nan: "nan")
        return decoder
    }

    public static func data<T: Encodable>(_ value: T) throws -> Data {
        do { return try encoder().encode(value) + Data("\n".utf8) } catch {
            throw SpectralError.runtime("cannot encode \(T.self) as JSON: \(error)")
        }
    }

    /// The compact, canonical form (sorted keys, no spaces): what identities are hashed from.
    public static func canonical<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf",
            nan: "nan")
        return try encoder.encode(value)
    }

    /// Decodes `data` (read from `name`), turning the decoder's errors into one sentence naming the field.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, name: String) throws -> T {
        do { return try decoder().decode(type, from: data) } catch let error as DecodingError {
            throw SpectralError.badInput("\(name): \(describe(error))")
        } catch {
            throw SpectralError.badInput("\(name) is not valid JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : "field '\(keys.drop(while: { $0 == "." }))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context)) has no field '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) needs a \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the file is not valid JSON" : "\(path(context)) is invalid: \(context.debugDescription)"
        @unknown default:
            return "the JSON does not match what was expected"
        }
    }
}
