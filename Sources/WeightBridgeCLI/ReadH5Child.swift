import ArgumentParser
import Foundation
import KerasFormat

/// `weightbridge _read-h5 ...`: the hidden child side of the isolated `.h5` reader. Every `.h5` the other commands
/// read is parsed by libhdf5 in a child process running this command (`ReadH5Child.reader`, passed to every read),
/// so a libhdf5 crash or hang on a hostile file ends the child, not the command. Not for direct use.
struct ReadH5Child: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ReadH5Child.commandName, abstract: "Internal: parse one .h5 file for the isolated reader.", shouldDisplay: false)

    static let commandName = "_read-h5"

    @Argument(parsing: .captureForPassthrough, help: "The request, as KerasChildReader builds it.")
    var request: [String] = []

    func run() throws {
        let status = KerasChildReader.serve(request, to: STDOUT_FILENO)
        if status != 0 { throw ExitCode(status) }
    }

    /// The reader every other command passes to its reads: this same executable, with `WEIGHTBRIDGE_H5_TIMEOUT`
    /// seconds (default 600) per file. Built once, on first use.
    static let reader: KerasReadIsolation = {
        // This very binary: /proc/self/exe on Linux (immune to PATH and relative argv[0]), else Foundation's idea of it.
        let executable =
            FileManager.default.fileExists(atPath: "/proc/self/exe")
            ? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            : Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let timeout = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_H5_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
        return .childProcess(KerasChildReader(executable: executable, arguments: [commandName], timeoutSeconds: timeout ?? 600))
    }()
}
