import ArgumentParser
import WeightBridge

/// The `weightbridge` command: moves neural-network weights between NumPy, Keras and Swift.
@main
struct WeightBridgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightbridge",
        abstract: "Move neural-network weights between NumPy .npz, Keras .h5 and Swift models.",
        subcommands: [])
}
