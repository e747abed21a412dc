import Foundation
import HDF5
import KerasFormat
import TestSupport
import XCTest

/// What WeightBridge refuses, and that each refusal is one actionable line.
final class KerasRefusalTests: XCTestCase {
    private func assertRefuses(_ body: @autoclosure () throws -> Any, _ expected: String, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let message = error.localizedDescription
            XCTAssertEqual(message, expected, line: line)
            XCTAssertFalse(message.contains("\n"), line: line)
        }
    }

    private func parse(_ json: String) throws -> KerasModelConfig {
        try KerasModelConfig.parse(json: Data(json.utf8), source: "x.h5")
    }

    func testRefusesUnknownLayerClassNamingLayerAndClass() {
        assertRefuses(
            try parse(
                """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "Frobnicate", "config": {"name": "frob", "units": 4}}]}}
                """),
            "x.h5: layer 'frob' has class Frobnicate, which WeightBridge does not run (the README lists the layers it runs)")
    }

    func testRefusesLambdaWithoutRunningIt() {
        let url = FixturePaths.fixture("h5/keras2_lambda.h5")
        assertRefuses(
            try KerasModelFile.read(url),
            "\(url.path): layer 'lambda_1' has class Lambda, which WeightBridge does not run (Lambda layers hold Python code)")
    }

    func testRefusesWeightShapeMismatch() {
        let url = FixturePaths.fixture("h5/keras2_mlp_bad_shape.h5")
        assertRefuses(
            try KerasModelFile.read(url),
            "\(url.path): layer 'dense_2': weights 2 arrays of shapes [[4, 2], [2]] do not match the configuration, "
                + "which needs 2 arrays of shapes [[5, 2], [2]]")
    }

    func testRefusesRandomBytesNamedH5() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("model.h5")
        try Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: url)
        assertRefuses(
            try KerasModelFile.read(url), "\(url.path): '/' is a file without the HDF5 signature (1000 bytes), expected a HDF5 file")
    }

    func testRefusesTruncatedModelFile() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("model.h5")
        let data = try Data(contentsOf: FixturePaths.fixture("h5/keras3_cnn.h5"))
        try data.prefix(data.count * 2 / 3).write(to: url)
        XCTAssertThrowsError(try KerasModelFile.read(url)) { error in
            XCTAssertTrue(error.localizedDescription.hasPrefix("\(url.path): "), error.localizedDescription)
            XCTAssertFalse(error.localizedDescription.contains("\n"))
        }
    }

    func testRefusesModelWeightsWithoutModelConfig() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("noconfig.h5")
        let h5 = try HDF5File.create(url)
        try h5.root.createGroup("model_weights").setStringArrayAttribute("layer_names", ["dense"])
        try h5.close()
        assertRefuses(
            try KerasModelFile.read(url), "\(url.path): has model_weights/ but no model_config attribute, so the architecture is unknown")
    }

    func testRefusesHDF5FileThatIsNotKeras() {
        let url = FixturePaths.fixture("h5/datasets.h5")
        assertRefuses(
            try KerasModelFile.read(url),
            "\(url.path): not a Keras HDF5 file (found top-level objects [chunked_gzip, ext, grp, half, int16, scalar, soft, uint8]; "
                + "expected model_config, model_weights/, layer_names or layers/)")
    }

    func testRefusesJSONThatIsNotAModel() {
        assertRefuses(try parse("[1, 2]"), "x.h5: model_config: is a JSON array, expected an object with class_name and config")
        assertRefuses(try parse("{\"loss\": \"mse\"}"), "x.h5: model_config: has no class_name, so it is not a Keras model")
        assertRefuses(
            try parse("{\"class_name\": \"Sequential\", \"config\": 3}"),
            "x.h5: model_config: Sequential config is a JSON number, expected an object with layers")
        assertRefuses(try parse("not json"), "x.h5: model_config: is not valid JSON (Invalid value around character 1.)")
        assertRefuses(
            try parse("{\"class_name\": \"MyModel\", \"config\": {}}"),
            "x.h5: model class MyModel is not supported (expected Sequential, Functional or Model)")
    }

    func testRefusesConfigNestedBeyondLimit() {
        let json = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        assertRefuses(try parse(json), "x.h5: model_config: is nested deeper than 64 levels")
    }

    func testReadsBranchingKeras2GraphAndRefusesItsBrokenVariants() throws {
        func graph(_ add: String, extra: String = "") -> String {
            """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 2}, "inbound_nodes": [[["in", 0, 0, {}]]]},
              {"class_name": "Add", "name": "add", "config": {"name": "add"}, "inbound_nodes": [\(add)]},
              {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 2}, "inbound_nodes": [[["in", 0, 0, {}]]]},\(extra)
              {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_input_shape": [null, 4]}, "inbound_nodes": []}],
              "input_layers": [["in", 0, 0]], "output_layers": [["add", 0, 0]]}}
            """
        }
        // Layers listed out of order, InputLayer last: the calls are ordered by their inputs.
        let config = try parse(graph("[[\"a\", 0, 0, {}], [\"b\", 0, 0, {}]]"))
        XCTAssertEqual(config.layers.map(\.name), ["a", "b", "add"])
        XCTAssertEqual(config.nodes.map(\.inputs), [[.input(0)], [.input(0)], [.node(0), .node(1)]])
        XCTAssertEqual(try config.graph(source: "x").nodeShapes, [[2], [2], [2]])
        assertRefuses(
            try parse(graph("[[\"a\", 0, 0, {}], [\"c\", 0, 0, {}]]")),
            "x.h5: model_config: layer 'add' takes the output of 'c' call 0, which the model does not have")
        assertRefuses(
            try parse(
                graph(
                    "[[\"a\", 0, 0, {}], [\"b\", 0, 0, {}]]",
                    extra:
                        "\n{\"class_name\": \"Dense\", \"name\": \"a\", \"config\": {\"name\": \"a\", \"units\": 1}, \"inbound_nodes\": []},"
                )),
            "x.h5: model_config: two layers are named 'a'")
    }

    func testRefusesUnsupportedActivationAndDataFormat() {
        assertRefuses(
            try parse(
                """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "sparsemax"}}]}}
                """),
            "x.h5: layer 'd': activation is 'sparsemax', expected one of relu, sigmoid, tanh, softmax, linear, elu, selu, softplus, softsign, "
                + "exponential, hard_sigmoid, silu, gelu, hard_silu, relu6, mish, log_softmax, leaky_relu, hard_swish, swish")
        assertRefuses(
            try parse(
                """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3,
                 "data_format": "channels_middle"}}]}}
                """), "x.h5: layer 'c': data_format is channels_middle, expected channels_last or channels_first")
    }

    func testParsesOldKerasBareLayerListAndMaxPool2DNullStrides() throws {
        let config = try parse(
            """
            {"class_name": "Sequential", "config": [
              {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, 3], "batch_input_shape": [null, 6, 6, 1],
               "activation": "relu"}},
              {"class_name": "MaxPool2D", "config": {"name": "p", "pool_size": [3, 3], "strides": null}}]}
            """)
        XCTAssertEqual(config.inputShape, [6, 6, 1])
        XCTAssertEqual(
            config.layers.map(\.spec),
            [
                .conv2D(
                    filters: 2, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                    useBias: true),
                .maxPool2D(poolHeight: 3, poolWidth: 3, strideHeight: 3, strideWidth: 3, padding: .valid),
            ])
    }

    func testWriteRefusesWeightCountMismatch() throws {
        let file = try KerasModelFile.read(FixturePaths.fixture("h5/keras2_mlp.h5"))
        var weights = file.layerWeights
        weights[1].weights.removeLast()
        let dir = TemporaryDirectory()
        let url = dir.file("out.h5")
        assertRefuses(
            try KerasModelFile.write(config: try XCTUnwrap(file.modelConfig), weights: weights, to: url),
            "\(url.path): layer 'dense_2': weights 1 arrays of shapes [[5, 2]] do not match the configuration, "
                + "which needs 2 arrays of shapes [[5, 2], [2]]")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}

extension KerasRefusalTests {
    func testListsEveryLayerItCannotRunAtOnce() {
        let json = """
            {"class_name": "Sequential", "config": {"layers": [
              {"class_name": "Dense", "config": {"name": "d", "units": 2}},
              {"class_name": "Lambda", "config": {"name": "code", "function": "..."}},
              {"class_name": "Frobnicate", "config": {"name": "f"}},
              {"class_name": "Dense", "config": {"name": "e", "units": 2}}]}}
            """
        XCTAssertThrowsError(try KerasModelConfig.parse(json: Data(json.utf8), source: "x.h5")) { error in
            XCTAssertEqual(
                error.localizedDescription,
                "x.h5: 2 layers WeightBridge does not run: 'code' (Lambda, Python code never run), 'f' (Frobnicate)")
        }
    }
}

/// Issue 16's configuration messages: each says what was wrong with the value, not a generic complaint.
extension KerasRefusalTests {
    private func dense(_ units: String) -> String {
        #"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": \#(units)}}]}}"#
    }

    func testSaysATextNumberIsTextAndAHugeNumberIsOverTheLimit() {
        assertRefuses(
            try parse(dense(#""5""#)), #"x.h5: layer 'd': units is the string "5", expected a positive integer (a number, not text)"#)
        assertRefuses(
            try parse(dense("1000000000000")), "x.h5: model_config: layer 'd': units is 1000000000000, over the limit of 2147483648")
    }

    func testSaysWhyJSONIsInvalid() {
        XCTAssertThrowsError(try parse(dense("1e400"))) { error in
            XCTAssertTrue(error.localizedDescription.hasPrefix("x.h5: model_config: is not valid JSON ("), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains("1e400"), error.localizedDescription)
        }
    }

    func testNamesWhatACustomClassAskedForEvenWithoutALayerName() {
        assertRefuses(
            try parse(
                #"{"class_name": "Sequential", "config": {"layers": [{"class_name": "system", "module": "builtins", "config": {}}]}}"#),
            "x.h5: layer '(unnamed system)': module is 'builtins', expected a Keras module (keras.layers, ...); custom Python classes are never loaded"
        )
    }

    func testRefusesMoreLayersThanTheLimitBeforeParsingThem() {
        let layers = (0..<50).map { #"{"class_name": "Dense", "config": {"name": "d\#($0)", "units": 2}}"# }.joined(separator: ", ")
        let json = #"{"class_name": "Sequential", "config": {"layers": [\#(layers)]}}"#
        XCTAssertThrowsError(try KerasModelConfig.parse(json: Data(json.utf8), source: "x.h5", limits: .init(maxLayers: 10))) {
            XCTAssertEqual($0.localizedDescription, "x.h5: model_config: has 50 layers, over the limit of 10 layers")
        }
    }

    func testRefusesYAMLMergeKeysByName() {
        let yaml =
            "class_name: Sequential\nconfig:\n  layers:\n  - class_name: Dense\n    config: &base\n      name: d\n      units: 3\n"
            + "  - class_name: Dense\n    config:\n      <<: *base\n      name: e\n"
        assertRefuses(
            try KerasModelConfig.parse(yaml: yaml, source: "x.yaml"),
            "x.yaml: model_config: uses a YAML merge key (<<), which WeightBridge does not expand; write the keys out")
    }

    func testParsesTenThousandLayerGraphsInLinearTime() throws {
        // Linear parsing is what matters; a quadratic parser takes tens of seconds here (issue 16 measured 34 s).
        var layers = [
            #"{"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 2]}, "inbound_nodes": []}"#
        ]
        for i in 0..<10_000 {
            let previous = i == 0 ? "in" : "d\(i - 1)"
            layers.append(
                #"{"class_name": "Dense", "name": "d\#(i)", "config": {"name": "d\#(i)", "units": 2}, "inbound_nodes": [[["\#(previous)", 0, 0, {}]]]}"#
            )
        }
        let json =
            #"{"class_name": "Functional", "config": {"name": "f", "layers": [\#(layers.joined(separator: ", "))], "input_layers": [["in", 0, 0]], "output_layers": [["d9999", 0, 0]]}}"#
        let config = try KerasModelConfig.parse(json: Data(json.utf8), source: "x.h5")
        XCTAssertEqual(try config.graph(source: "x.h5").nodes.count, 10_000)
    }
}
