import ArgumentParser
import Foundation
import WeightBridge

extension EvaluationSplit: ExpressibleByArgument {}

/// `weightbridge evaluate MODEL`: accuracy, classification report and confusion matrix on MNIST or any test set.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model on MNIST or your own test set: accuracy, sklearn-style classification report, confusion matrix.",
        discussion: """
            Your own test set: --data TEST.npz (members x and y, renamed with --x-name/--y-name) or --x X.npy \
            --y Y.npy; labels are class indices or one-hot rows; --scale and --reshape prepare the features \
            as your Python code did. Without them, MNIST: test and train are keras.datasets.mnist's; \
            seed-mlp-test and seed-mlp-train are the 14000/56000 rows of sklearn train_test_split(test_size=0.2, \
            random_state=42) over the 70000 rows in OpenML order (the seed MLP's protocol). Pixels are uint8/255 \
            in float32.

            Examples:
              weightbridge evaluate model.h5 --data test.npz --scale 1/255 \\
                  --reshape 28,28,1
              weightbridge evaluate ../shared/seed/cnn_model.h5 \\
                  --confusion-svg cnn_confusion.svg
              weightbridge evaluate ../shared/seed/mlp_weights.npz \\
                  --split seed-mlp-test --json
            """)

    @Argument(help: ArgumentHelp("The model: a Keras .h5 or an MLP .npz.", valueName: "model")) var model: String
    @Option(help: "Which rows: test, train, seed-mlp-test, seed-mlp-train.") var split: EvaluationSplit = .test
    @Option(help: ArgumentHelp("Write the confusion matrix as an SVG heatmap here.", valueName: "file")) var confusionSvg: String?
    @OptionGroup var dataset: DatasetOptions
    @OptionGroup var mnist: MNISTOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions
    @OptionGroup var output: JSONOption

    struct JSONResult: Encodable {
        var model: String
        var split: String
        var rows: Int
        var accuracy: Double
        var report: ClassificationReport
        var confusionMatrix: [[Int]]
        var seconds: Double
    }

    func run() throws {
        let imported = try modelOptions.load(model, limits: limitOptions.limits)
        let e: ModelEvaluation
        let described: String
        let splitName: String
        if let source = try dataset.source() {
            let preprocessing = try dataset.preprocessing()
            let rows = try source.load(preprocessing: preprocessing, limits: limitOptions.limits, mnist: mnist.load)
            e = try ModelEvaluation(model: imported.model, dataset: rows, strictShape: preprocessing.reshape != nil)
            described = "\(rows.description) (\(rows.count) rows)"
            splitName = rows.description
        } else {
            let rows = split.rows(of: try mnist.load())
            e = try ModelEvaluation(model: imported.model, rows: rows)
            described = "the " + split.describe(rows.count)
            splitName = split.rawValue
        }
        if let confusionSvg {
            try writeText(
                ConfusionMatrixSVG.render(
                    e.confusion, title: "Confusion matrix: \(URL(fileURLWithPath: model).lastPathComponent), \(described)"),
                to: confusionSvg)
        }
        if output.json {
            try printJSON(
                JSONResult(
                    model: model, split: splitName, rows: e.labels.count, accuracy: e.accuracy, report: e.report,
                    confusionMatrix: e.confusion.counts, seconds: e.seconds))
            return
        }
        print("\(model) on \(described), \(imported.model.precisionName)")
        print(String(format: "accuracy: %.4f (%.2f%%), forward pass %.2fs", e.accuracy, e.accuracy * 100, e.seconds))
        print("")
        print(e.report.text(digits: 2))
        print("confusion matrix (rows: true label, columns: predicted):")
        for (i, row) in e.confusion.counts.enumerated() {
            print("  \(i) " + row.map { pad(String($0), 6, right: true) }.joined())
        }
        if let confusionSvg { print("wrote \(confusionSvg)") }
    }
}
