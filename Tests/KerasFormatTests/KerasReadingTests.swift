import Foundation
import HDF5
import KerasFormat
import TestSupport
import XCTest

/// Reading real Keras 3 / tf-keras files; expected weights were recorded by the fixture script with h5py.
final class KerasReadingTests: XCTestCase {
    private func read(_ name: String) throws -> KerasModelFile {
        try KerasModelFile.read(FixturePaths.fixture("h5/\(name)"))
    }

    func testReadsSeedCNNModelConfigAndParameterCount() throws {
        let url = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let file = try KerasModelFile.read(url)
        let config = try XCTUnwrap(file.modelConfig)
        XCTAssertEqual(file.kerasVersion, "3.10.0")
        XCTAssertEqual(file.backend, "tensorflow")
        XCTAssertTrue(file.hasOptimizerWeights)
        XCTAssertNotNil(file.trainingConfigJSON)
        XCTAssertEqual(config.className, "Sequential")
        XCTAssertEqual(config.inputShape, [28, 28, 1])
        XCTAssertEqual(
            config.layers.map(\.spec),
            [
                .conv2D(
                    filters: 32, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                    useBias: true),
                .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
                .conv2D(
                    filters: 64, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                    useBias: true),
                .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
                .flatten(),
                .dense(units: 128, activation: .relu, useBias: true),
                .dense(units: 10, activation: .softmax, useBias: true),
            ])
        XCTAssertEqual(file.layerWeights.flatMap(\.weights).reduce(0) { $0 + $1.values.count }, 225_034)
        XCTAssertEqual(try config.parameterCount(source: url.path), 225_034)
        XCTAssertEqual(file.weights(forLayer: "dense")?.map(\.shape), [[1600, 128], [128]])
    }

    func testSeedCNNWeightsEqualH5pyBitForBit() throws {
        let url = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let file = try KerasModelFile.read(url)
        let dir = TemporaryDirectory()
        let dump = dir.file("weights.f32")
        _ = try runPython(
            """
            import h5py, numpy as np, sys
            f = h5py.File(sys.argv[1], 'r'); g = f['model_weights']
            out = open(sys.argv[2], 'wb')
            for layer in g.attrs['layer_names']:
                for w in g[layer].attrs['weight_names']:
                    out.write(np.asarray(g[layer][w], dtype='<f4').tobytes())
            """, args: [url.path, dump.path])
        let expected = try Data(contentsOf: dump)
        var got = Data()
        for weight in file.layerWeights.flatMap(\.weights) {
            weight.values.withUnsafeBytes { got.append(contentsOf: $0) }
        }
        XCTAssertEqual(got.count, 225_034 * 4)
        XCTAssertTrue(got == expected, "weights differ from h5py's")
    }

    func testReadsKeras3SequentialCNN() throws {
        let file = try read("keras3_cnn.h5")
        let config = try XCTUnwrap(file.modelConfig)
        XCTAssertEqual(
            config,
            KerasModelConfig(
                sequential: "sequential", inputShape: [8, 8, 1],
                layers: [
                    KerasLayerConfig(
                        name: "conv2d", className: "Conv2D",
                        spec: .conv2D(
                            filters: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid,
                            activation: .relu, useBias: true)),
                    KerasLayerConfig(
                        name: "max_pooling2d", className: "MaxPooling2D",
                        spec: .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid)),
                    KerasLayerConfig(
                        name: "conv2d_1", className: "Conv2D",
                        spec: .conv2D(
                            filters: 3, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same, activation: .tanh,
                            useBias: false), kerasPath: "layers/conv2d_1"),
                    KerasLayerConfig(name: "flatten", className: "Flatten", spec: .flatten()),
                    KerasLayerConfig(name: "dropout", className: "Dropout", spec: .dropout(rate: 0.25)),
                    KerasLayerConfig(name: "dense", className: "Dense", spec: .dense(units: 5, activation: .softmax, useBias: true)),
                ]))
        XCTAssertEqual(file.kerasVersion, "3.15.1")
        XCTAssertEqual(file.backend, "jax")
        XCTAssertTrue(file.hasOptimizerWeights)
        let reference = try KerasReference("keras3_cnn.json")
        reference.assertMatches(file)
        XCTAssertEqual(try config.parameterCount(source: "x"), reference.paramCount)
        XCTAssertEqual(file.weights(forLayer: "conv2d_1")?.map(\.name), ["sequential/conv2d_1/kernel"])
    }

    func testReadsKeras3FunctionalChain() throws {
        let file = try read("keras3_functional.h5")
        let config = try XCTUnwrap(file.modelConfig)
        XCTAssertEqual(config.className, "Functional")
        XCTAssertEqual(config.name, "chain")
        XCTAssertEqual(config.inputShape, [6])
        XCTAssertEqual(config.inputs.first?.name, "features")
        XCTAssertEqual(
            config.layers.map(\.spec),
            [
                .dense(units: 4, activation: .sigmoid, useBias: true), .activation(.relu),
                .dense(units: 3, activation: .linear, useBias: true),
            ])
        XCTAssertFalse(file.hasOptimizerWeights)
        try KerasReference("keras3_functional.json").assertMatches(file)
    }

    func testReadsKeras2CNNWithBatchInputShape() throws {
        let file = try read("keras2_cnn.h5")
        let config = try XCTUnwrap(file.modelConfig)
        XCTAssertEqual(file.kerasVersion, "2.21.0")
        XCTAssertEqual(config.inputShape, [8, 8, 2])
        XCTAssertEqual(
            config.layers.map(\.spec),
            [
                .conv2D(
                    filters: 3, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same, activation: .relu,
                    useBias: true),
                .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same),
                .flatten(), .dropout(rate: 0.5), .dense(units: 4, activation: .sigmoid, useBias: true),
            ])
        try KerasReference("keras2_cnn.json").assertMatches(file)
        XCTAssertEqual(file.weights(forLayer: "conv2d")?.map(\.name), ["conv2d/kernel:0", "conv2d/bias:0"])
    }

    func testReadsKeras2DenseOnlyMLP() throws {
        let file = try read("keras2_mlp.h5")
        XCTAssertEqual(
            file.modelConfig?.layers.map(\.spec),
            [
                .dense(units: 5, activation: .tanh, useBias: true),
                .dense(units: 2, activation: .softmax, useBias: true),
            ])
        XCTAssertEqual(file.modelConfig?.inputShape, [3])
        try KerasReference("keras2_mlp.json").assertMatches(file)
    }

    func testReadsTFKerasWeightsOnlyFile() throws {
        let file = try read("tfkeras_mlp_weights.h5")
        XCTAssertNil(file.modelConfig)
        XCTAssertEqual(file.kerasVersion, "2.21.0")
        try KerasReference("tfkeras_mlp_weights.json").assertMatches(file)
    }

    func testReadsKeras3WeightsH5Layout() throws {
        let file = try read("keras3_mlp.weights.h5")
        XCTAssertNil(file.modelConfig)
        try KerasReference("keras3_mlp.weights.json").assertMatches(file)
        XCTAssertEqual(file.weights(forLayer: "dense")?.map(\.name), ["vars/0", "vars/1"])
    }

    func testReadsSplitLayerNamesAttribute() throws {
        let data = try Data(contentsOf: FixturePaths.fixture("h5/split_layer_names.json"))
        let expected = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["layer_names"] as? [String])
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/split_layer_names.h5"))
        XCTAssertNil(try h5.root.stringArrayAttribute("layer_names"))
        XCTAssertEqual(try KerasAttributes.readStrings(h5.root, "layer_names"), expected)
        XCTAssertEqual(expected.count, 2000)
    }
}
