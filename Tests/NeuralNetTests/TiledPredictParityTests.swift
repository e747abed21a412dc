import NeuralNet
import TestSupport
import XCTest

/// `predict` on batches large enough to take its tiled, multi-core path (image layers in tiles of a few
/// examples, a Conv2D and its MaxPool2D fused), compared with Keras 3 (JAX backend) run on the same formula
/// weights and inputs by the test venv's Python.
final class TiledPredictParityTests: XCTestCase {
    /// Keras builds `layersCode` (a Python list of `keras.layers`) on `inputShape`, sets the formula weights of
    /// Fixtures/generate/nn_fixtures.py, predicts on the formula input of `count` examples and prints the outputs.
    private func kerasOutputs(inputShape: [Int], layersCode: String, count: Int, signedInput: Bool) throws -> [Float] {
        let code = """
            import os, sys
            os.environ["KERAS_BACKEND"] = "jax"
            import numpy as np, keras
            from keras import layers as L
            shape, count, signed = (\(inputShape.map(String.init).joined(separator: ", ")),), \(count), \(signedInput ? "True" : "False")
            model = keras.Sequential([keras.Input(shape)] + \(layersCode))
            for layer in model.layers:
                if not layer.weights:
                    continue
                kernel, bias = layer.get_weights()
                s = kernel.shape
                receptive = int(np.prod(s[:-2])) if len(s) == 4 else 1
                limit = np.sqrt(6.0 / (receptive * s[-2] + receptive * s[-1]))
                i = np.arange(kernel.size, dtype=np.int64)
                j = np.arange(bias.size, dtype=np.int64)
                layer.set_weights([(((i * 7919) % 2003 - 1001) / 1001.0 * limit).astype(np.float32).reshape(s),
                                   (((j * 31) % 17 - 8) / 80.0).astype(np.float32)])
            i = np.arange(count * int(np.prod(shape)), dtype=np.int64)
            x = (((i * 37) % 101 - 50) / 50.0 if signed else ((i * 37) % 101) / 100.0).astype(np.float32)
            y = model.predict(x.reshape((count,) + shape), verbose=0, batch_size=count)
            sys.stdout.write(" ".join(repr(float(v)) for v in np.asarray(y, np.float32).ravel()))
            """
        return try runPython(code).split(separator: " ").map { Float(Double(String($0))!) }
    }

    /// The same formula weights and inputs in Swift (integer arithmetic, one division and multiply in Double).
    private func formulaModel(inputShape: [Int], layers: [LayerSpec], count: Int, signedInput: Bool) throws -> (
        Sequential<Float>, Tensor<Float>
    ) {
        let model = try Sequential<Float>(inputShape: inputShape, layers: layers)
        try FormulaWeights.apply(to: model)
        let x = (0..<(count * inputShape.reduce(1, *))).map { (i: Int) -> Float in
            signedInput ? Float(Double((i * 37) % 101 - 50) / 50.0) : Float(Double((i * 37) % 101) / 100.0)
        }
        return (model, Tensor(shape: [count] + inputShape, scalars: x))
    }

    func testSeedCNNOnManyImagesMatchesKerasForEveryBatchSize() throws {
        let count = 37  // Several tiles per core and a ragged last tile.
        let expected = try kerasOutputs(
            inputShape: [28, 28, 1],
            layersCode: """
                [L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
                 L.MaxPooling2D((2, 2)), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")]
                """,
            count: count, signedInput: false)
        let (model, x) = try formulaModel(inputShape: [28, 28, 1], layers: ModelSpecs.seedCNN, count: count, signedInput: false)
        for batchSize in [1, 7, 16, 256] {
            let y = model.predict(x, batchSize: batchSize)
            XCTAssertEqual(y.shape, [count, 10])
            assertClose(y.scalars, expected, tolerance: Float(Tolerance.float32KerasParity), "seed CNN, batch size \(batchSize)")
        }
    }

    func testFusedAndUnfusedConvolutionPoolPairsMatchKeras() throws {
        // A strided, same-padded linear conv on one channel (transposed patches) before a same-padded pool (fused;
        // negative values), a tanh conv before an overlapping pool (not fused), a conv with no pool after it.
        let count = 29
        let expected = try kerasOutputs(
            inputShape: [13, 11, 1],
            layersCode: """
                [L.Conv2D(5, (3, 3), strides=(2, 2), padding="same"), L.MaxPooling2D((2, 2), padding="same"),
                 L.Conv2D(4, (2, 2), activation="tanh"), L.MaxPooling2D((2, 2), strides=(1, 1)),
                 L.Conv2D(3, (1, 1), activation="relu"), L.Flatten(), L.Dense(6, activation="softmax")]
                """,
            count: count, signedInput: true)
        let layers: [LayerSpec] = [
            .conv2D(
                filters: 5, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same, activation: .linear,
                useBias: true),
            .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same),
            .conv2D(
                filters: 4, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .tanh,
                useBias: true),
            .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 1, strideWidth: 1, padding: .valid),
            .conv2D(
                filters: 3, kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                useBias: true),
            .flatten(), .dense(units: 6, activation: .softmax, useBias: true),
        ]
        let (model, x) = try formulaModel(inputShape: [13, 11, 1], layers: layers, count: count, signedInput: true)
        for batchSize in [5, 256] {
            let y = model.predict(x, batchSize: batchSize)
            XCTAssertEqual(y.shape, [count, 6])
            assertClose(
                y.scalars, expected, tolerance: Float(Tolerance.float32KerasParity), "mixed conv/pool model, batch size \(batchSize)")
        }
    }
}
