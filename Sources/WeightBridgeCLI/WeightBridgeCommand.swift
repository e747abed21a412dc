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
            .h5 files are parsed by libhdf5 in a child process, so a malformed file cannot crash or hang the
            command; WEIGHTBRIDGE_H5_TIMEOUT (seconds, default 600) bounds the time per file.
            Examples:
              weightbridge verify --mlp ../shared/seed/mlp_weights.npz --cnn ../shared/seed/cnn_model.h5
              weightbridge inspect ../shared/seed/cnn_model.h5
              weightbridge convert ../shared/seed/mlp_weights.npz mlp.h5
            """,
        version: "0.1.0",
        subcommands: [Verify.self, Inspect.self, Convert.self, Compare.self, Predict.self, Evaluate.self, Train.self, ReadH5Child.self])

    static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        // libhdf5 parses every .h5 in a child process (this executable's `_read-h5`), so a crash or hang inside it on a
        // hostile file becomes a one-line error. The child itself reads in-process.
        if !(command is ReadH5Child) { KerasReadIsolation.default = ReadH5Child.isolation() }
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
            printError("weightbridge: \(message)")
            Foundation.exit(2)
        }
    }
}
