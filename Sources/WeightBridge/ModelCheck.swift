import Bridge
import Foundation
import MNIST
import NumPyFormat
import SafeIO

/// One verification of a model on a labelled dataset: the figures its project reports, each checked at the
/// precision it was written, and optionally the model's outputs against outputs recorded in Python.
///
/// The result is a `SeedVerification.ModelResult`, the same shape as the seed's, so reports, JSON and JUnit
/// treat every check alike.
public struct ModelCheck: Sendable {
    /// Outputs recorded elsewhere (Keras' `model.predict(x)` saved with `np.save`) and how close Swift's must be:
    /// every element within `atol + rtol * |reference|`.
    public struct Reference: Sendable, Equatable {
        public var file: URL
        public var atol: Double
        public var rtol: Double

        /// A reference file with its tolerances.
        public init(file: URL, atol: Double, rtol: Double) {
            self.file = file
            self.atol = atol
            self.rtol = rtol
        }
    }

    /// What the check is called in reports (a manifest entry's `name`, else the model's file name).
    public var name: String
    /// The model file (any format `ModelFile.load` reads).
    public var model: URL
    /// Options for reading the model (architecture for weights-only files, limits).
    public var importOptions: ModelFile.ImportOptions
    public var dataset: DatasetSource
    public var preprocessing: Preprocessing
    public var expectations: [FigureExpectation]
    public var reference: Reference?

    /// A check; nothing is read until `run`.
    public init(
        name: String, model: URL, importOptions: ModelFile.ImportOptions = ModelFile.ImportOptions(), dataset: DatasetSource,
        preprocessing: Preprocessing = Preprocessing(), expectations: [FigureExpectation], reference: Reference? = nil
    ) {
        self.name = name
        self.model = model
        self.importOptions = importOptions
        self.dataset = dataset
        self.preprocessing = preprocessing
        self.expectations = expectations
        self.reference = reference
    }

    /// Loads the model and the rows, evaluates, and checks every expectation and the reference. Bad input (a
    /// missing file, a dataset that does not fit the model, an unknown figure) throws; a figure that does not
    /// reproduce, or outputs beyond tolerance, give a failing check. `mnist` is called only for an MNIST split.
    public func run(mnist: () throws -> MNISTDataset) throws -> SeedVerification.ModelResult {
        let imported = try ModelFile.load(model, options: importOptions)
        let rows = try dataset.load(preprocessing: preprocessing, limits: importOptions.limits, mnist: mnist)
        let evaluation = try ModelEvaluation(model: imported.model, dataset: rows, strictShape: preprocessing.reshape != nil)
        var checks = try expectations.map { try $0.check(evaluation, model: name) }
        if let reference {
            checks.append(try Self.referenceCheck(reference, evaluation: evaluation, model: name, limits: importOptions.limits))
        }
        var description = ModelCheck.describe(imported)
        if preprocessing != Preprocessing() { description += "; inputs: \(preprocessing.summary)" }
        return SeedVerification.ModelResult(
            model: name, file: model.relativePath, description: description,
            evaluations: [(rows.description, evaluation)], checks: checks)
    }

    /// "Keras 3.15.1 (jax) 5 layers, 3,276 parameters, float32" or "NumPy MLP 13-16-3, float64".
    public static func describe(_ imported: ImportedModel) -> String {
        let model = imported.model
        switch imported.origin {
        case .keras(let version, let backend):
            let params = model.parameterCounts.reduce(0, +)
            let origin = version.map { "Keras \($0)" + (backend.map { " (\($0))" } ?? "") } ?? "Keras"
            return "\(origin) \(imported.layerClassNames.count) layers, \(params) parameters, \(model.precisionName)"
        case .numpyMLP:
            let sizes = [model.inputShape.reduce(1, *)] + model.outputShapes.map { $0.reduce(1, *) }
            var chain: [Int] = []
            for s in sizes where chain.last != s { chain.append(s) }
            return "NumPy MLP \(chain.map(String.init).joined(separator: "-")), \(model.precisionName)"
        }
    }

    /// The model's outputs against a reference `.npy`, element by element; the check names the worst element.
    static func referenceCheck(_ reference: Reference, evaluation: ModelEvaluation, model: String, limits: ResourceLimits) throws
        -> FigureCheck
    {
        let recorded = try NPYFile.read(reference.file, limits: limits)
        let expected = NamedArray(
            name: reference.file.lastPathComponent, shape: recorded.shape, dtype: recorded.dtype.descr,
            values: try recorded.doubles())
        let computed = NamedArray(
            name: "outputs", shape: [evaluation.labels.count] + evaluation.outputShape, dtype: "computed",
            values: evaluation.outputs)
        let entry = ArrayComparison.compare(computed, expected, rtol: reference.rtol, atol: reference.atol, checkDTypes: false)
        var computedText: String
        if let maxAbs = entry.maxAbsoluteDifference {
            computedText = "max |a-b| \(NumberText.short(maxAbs))"
            if let index = entry.worstIndex, let a = entry.worstA, let b = entry.worstB {
                computedText += " at [\(index.map(String.init).joined(separator: ", "))]: \(NumberText.short(a)) vs \(NumberText.short(b))"
            }
            computedText += "; \(entry.mismatchedElements) of \(computed.values.count) beyond tolerance"
        } else {
            computedText = entry.problem ?? "not compared"
        }
        return FigureCheck(
            model: model, name: "outputs match \(reference.file.lastPathComponent)",
            reported: "\(ArrayComparison.describe(shape: recorded.shape)) \(recorded.dtype.descr)", computed: computedText,
            computedExact: entry.maxAbsoluteDifference.flatMap { $0.isFinite ? $0 : nil } ?? -1,
            tolerance: "|a-b| <= \(NumberText.short(reference.atol)) + \(NumberText.short(reference.rtol)) * |reference|", pass: entry.pass)
    }
}
