import ArgumentParser
import Foundation
import WeightBridge

/// The `weightbridge` command: moves neural-network weights between NumPy, Keras and Swift.
///
/// Exit status: 0 success; 1 a check failed (`verify` or `compare` found a difference);
/// 2 bad input or any other error, reported as one line `weightbridge: <file>: <problem>`.
@main
struct WeightBridgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightbridge",
        abstract: "Move neural-network weights between NumPy .npz, Keras .h5 and Swift models.",
        discussion: """
            Exit status: 0 success, 1 a check failed (verify, compare), 2 bad input or another error.
            Examples:
              weightbridge verify --mlp ../shared/seed/mlp_weights.npz --cnn ../shared/seed/cnn_model.h5
              weightbridge inspect ../shared/seed/cnn_model.h5
              weightbridge convert ../shared/seed/mlp_weights.npz mlp.h5
            """,
        version: "0.1.0",
        subcommands: [Verify.self, Inspect.self, Convert.self, Compare.self, Predict.self, Evaluate.self, Train.self])

    static func main() {
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
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("weightbridge: \(message.replacingOccurrences(of: "\n", with: " "))\n".utf8))
            Foundation.exit(2)
        }
    }
}
