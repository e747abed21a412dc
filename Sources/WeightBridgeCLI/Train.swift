import ArgumentParser
import Foundation
import WeightBridge

/// Set on SIGINT (through a dispatch signal source, so no work happens in a signal handler);
/// training stops after the current batch and writes nothing.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var source: DispatchSourceSignal?

    /// Starts listening for SIGINT. SIGINT is blocked in this thread first, so every thread started later (dispatch
    /// workers, oneDNN's OpenMP team) inherits the block and the signal reaches the process only through the
    /// dispatch source (a `signalfd`): no thread is interrupted in the middle of a kernel. Delivered to a compute
    /// thread instead, it crashed training about one time in five (heap corruption in a convolution's backward pass,
    /// seen with oneDNN's AVX-512 kernels), so call this before any other thread starts.
    func install() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { [weak self] in self?.raise() }
        s.resume()
        source = s
    }

    func raise() {
        lock.lock()
        raised = true
        lock.unlock()
    }

    var isRaised: Bool {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }
}

/// `weightbridge train mlp|cnn`: the seed recipes, trained in Swift.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the seed MLP or CNN recipe in Swift and save it as .npz or .h5.",
        discussion: """
            mlp: 784-128-64-10 ReLU/softmax, float64, He-normal init, SGD lr 0.01, batch 64, 20 epochs, on the \
            seed split (56000 training rows; accuracy reported on them and on the 14000 held-out rows).
            cnn: Conv2D(32,3x3,relu)-MaxPool(2)-Conv2D(64,3x3,relu)-MaxPool(2)-Flatten-Dense(128,relu)-Dense(10,softmax), \
            float32, Glorot-uniform init, Adam lr 0.001, batch 128, 12 epochs, validation = last 10% of the \
            training set (as Keras' validation_split), tested on the 10000 test images.
            Progress: a bar per epoch on a terminal, one line per epoch otherwise. Ctrl-C stops after the \
            current batch and writes nothing. The output appears only when complete (atomic write).

            Examples:
              weightbridge train mlp --output mlp_swift.npz --plots plots/
              weightbridge train cnn --output cnn_swift.h5
              weightbridge train cnn --init-from ../shared/seed/cnn_model.h5 --epochs 1 \\
                  --output cnn_finetuned.h5
              weightbridge train cnn --limit 2000 --epochs 1 --output quick.h5
            """)

    @Argument(help: "The recipe: mlp or cnn.") var recipe: SeedRecipe
    @Option(help: "Epochs (default: the recipe's, 20 for mlp, 12 for cnn).") var epochs: Int?
    @Option(help: "Batch size (default: 64 for mlp, 128 for cnn).") var batchSize: Int?
    @Option(help: "Learning rate (default: 0.01 SGD for mlp, 0.001 Adam for cnn).") var lr: Double?
    @Option(help: "Random seed: the same seed gives bit-identical weights on the same machine.") var seed: UInt64 = 42
    @Option(help: "Train on the first N training rows only (quick runs).") var limit: Int?
    @Option(help: ArgumentHelp("Where to save the trained model: .npz or .h5, by extension.", valueName: "file")) var output: String?
    @Option(help: ArgumentHelp("Start from this model's weights (.h5 or .npz of the same architecture).", valueName: "file")) var initFrom:
        String?
    @Option(help: ArgumentHelp("Write SVG loss/accuracy curves and the test confusion matrix into this directory.", valueName: "dir"))
    var plots: String?
    @Option(help: "Keras layout of an output .h5: 3 or 2.") var keras = 3
    @Flag(help: "Replace the output file if it exists.") var force = false
    @OptionGroup var mnist: MNISTOptions
    @OptionGroup var json: JSONOption

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard keras == 2 || keras == 3 else { throw ValidationError("--keras must be 2 or 3") }
        if let output, ![.npz, .hdf5, .kerasArchive].contains(FileKind.byExtension(URL(fileURLWithPath: output))) {
            throw ValidationError("--output must end in .npz, .h5 or .keras")
        }
    }

    struct Summary: Encodable {
        var recipe: String
        var epochs: [EpochJSON]
        var trainAccuracy: Double
        var testAccuracy: Double
        var testRows: Int
        var output: String?
    }
    struct EpochJSON: Encodable {
        var epoch: Int
        var loss: Double
        var accuracy: Double
        var validationLoss: Double?
        var validationAccuracy: Double?
        var seconds: Double
    }

    func run() throws {
        if let output, !force, FileManager.default.fileExists(atPath: output) {
            throw SafeIOError.exists(file: output)
        }
        interrupt.install()
        if output == nil { printError("train: no --output given: the trained model will not be saved") }
        let dataset = try mnist.load()
        let settings = SeedRecipe.Settings(epochs: epochs, batchSize: batchSize, learningRate: lr, seed: seed, limit: limit)
        let result: SeedRecipe.Run
        do {
            switch recipe {
            case .mlp:
                let initial = try initialModel { if case .float64(let m) = $0 { m } else { nil } }
                result = try SeedRecipe.trainMLP(on: dataset, settings: settings, from: initial, progress: progress())
            case .cnn:
                let initial = try initialModel { if case .float32(let m) = $0 { m } else { nil } }
                result = try SeedRecipe.trainCNN(on: dataset, settings: settings, from: initial, progress: progress())
            }
        } catch is CancellationError {
            printError("train: interrupted; nothing written")
            throw ExitCode(130)
        }
        if let plots {
            for file in try writePlots(result, to: plots) { printError("train: wrote \(file)") }
        }
        if let output {
            try ModelFile.save(result.model, to: URL(fileURLWithPath: output), flavor: keras == 2 ? .keras2 : .keras3, overwrite: force)
        }
        if json.json {
            try printJSON(
                Summary(
                    recipe: recipe.rawValue,
                    epochs: result.reports.map {
                        EpochJSON(
                            epoch: $0.epoch, loss: $0.loss, accuracy: $0.accuracy, validationLoss: $0.validationLoss,
                            validationAccuracy: $0.validationAccuracy, seconds: $0.seconds)
                    }, trainAccuracy: result.trainAccuracy, testAccuracy: result.test.accuracy, testRows: result.test.labels.count,
                    output: output))
        } else {
            print(
                String(
                    format: "training accuracy %.4f (%.2f%%) on %d rows", result.trainAccuracy, result.trainAccuracy * 100, result.trainRows
                ))
            if let last = result.reports.last, let vl = last.validationLoss, let va = last.validationAccuracy {
                print(String(format: "final validation loss %.4f, validation accuracy %.4f (%.2f%%)", vl, va, va * 100))
            }
            print(
                String(
                    format: "test accuracy %.4f (%.2f%%) on %d rows", result.test.accuracy, result.test.accuracy * 100,
                    result.test.labels.count))
            if let output { print("saved \(output)") }
        }
    }

    private var interrupt: InterruptFlag { Self.interruptFlag }
    private static let interruptFlag = InterruptFlag()

    /// A progress bar per epoch, and Ctrl-C as the signal to stop.
    private func progress() -> SeedRecipe.Progress {
        let epochs = epochs ?? recipe.defaultEpochs
        var bar = ProgressBar(label: "Epoch 1/\(epochs)")
        return SeedRecipe.Progress(
            onBatch: { p in
                bar.update(
                    text: String(format: "%d/%d loss %.4f acc %.4f", p.batch, p.batches, p.loss, p.accuracy),
                    fraction: Double(p.batch) / Double(max(p.batches, 1)))
            },
            onEpoch: { r in
                var text = String(format: "loss %.4f acc %.4f", r.loss, r.accuracy)
                if let vl = r.validationLoss, let va = r.validationAccuracy {
                    text += String(format: " val_loss %.4f val_acc %.4f", vl, va)
                }
                bar.finish(text: text)
                bar = ProgressBar(label: "Epoch \(r.epoch + 1)/\(epochs)")
            },
            shouldStop: { [interrupt] in interrupt.isRaised })
    }

    /// The model `--init-from` names, which must have the recipe's precision (`extract` gives nil otherwise).
    private func initialModel<Scalar>(_ extract: (LoadedModel) -> Sequential<Scalar>?) throws -> Sequential<Scalar>? {
        guard let initFrom else { return nil }
        let loaded = try ModelFile.load(
            try requireFile(initFrom, flag: "--init-from"), options: ModelFile.ImportOptions(isolation: ReadH5Child.reader))
        guard let model = extract(loaded.model) else {
            throw CLIError.badOption("--init-from: \(initFrom) is not a \(recipe.modelDescription)")
        }
        return model
    }

    /// Writes the curves and the confusion matrix into `directory`; returns the paths written.
    private func writePlots(_ run: SeedRecipe.Run, to directory: String) throws -> [String] {
        let dir = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var loss = [LineChartSVG.Series(name: "training", values: run.reports.map(\.loss))]
        var acc = [LineChartSVG.Series(name: "training", values: run.reports.map(\.accuracy))]
        let vl = run.reports.compactMap(\.validationLoss)
        let va = run.reports.compactMap(\.validationAccuracy)
        if vl.count == run.reports.count && !vl.isEmpty {
            loss.append(LineChartSVG.Series(name: "validation", values: vl))
            acc.append(LineChartSVG.Series(name: "validation", values: va))
        }
        let name = recipe.rawValue
        // The run's settings in every title, so a plot read later says what produced it.
        let settings = runSettings(run)
        let files = ["loss", "accuracy", "confusion_matrix"].map { dir.appendingPathComponent("\(name)_\($0).svg").path }
        try writeText(
            LineChartSVG.render(title: "\(name.uppercased()) loss (\(settings))", xLabel: "epoch", yLabel: "loss", series: loss),
            to: files[0])
        try writeText(
            LineChartSVG.render(title: "\(name.uppercased()) accuracy (\(settings))", xLabel: "epoch", yLabel: "accuracy", series: acc),
            to: files[1])
        try writeText(
            ConfusionMatrixSVG.render(run.test.confusion, title: "\(name.uppercased()) confusion matrix, test (\(settings))"), to: files[2])
        return files
    }

    /// "lr 0.001, batch 128, 12 epochs, seed 42, 54000 rows": the settings this run used.
    private func runSettings(_ run: SeedRecipe.Run) -> String {
        var parts = [
            "lr \(NumberText.short(lr ?? recipe.defaultLearningRate))", "batch \(batchSize ?? recipe.defaultBatchSize)",
            "\(run.reports.count) epochs",
            "seed \(seed)",
            "\(run.trainRows) rows",
        ]
        if let initFrom { parts.append("from \(URL(fileURLWithPath: initFrom).lastPathComponent)") }
        return parts.joined(separator: ", ")
    }
}

extension SeedRecipe: ExpressibleByArgument {}
