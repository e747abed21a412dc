import Bridge
import Foundation
import KerasFormat
import NeuralNet
import NumPyFormat
import TestSupport
import XCTest

/// Every file of the real-world corpus (`../shared/corpus_real`, never committed): loaded and run on the seeded
/// inputs in `Fixtures/corpus/<file with -- for __>.x.npy`, compared with the saving framework's outputs `<file>.y.npy` made by
/// `Fixtures/generate/corpus_references.py` (tf-keras 2.21 or Keras 3 where they load the file, else a Keras 3
/// rebuild with the Theano flip and layout rules applied explicitly, or each repository's NumPy forward pass);
/// or refused with an error naming what is missing.
///
/// With `WEIGHTBRIDGE_CORPUS_RESULTS=<path>`, also writes per-file status and max difference as JSON, from which
/// the script renders Docs/compatibility.md.
final class CorpusTests: XCTestCase {
    /// Each corpus model's float32 outputs against its framework's, absolute.
    static let tolerance = Tolerance.float32KerasParity

    /// A corpus file that should load: where its architecture comes from, and the options it needs.
    struct Case {
        var file: String
        var options = ModelFile.ImportOptions()
        var architecture: String?
    }

    static let loadable: [Case] = [
        Case(file: "ab2005__cnn-exercises__mnist.model.best.hdf5"),
        Case(file: "kruthikk__cnn_classification__mnist.model.best.hdf5"),
        Case(file: "tomthetrainer__KerasImportTests__iris_theano.h5"),
        Case(file: "tomthetrainer__KerasImportTests__sonar_theano.h5"),
        Case(file: "TrustAI__DeepConcolic__mnist2.h5"),
        Case(file: "verivital__nnvmt__MC_16sigX16sigX1tanh.h5"),
        Case(file: "TrustAI__DeepConcolic__mnist1.h5"),
        Case(file: "RemoYukoff__MNIST-Keras-Flask__model.h5"),
        Case(file: "naonaorange__tensorflow_samples__mnist.h5"),
        Case(file: "AmitPr__mnist-nlogo__mnist_model.h5"),
        Case(file: "huyhoang17__tensorflow-serving-docker__mnist_all.h5"),
        Case(file: "ikukang__DeepLearningWithPythonKeras__mnist_cnn.h5"),
        Case(file: "fisakhan__convert_model_x2y__mnist.h5"),
        Case(file: "jairoduarteribeiro__explanation_ann__iris.h5"),
        Case(file: "Adel-dev2__MNIST-Digit-Classifier-App__mnist_model.h5"),
        Case(file: "ShreyanshGupta28__mnist_classification_app__model.h5"),
        Case(
            file: "ShreyanshGupta28__mnist_classification_app__model.weights.h5",
            architecture: "ShreyanshGupta28__mnist_classification_app__model.h5"),
        Case(
            file: "fastmachinelearning__example-models__KERAS_3layer_weights.h5",
            architecture: "fastmachinelearning__example-models__KERAS_3layer.json"),
        Case(
            file: "fastmachinelearning__example-models__jetTagger_Conv2D_Small_weights.h5",
            architecture: "fastmachinelearning__example-models__jetTagger_Conv2D_Small.json"),
        Case(
            file: "DeepImportance__deepimportance_code_release__LeNet1.h5",
            architecture: "DeepImportance__deepimportance_code_release__LeNet1.json"),
        Case(
            file: "JoseDiegoMarinContreras__Recognition-Of-Handwritten-Digits__model.h5",
            architecture: "JoseDiegoMarinContreras__Recognition-Of-Handwritten-Digits__model.yaml"),
        Case(file: "prasunroy__ocr__en_numbers.h5", architecture: "prasunroy__ocr__en_numbers.arch.json"),
        // Keras 1 weights record no backend; keras2cpp's README says it works with the Theano backend.
        Case(
            file: "pplonski__keras2cpp__my_nn_weights.h5", options: ModelFile.ImportOptions(backend: "theano"),
            architecture: "pplonski__keras2cpp__my_nn_arch.json"),
        Case(file: "khizarbinmaalik__neural_net_from_scratch__mlp_weights.npz"),
        // mnist.py: sigmoid hidden layer, softmax output, no biases.
        Case(file: "karynaur__mnist-from-numpy__weights.npz", options: ModelFile.ImportOptions(activations: [.sigmoid, .softmax])),
        Case(file: "Bilalharoon__NumpyNueralNetwork__mnist_weights.npz"),
        Case(file: "ab-progress-tracker__diy-mnist-nn__model_params.npz"),
    ]

    /// Files that must be refused, with a phrase the error must contain.
    static let refused: [(file: String, mentioning: [String])] = [
        ("2015131141143821__CarND-Behavioral-Cloning-Project__model.h5", ["lambda_1", "Lambda"]),
        ("ms-lilibeth__MNIST__mnist.weights.h5", ["Keras 0.x", "backend"]),
        ("rhm6501__AdversarialPSOImages__Siamese_MLP.h5", ["no architecture"]),
    ]

    /// Per-file results for Docs/compatibility.md, written at the end when asked.
    nonisolated(unsafe) static var results: [String: [String: Any]] = [:]

    override class func tearDown() {
        super.tearDown()
        guard let path = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_CORPUS_RESULTS"], !results.isEmpty else { return }
        if let data = try? JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted]) {
            try? data.write(to: URL(fileURLWithPath: path))
        }
    }

    /// Loads one case and returns the largest |Swift - reference| over its reference outputs.
    private func maxDifference(_ c: Case) throws -> Double {
        let url = try FixturePaths.sharedFile("corpus_real/\(c.file)")
        var options = c.options
        if let architecture = c.architecture {
            options.architecture = try FixturePaths.sharedFile("corpus_real/\(architecture)")
        }
        let imported = try ModelFile.load(url, options: options)
        // Fixture names use "--" where the corpus names use "__", so they cannot be mistaken for the corpus files.
        let stem = c.file.replacingOccurrences(of: "__", with: "--")
        let x = try NPYFile.read(FixturePaths.fixture("corpus/\(stem).x.npy"))
        let y = try NPYFile.read(FixturePaths.fixture("corpus/\(stem).y.npy"))
        XCTAssertEqual(Array(x.shape.dropFirst()), imported.model.inputShape, c.file)
        XCTAssertEqual(Array(y.shape.dropFirst()), imported.model.outputShape, c.file)
        let outputs = try imported.model.predict([x])[0].values(as: Double.self)
        let expected = try y.doubles()
        XCTAssertEqual(outputs.count, expected.count, c.file)
        return zip(outputs, expected).map { abs($0 - $1) }.max() ?? .infinity
    }

    func testEveryLoadableCorpusFileMatchesItsFramework() throws {
        _ = try FixturePaths.sharedFile("corpus_real/MANIFEST.tsv")
        for c in Self.loadable {
            do {
                let difference = try maxDifference(c)
                let ok = difference <= Self.tolerance
                XCTAssertLessThanOrEqual(difference, Self.tolerance, c.file)
                Self.results[c.file] = ["status": ok ? "loaded" : "failing", "maxDifference": difference]
            } catch {
                XCTFail("\(c.file): \(error.localizedDescription)")
                Self.results[c.file] = ["status": "failing", "detail": error.localizedDescription]
            }
        }
    }

    func testMeaninglessAndLambdaFilesAreRefusedByName() throws {
        _ = try FixturePaths.sharedFile("corpus_real/MANIFEST.tsv")
        for (file, phrases) in Self.refused {
            let url = try FixturePaths.sharedFile("corpus_real/\(file)")
            do {
                _ = try ModelFile.load(url)
                XCTFail("\(file) loaded but must be refused")
                Self.results[file] = ["status": "failing", "detail": "loaded but must be refused"]
            } catch {
                let message = error.localizedDescription
                for phrase in phrases { XCTAssertTrue(message.contains(phrase), "\(file): \(message)") }
                let reason: String
                if message.contains("Lambda") {
                    reason = "Lambda layer lambda_1 (Python bytecode)"
                } else if message.contains("Keras 0.x") {
                    reason = "Keras 0.x layout, backend unknown"
                } else {
                    reason = "weights only, no architecture (Lambda in a Siamese graph)"
                }
                Self.results[file] = ["status": "refused", "detail": reason]
            }
        }
    }

    func testKeras1ConvolutionsWithoutBackendAreRefused() throws {
        let url = try FixturePaths.sharedFile("corpus_real/pplonski__keras2cpp__my_nn_weights.h5")
        let arch = try FixturePaths.sharedFile("corpus_real/pplonski__keras2cpp__my_nn_arch.json")
        XCTAssertThrowsError(try ModelFile.load(url, options: ModelFile.ImportOptions(architecture: arch))) { error in
            XCTAssertEqual(error as? BridgeError, .unknownBackend(file: url.path))
        }
    }

    func testTheanoFlipIsReportedForChannelsFirstTheanoModel() throws {
        let url = try FixturePaths.sharedFile("corpus_real/prasunroy__ocr__en_numbers.h5")
        let arch = try FixturePaths.sharedFile("corpus_real/prasunroy__ocr__en_numbers.arch.json")
        let imported = try ModelFile.load(url, options: ModelFile.ImportOptions(architecture: arch))
        XCTAssertTrue(imported.notes.contains { $0.contains("flipped") }, "\(imported.notes)")
        XCTAssertEqual(imported.model.inputShape, [1, 56, 56])
    }
}
