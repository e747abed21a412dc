import Foundation
import TestSupport
import WeightBridge
import XCTest

/// The listings of `Docs/training-api.md` and the article "Training and exporting", run as written; the exported
/// model is then loaded by Keras, whose predictions must match Swift's.
final class TrainingListingTests: ListingTestCase {
    /// Keras (XLA) and OpenBLAS sum in different orders: softmax outputs agree to this.
    static let float32Parity: Float = 1e-5

    func testTrainingListingsLearnDigitsAndExportAModelKerasRunsIdentically() throws {
        // listing: training-data
        // scikit-learn's 8x8 digits (360 images, pixel values 0...16) as a Tensor of examples and integer labels.
        let digits = try loadArrays(url: URL(fileURLWithPath: "Fixtures/verify/digits_test.npz"))
        let pixels = try digits["x"]!.values(as: Float.self).map { $0 / 16 }
        let labels = try digits["y"]!.values(as: Int.self)
        let images = Tensor(shape: [labels.count, 8, 8, 1], scalars: pixels)  // NHWC, as Keras
        let (train, validation) = (images.rows(0..<300), images.rows(300..<360))
        // end listing

        // listing: training-model
        // keras.Sequential([Conv2D(8, 3, activation="relu"), MaxPooling2D(2), Flatten(), Dense(10, "softmax")])
        let model = try Sequential<Float>(
            inputShape: [8, 8, 1],
            layers: [
                .conv2D(filters: 8, kernelHeight: 3, kernelWidth: 3, activation: .relu),
                .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2),
                .flatten(),
                .dense(units: 10, activation: .softmax),
            ])
        model.initialize(seed: 42)  // Glorot-uniform kernels and zero biases, as Keras initialises them
        // end listing

        // listing: training-fit
        // model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]); model.fit(...)
        let history = try model.fit(
            x: train, labels: Array(labels[0..<300]), validation: (validation, Array(labels[300...])),
            optimizer: Adam(learningRate: 0.01),  // beta1 0.9, beta2 0.999, epsilon 1e-7 as Keras' (its default rate is 0.001)
            config: TrainingConfig(epochs: 30, seed: 7),  // batches of 32, shuffled each epoch
            onEpoch: { print("epoch \($0.epoch): loss \($0.loss), validation accuracy \($0.validationAccuracy ?? 0)") })
        let (loss, accuracy) = model.evaluate(x: validation, labels: Array(labels[300...]))
        // end listing
        XCTAssertEqual(history.count, 30)
        XCTAssertLessThan(history.last!.loss, history.first!.loss / 4, "training did not lower the loss")
        XCTAssertGreaterThanOrEqual(accuracy, 0.85, "validation accuracy after 30 epochs")
        XCTAssertEqual(history.last!.validationLoss!, loss, accuracy: Tolerance.float64DeepSummationOrder)

        // listing: training-export
        // Save for Keras (.keras for Keras 3, .h5 for Keras 3 and tf-keras) or NumPy (.npz), then load it back.
        try ModelFile.save(.float32(model), to: URL(fileURLWithPath: "digits.keras"))
        try ModelFile.save(.float32(model), to: URL(fileURLWithPath: "digits.h5"))
        let reloaded = try ModelFile.load(URL(fileURLWithPath: "digits.keras")).model
        let probabilities = try reloaded.predict(NPYArray(shape: [360, 8, 8, 1], float32: pixels))  // <f4, [360, 10]
        // end listing
        try NPYFile.write(NPYArray(shape: [360, 8, 8, 1], float32: pixels), to: URL(fileURLWithPath: "x.npy"))
        let keras = try runPython(
            """
            import sys, numpy as np, keras
            x = np.load(sys.argv[3])
            for path in sys.argv[1:3]:
                y = keras.models.load_model(path, compile=False).predict(x, verbose=0)
                np.save(path + '.y.npy', y)
            """,
            args: [try written("digits.keras").path, try written("digits.h5").path, try written("x.npy").path])
        XCTAssertEqual(keras, "")
        let swift = try probabilities.values(as: Float.self)
        for path in ["digits.keras.y.npy", "digits.h5.y.npy"] {
            assertClose(swift, try loadArray(url: try written(path)).values(as: Float.self), tolerance: Self.float32Parity, path)
        }
    }

    func testFineTuningListingTrainsAnImportedKerasModelInPlace() throws {
        let digits = try loadArrays(url: URL(fileURLWithPath: "Fixtures/verify/digits_test.npz"))
        let pixels = try digits["x"]!.values(as: Float.self).map { $0 / 16 }
        let labels = try digits["y"]!.values(as: Int.self)
        let images = Tensor(shape: [labels.count, 8, 8, 1], scalars: pixels)
        // listing: training-fine-tune
        // Fine-tune a Keras model: the imported model is a class, trained in place, and saved with its layer names.
        let imported = try ModelFile.load(URL(fileURLWithPath: "Fixtures/verify/digits_cnn.h5"))
        guard case .float32(let cnn) = imported.model else { fatalError("Keras models load in float32") }
        try cnn.fit(x: images, labels: labels, optimizer: SGD(learningRate: 0.01))  // Keras' fit defaults: 1 epoch, batch 32
        try ModelFile.save(imported.model, layerNames: imported.layerNames, to: URL(fileURLWithPath: "digits_tuned.h5"))
        // end listing
        let before = try ModelFile.load(URL(fileURLWithPath: "Fixtures/verify/digits_cnn.h5")).model
        let after = try ModelFile.load(try written("digits_tuned.h5"))
        XCTAssertEqual(after.layerNames, imported.layerNames)
        let x = NPYArray(shape: [360, 8, 8, 1], float32: pixels)
        XCTAssertNotEqual(try after.model.predict(x), try before.predict(x), "fit changed no weight")
    }
}
