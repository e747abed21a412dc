import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge compare A B`: array-by-array parity of two files.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two .npy/.npz/.h5 files array by array; exit 1 on any difference beyond tolerance.",
        discussion: """
            Arrays are matched by name (Keras weights as layer/weight, e.g. conv2d/kernel). Shapes must be \
            equal, values within |a-b| <= atol + rtol*|b| (NaN equals NaN), and for two NumPy files the dtypes \
            must agree too. Prints the largest absolute and relative difference per array.

            Examples:
              weightbridge compare swift_probs.npy keras_probs.npy --atol 1e-5
              weightbridge compare ../shared/seed/cnn_model.h5 cnn_weights.npz
            """)

    @Argument(help: ArgumentHelp("First file (.npy, .npz, .h5).", valueName: "a")) var a: String
    @Argument(help: ArgumentHelp("Second file, the reference for rtol.", valueName: "b")) var b: String
    @Option(help: "Relative tolerance.") var rtol: Double = 1e-7
    @Option(help: "Absolute tolerance.") var atol: Double = 0
    @OptionGroup var limitOptions: LimitOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard rtol >= 0, atol >= 0 else { throw ValidationError("--rtol and --atol must be >= 0") }
    }

    func run() throws {
        let ua = try requireFile(a, flag: "the first argument")
        let ub = try requireFile(b, flag: "the second argument")
        let bothNumPy = [ua, ub].allSatisfy { ["npy", "npz"].contains($0.pathExtension.lowercased()) }
        let result = ArrayComparison(
            try NamedArray.readAll(ua, limits: limitOptions.limits), try NamedArray.readAll(ub, limits: limitOptions.limits), rtol: rtol,
            atol: atol, checkDTypes: bothNumPy)
        if output.json {
            try printJSON(result)
        } else {
            var table = TextTable(["array", "shape", "max |a-b|", "max rel", "result"])
            for e in result.entries {
                let shape = (e.shapeA ?? e.shapeB).map { "(" + $0.map(String.init).joined(separator: ",") + ")" } ?? "-"
                let abs = e.maxAbsoluteDifference.map { String(format: "%.3g", $0) } ?? "-"
                let rel = e.maxRelativeDifference.map { String(format: "%.3g", $0) } ?? "-"
                table.append([e.name, shape, abs, rel, e.pass ? "ok" : "DIFFERS: \(e.problem ?? "")"])
            }
            for line in table.lines() { print(line) }
            print(
                "compare: \(result.entries.filter(\.pass).count) of \(result.entries.count) arrays equal within rtol=\(rtol) atol=\(atol)")
        }
        if !result.pass { throw ExitCode(1) }
    }
}
