import Foundation
import KerasFormat
import ModelSpec
import XCTest

/// The Keras mapping of SimpleRNN/LSTM/GRU, Bidirectional and TimeDistributed: configs as Keras 2 and 3 write them
/// read to the vocabulary, the settings WeightBridge cannot honour refused by name, and the Keras 3 variable paths.
final class RecurrentMappingTests: XCTestCase {
    /// A Sequential config on (5, 3) sequences holding `layer` (class name, config).
    private func parse(_ className: String, _ config: [String: Any]) throws -> KerasModelConfig {
        var named = config
        named["name"] = named["name"] ?? "rnn"
        let model: [String: Any] = [
            "class_name": "Sequential",
            "config": [
                "name": "s",
                "layers": [
                    ["class_name": "InputLayer", "config": ["name": "in", "batch_shape": [NSNull(), 5, 3]] as [String: Any]],
                    ["class_name": className, "config": named],
                ] as [Any],
            ] as [String: Any],
        ]
        return try KerasModelConfig.parse(json: try JSONSerialization.data(withJSONObject: model), source: "m.json")
    }

    private func assertRefused(
        _ className: String, _ config: [String: Any], naming setting: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try parse(className, config), file: file, line: line) {
            let message = $0.localizedDescription
            XCTAssertTrue(message.contains("m.json") && message.contains(setting), message, file: file, line: line)
        }
    }

    func testReadsGRUWithKeras2DefaultsAndKeras3Settings() throws {
        // Keras 2.2 GRU configs may lack reset_after, which then is false.
        XCTAssertEqual(try parse("GRU", ["units": 4]).layers[0].spec, .gru(units: 4, resetAfter: false))
        let spec = try parse(
            "GRU",
            ["units": 4, "reset_after": true, "activation": "relu", "recurrent_activation": "hard_sigmoid", "return_sequences": true]
        ).layers[0].spec
        // A config that names no Keras version (no keras_version, no Keras 3 module keys) is read as Keras 2 wrote it,
        // so its hard_sigmoid is Keras 2's.
        XCTAssertEqual(
            spec, .gru(units: 4, activation: .relu, recurrentActivation: .hardSigmoidKeras2, resetAfter: true, returnSequences: true))
    }

    func testRefusesSettingsThatNeedStateOrSeveralOutputsByName() {
        assertRefused("LSTM", ["units": 4, "return_state": true], naming: "return_state")
        assertRefused("SimpleRNN", ["units": 4, "stateful": true], naming: "stateful")
        assertRefused("GRU", ["units": 4, "time_major": true], naming: "time_major")
        assertRefused("LSTM", ["output_dim": 4], naming: "units")
        let lstm: [String: Any] = ["class_name": "LSTM", "config": ["name": "f", "units": 2] as [String: Any]]
        assertRefused("Bidirectional", ["layer": lstm, "merge_mode": NSNull()], naming: "merge_mode")
        assertRefused(
            "Bidirectional", ["layer": ["class_name": "Dense", "config": ["units": 2]] as [String: Any], "merge_mode": "sum"],
            naming: "layer")
        let custom: [String: Any] = ["module": "my_project.layers", "class_name": "LSTM", "config": ["units": 2] as [String: Any]]
        assertRefused("TimeDistributed", ["layer": custom], naming: "module")
    }

    func testBidirectionalWithoutBackwardLayerRunsTheForwardLayerBackwards() throws {
        let forward: [String: Any] = [
            "class_name": "LSTM", "config": ["name": "f", "units": 2, "return_sequences": true] as [String: Any],
        ]
        let config = try parse("Bidirectional", ["layer": forward, "merge_mode": "ave"])
        let expected = LayerSpec.bidirectional(
            forward: .lstm(units: 2, returnSequences: true), backward: .lstm(units: 2, returnSequences: true, goBackwards: true),
            merge: .ave)
        XCTAssertEqual(config.layers[0].spec, expected)
        XCTAssertEqual(try config.graph(source: "m.json").nodeShapes, [[5, 2]])
        XCTAssertEqual(config.layers[0].weightNames.count, 6)
    }

    func testKeras3VariableGroupsFollowTheSavingWalk() throws {
        let td: [String: Any] = ["class_name": "Dense", "config": ["name": "d", "units": 2] as [String: Any]]
        XCTAssertEqual(
            try parse("TimeDistributed", ["layer": td]).layers[0].variableGroups.map(\.path), ["layers/time_distributed/layer/vars"])
        XCTAssertEqual(try parse("GRU", ["units": 2]).layers[0].variableGroups.map(\.path), ["layers/gru/cell/vars"])
        let lstm: [String: Any] = ["class_name": "LSTM", "config": ["name": "f", "units": 2] as [String: Any]]
        XCTAssertEqual(
            try parse("Bidirectional", ["layer": lstm, "merge_mode": "concat"]).layers[0].variableGroups.map(\.path),
            ["layers/bidirectional/forward_layer/cell/vars", "layers/bidirectional/backward_layer/cell/vars"])
    }
}
