import SpectralCommandLine
import SpectralCore
import XCTest

/// A command with one declaration of each kind, to parse into.
private struct Sample: ParsableArguments {
    enum Mode: String, CaseIterable, ExpressibleByArgument { case fast, exact }
    @Option(help: "iterations", check: .within(1...1000)) var iterations = 10
    @Option(help: "a rate", check: .positive) var learningRate = 0.5
    @Option(help: "mode") var mode = Mode.fast
    @Option(help: "frequencies", check: .count(1...5)) var freqs: NumberList?
    @Option(help: "a file") var weights: InputFile?
    @Option(help: "bias sd") var biasSD: Double?
    @Flag(help: "quiet") var quiet = false
    @OptionGroup var group: Group
    init() {}
    func validate() throws { try exclusive($freqs, $weights) }
}

private struct Group: ParsableArguments {
    @Option(help: "required output") var out: OutputPath
    init() {}
}

final class ParserTests: XCTestCase {
    private func parse(_ words: [String]) throws -> Sample { try parseCommand(Sample.self, words + ["--out", "o"]) }

    private func usageError(_ words: [String], mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parseCommand(Sample.self, words), words.joined(separator: " "), file: file, line: line)
        { error in
            guard case SpectralError.usage(let message) = error else {
                return XCTFail("not a usage error: \(error)", file: file, line: line)
            }
            XCTAssertTrue(
                message.contains(mentions), "'\(message)' does not mention \(mentions)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        }
    }

    func testValuesDefaultsAndNames() throws {
        let defaults = try parse([])
        XCTAssertEqual(defaults.iterations, 10)
        XCTAssertNil(defaults.freqs)
        XCTAssertFalse(defaults.quiet)
        let given = try parse([
            "--iterations", "7", "--learning-rate=0.25", "--mode", "exact", "--freqs", "1:3:1", "--quiet",
            "--bias-sd", "-0.5",
        ])
        XCTAssertEqual(given.iterations, 7)
        XCTAssertEqual(given.learningRate, 0.25)
        XCTAssertEqual(given.mode, .exact)
        XCTAssertEqual(given.freqs?.values, [1, 2, 3])
        XCTAssertEqual(given.biasSD, -0.5, "a negative number is a value, not an option")
        XCTAssertTrue(given.quiet)
        XCTAssertEqual(given.group.out.path, "o")
        XCTAssertEqual(kebabCase("recordEvery"), "record-every")
        XCTAssertEqual(kebabCase("biasSD"), "bias-sd")
        XCTAssertEqual(kebabCase("maxRegionsInLayer"), "max-regions-in-layer")
    }

    func testUsageErrorsNameTheOption() {
        usageError(["--out", "o", "--iterations", "0"], mentions: "--iterations")
        usageError(["--out", "o", "--iterations", "1e19"], mentions: "--iterations")
        usageError(["--out", "o", "--iterations", "x"], mentions: "'x'")
        usageError(["--out", "o", "--learning-rate", "nan"], mentions: "--learning-rate")
        usageError(["--out", "o", "--learning-rate", "inf"], mentions: "finite")
        usageError(["--out", "o", "--learning-rate", "-0"], mentions: "positive")
        usageError(["--out", "o", "--mode", "slow"], mentions: "fast, exact")
        usageError(["--out", "o", "--iteration", "3"], mentions: "did you mean --iterations")
        usageError(["--out", "o", "--seed", "3"], mentions: "unknown option --seed")
        usageError(["--out", "o", "--quiet", "--quiet"], mentions: "given twice")
        usageError(["--out", "o", "--quiet=yes"], mentions: "takes no value")
        usageError(["--out", "--quiet"], mentions: "'--quiet' is an option")
        usageError(["--out"], mentions: "needs a value")
        usageError(["--out", ""], mentions: "non-empty")
        usageError(["--out=", "x"], mentions: "non-empty")
        usageError([], mentions: "--out is required")
        usageError(["--out", "o", "stray"], mentions: "unexpected argument 'stray'")
        usageError(["--out", "o", "-x"], mentions: "unknown option '-x'")
        usageError(["--out", "o", "--freqs", "1:2:1", "--weights", "w"], mentions: "cannot be given together")
        usageError(["--out", "o", "--freqs", "1:10:1"], mentions: "1…5 values")
        usageError(["--out", "o", "--freqs", "0:1e19:1"], mentions: "at most 10000000")
        usageError(["--out", "o", "--freqs", "0:1:1e-320"], mentions: "at most")
        usageError(["--out", "o", "--freqs", "1e16:1.0000000000000002e16:1"], mentions: "resolution")
        usageError(["--out", "o", "--freqs", "1,,2"], mentions: "empty item")
        usageError(["--out", "o", "--iterations", String(repeating: "9", count: 500)], mentions: "…")
    }

    func testNumberListsKeepTheirTextAndValues() throws {
        let grid = try NumberList(argument: "0.5:500:0.5")
        XCTAssertEqual(grid.values.count, 1000)
        XCTAssertEqual(grid.values.last, 500)
        XCTAssertEqual(
            NumberList(start: 0.5, stop: 500, step: 0.5), grid, "the constant initialiser gives the parser's values")
        let decoded = try JSONDecoder().decode(NumberList.self, from: JSONEncoder().encode(grid))
        XCTAssertEqual(decoded, grid)
        XCTAssertThrowsError(try JSONDecoder().decode(NumberList.self, from: Data("\"1:0:1\"".utf8)))
        XCTAssertEqual(try IntegerList(argument: "2:6:2").values, [2, 4, 6])
        XCTAssertThrowsError(try IntegerList(argument: "1.5"))
        XCTAssertThrowsError(try Box2D(argument: "1:1,0:1"))
        XCTAssertEqual(try PairList(argument: "0:-1,1:0").pairs.count, 2)
    }

    func testHelpAndCompletionListEveryOption() {
        struct Tool: ParsableCommand {
            static let description = CommandDescription(name: "tool", abstract: "A tool.")
            @Option(help: "iterations", check: .within(1...9)) var iterations = 3
            @Option(help: "mode") var mode = Sample.Mode.fast
            func run(_ invocation: Invocation) throws {}
        }
        let program = CommandLineProgram(name: "prog", version: "1", abstract: "A program.", commands: [Tool.self])
        let help = program.help(for: Tool.self)
        XCTAssertTrue(help.contains("--iterations N") && help.contains("1…9; default: 3"), help)
        XCTAssertTrue(program.completionScript(.bash).contains("fast exact"))
        XCTAssertTrue(program.completionScript(.zsh).contains("--mode"))
        XCTAssertThrowsError(try program.request(["tol"])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'tool'"))
        }
    }
}
