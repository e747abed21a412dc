import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge compare A B`: array-by-array parity of two files.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two .npy/.npz/.safetensors/.h5 files array by array; exit 1 on any difference beyond tolerance.",
        discussion: """
            Two files of one array each (an .npy, or an .npz of one member) compare their arrays whatever \
            the names. Otherwise arrays are matched by name (.npz members; Keras weights as layer/weight, e.g. \
            conv2d/kernel), and --map a=b pairs a member a of the first file with b of the second. Shapes must \
            be equal, values within |a-b| <= atol + rtol*|b| (NaN equals NaN), and for two NumPy or .safetensors files \
            the dtypes must agree too. Prints the largest absolute and relative difference per array and the \
            element where the difference is largest.

            Examples:
              weightbridge compare swift_probs.npy keras_probs.npy --atol 1e-5
              weightbridge compare swift.npz keras.npz --map probs=output_0 --atol 1e-5
              weightbridge compare ../shared/seed/cnn_model.h5 cnn_weights.npz
              weightbridge compare model.safetensors weights.npz
            """)

    @Argument(help: ArgumentHelp("First file (.npy, .npz, .safetensors, .h5).", valueName: "a")) var a: String
    @Argument(help: ArgumentHelp("Second file, the reference for rtol.", valueName: "b")) var b: String
    @Option(help: "Relative tolerance.") var rtol: Double = 1e-7
    @Option(help: "Absolute tolerance.") var atol: Double = 0
    @Option(
        name: .customLong("map"),
        help: ArgumentHelp("Pair member a of the first file with member b of the second (repeatable).", valueName: "a=b"))
    var maps: [String] = []
    @OptionGroup var limitOptions: LimitOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard rtol >= 0, atol >= 0 else { throw ValidationError("--rtol and --atol must be >= 0") }
        _ = try memberMap()
    }

    /// `--map a=b` options as a dictionary from first-file names to second-file names.
    func memberMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for m in maps {
            let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--map '\(m)' is not of the form a=b")
            }
            guard map[parts[0]] == nil else { throw ValidationError("--map names '\(parts[0])' twice") }
            map[parts[0]] = parts[1]
        }
        return map
    }

    func run() throws {
        let ua = try requireFile(a, flag: "the first argument")
        let ub = try requireFile(b, flag: "the second argument")
        let result = try ArrayComparison.compareFiles(
            ua, ub, rtol: rtol, atol: atol, memberMap: try memberMap(), limits: limitOptions.limits,
            isolation: ReadH5Child.reader)
        if output.json {
            try printJSON(result)
        } else {
            var table = TextTable(["array", "shape", "max |a-b|", "max rel", "result"])
            for e in result.entries {
                let shape = (e.shapeA ?? e.shapeB).map(ArrayComparison.describe(shape:)) ?? "-"
                let abs = e.maxAbsoluteDifference.map { String(format: "%.3g", $0) } ?? "-"
                let rel = e.maxRelativeDifference.map { String(format: "%.3g", $0) } ?? "-"
                table.append([e.displayName, shape, abs, rel, e.pass ? "ok" : "DIFFERS: \(e.problem ?? "")"])
            }
            for line in table.lines() { print(line) }
            for e in result.entries where !e.pass {
                if let index = e.worstIndex, let va = e.worstA, let vb = e.worstB {
                    print("\(e.displayName): largest difference at [\(index.map(String.init).joined(separator: ", "))]: \(va) vs \(vb)")
                }
            }
            print(
                "compare: \(result.entries.filter(\.pass).count) of \(result.entries.count) arrays equal within rtol=\(rtol) atol=\(atol)")
        }
        if !result.pass { throw ExitCode(1) }
    }
}
