import ArgumentParser
import Foundation
import WeightBridge

/// The `weightbridge` command: moves neural-network weights between NumPy, Keras and Swift.
///
/// Exit status: 0 success; 1 a check failed (`verify` or `compare` found a difference);
/// 2 bad input or any other error, reported as one line `weightbridge: <file>: <problem>`; 64 a usage error
/// (unknown command or option, missing or malformed argument).
@main
struct WeightBridgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightbridge",
        abstract: "Move neural-network weights between NumPy .npz, Keras .h5 and Swift models.",
        discussion: """
            Exit status: 0 success, 1 a check failed (verify, compare), 2 bad input or another error, \
            64 a usage error.
            .h5 files are parsed by libhdf5 in a child process, so a malformed file cannot crash or hang the \
            command; WEIGHTBRIDGE_H5_TIMEOUT (seconds, default 600) bounds the time per file.
            Examples:
              weightbridge verify model.h5 --data test.npz --expect accuracy=0.9812
              weightbridge verify --manifest checks.yml --junit verify.xml
              weightbridge inspect ../shared/seed/cnn_model.h5
              weightbridge convert ../shared/seed/mlp_weights.npz mlp.h5
            """,
        version: "0.1.0",
        subcommands: [Verify.self, Inspect.self, Convert.self, Compare.self, Predict.self, Evaluate.self, Train.self, ReadH5Child.self])

    static func main() {
        if let typo = CommandLine.arguments.dropFirst().first, let message = unknownCommandMessage(typo) {
            FileHandle.standardError.write(
                Data("weightbridge: \(message)\nUsage: weightbridge <subcommand>\n  See 'weightbridge --help' for more information.\n".utf8)
            )
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var command = command
            try command.run()
        } catch let code as ExitCode {
            exit(withError: code)
        } catch let clean as CleanExit {
            exit(withError: clean)
        } catch {
            // ArgumentParser's own errors and requests (help, version) thrown from its built-in commands.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            printError("weightbridge: \(commandLineMessage(for: error))")
            Foundation.exit(2)
        }
    }

    /// The names a user may type first: the visible subcommands and `help`.
    static var commandNames: [String] {
        configuration.subcommands.map { $0._commandName }.filter { !$0.hasPrefix("_") } + ["help"]
    }

    /// For a first argument that is no command and no option, "unknown command 'inpsect'; did you mean 'inspect'?"
    /// (the nearest command within two edits), else the list of commands. Nil for a real command or an option.
    static func unknownCommandMessage(_ argument: String) -> String? {
        let all = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !argument.hasPrefix("-"), !all.contains(argument) else { return nil }
        let nearest = commandNames.map { ($0, editDistance(argument.lowercased(), $0)) }.min { $0.1 < $1.1 }
        if let (name, distance) = nearest, distance <= 2 { return "unknown command '\(argument)'; did you mean '\(name)'?" }
        return "unknown command '\(argument)'; the commands are \(commandNames.joined(separator: ", "))"
    }

    /// Levenshtein distance, counting a swap of neighbours as one edit (`inpsect` is one from `inspect`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[x.count][y.count]
    }
}
