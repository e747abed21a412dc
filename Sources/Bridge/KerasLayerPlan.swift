import Foundation
import KerasFormat
import NeuralNet

/// The Swift layers one Keras model becomes, with where each Keras layer's weights go.
///
/// NeuralNet is NHWC-only. A channels-first model (Keras 2+ `data_format: channels_first`, Keras 1
/// `dim_ordering: th`) keeps its NCHW input shape: a `Permute` takes the tensor to NHWC before the first
/// channels-first spatial layer, and every layer that depends on the order of the whole tensor is rewritten so
/// the numbers match what Keras computed: a Flatten without `data_format: channels_first` flattened the NCHW
/// tensor as stored (Keras 1, 2.0.x, and any Flatten saying channels_last), so it becomes "permute to NCHW, then
/// flatten"; a `Flatten(data_format='channels_first')` (Keras >= 2.1.x) moved channels last first, which is a plain
/// flatten of NHWC; a Reshape permutes back to NCHW first; BatchNormalization on axis 1 normalises NHWC's last axis.
struct KerasLayerPlan {
    /// One Swift layer.
    struct Step {
        var spec: LayerSpec
        var name: String
        var className: String
        /// The Keras layer whose weights this layer takes, if any.
        var keras: KerasLayerConfig?
    }

    var steps: [Step] = []
    /// Whether the Keras tensor is channels-first while the Swift one is NHWC.
    private var converted = false

    /// Plans `config` starting from `inputShape` (the Keras input shape without the batch axis).
    init(config: KerasModelConfig, inputShape: [Int], path: String) throws {
        let spatial = config.layers.filter(\.isSpatial)
        let formats = Set(spatial.map { $0.dataFormat ?? .channelsLast })
        if formats.count > 1, let odd = spatial.first(where: { $0.dataFormat == .channelsFirst }) {
            throw BridgeError.unsupportedSetting(
                path: path, layer: odd.name, reason: "mixes channels_first and channels_last spatial layers in one model")
        }
        var rank = inputShape.count
        for layer in config.layers {
            func add(_ spec: LayerSpec, weights: Bool = false) {
                steps.append(Step(spec: spec, name: layer.name, className: layer.className, keras: weights ? layer : nil))
            }
            func helper(_ spec: LayerSpec, _ name: String) {
                steps.append(Step(spec: spec, name: name, className: "Permute", keras: nil))
            }
            if layer.isSpatial, layer.isChannelsFirst, !converted, rank == 3 {
                helper(.permute([2, 3, 1]), "nchw_to_nhwc")
                converted = true
            }
            func activation(_ name: String) throws -> Activation {
                guard let a = Activation(rawValue: name) else {
                    throw BridgeError.unsupportedActivation(path: path, layer: layer.name, activation: name)
                }
                return a
            }
            func padding(_ p: KerasPadding) -> Padding { p == .same ? .same : .valid }
            switch layer.kind {
            case .input:
                continue
            case .conv2D(let filters, let kernel, let strides, let pad, let act, let useBias):
                add(
                    .conv2D(
                        filters: filters, kernelHeight: kernel[0], kernelWidth: kernel[1], strideHeight: strides[0],
                        strideWidth: strides[1], padding: padding(pad), activation: try activation(act), useBias: useBias),
                    weights: true)
            case .maxPooling2D(let pool, let strides, let pad):
                add(.maxPool2D(poolHeight: pool[0], poolWidth: pool[1], strideHeight: strides[0], strideWidth: strides[1], padding: padding(pad)))
            case .averagePooling2D(let pool, let strides, let pad):
                add(.averagePool2D(poolHeight: pool[0], poolWidth: pool[1], strideHeight: strides[0], strideWidth: strides[1], padding: padding(pad)))
            case .globalAveragePooling2D:
                add(.globalAveragePool2D)
                converted = false
                rank = 1
            case .globalMaxPooling2D:
                add(.globalMaxPool2D)
                converted = false
                rank = 1
            case .cropping2D(let e):
                add(.cropping2D(top: e[0], bottom: e[1], left: e[2], right: e[3]))
            case .zeroPadding2D(let e):
                add(.zeroPadding2D(top: e[0], bottom: e[1], left: e[2], right: e[3]))
            case .flatten:
                if converted && layer.dataFormat != .channelsFirst {
                    helper(.permute([3, 1, 2]), "nhwc_to_nchw")  // as Keras flattened it
                }
                add(.flatten)
                converted = false
                rank = 1
            case .reshape(let target):
                if converted { helper(.permute([3, 1, 2]), "nhwc_to_nchw") }
                add(.reshape(target))
                converted = false
                rank = target.count
            case .permute(let dims):
                guard !converted else {
                    throw BridgeError.unsupportedSetting(path: path, layer: layer.name, reason: "Permute of a channels-first image tensor")
                }
                add(.permute(dims))
            case .dense(let units, let act, let useBias):
                guard rank == 1 else {
                    throw BridgeError.unsupportedSetting(
                        path: path, layer: layer.name, reason: "Dense on an input of rank \(rank); only flat inputs are supported")
                }
                add(.dense(units: units, activation: try activation(act), useBias: useBias), weights: true)
            case .dropout(let rate):
                add(.dropout(rate: rate))
            case .activation(let name):
                add(.activation(try activation(name)))
            case .leakyReLU(let alpha):
                add(.leakyReLU(alpha: alpha))
            case .batchNormalization(let axis, let epsilon, _, _):
                let kerasRank = rank + 1
                let index = axis < 0 ? axis + kerasRank : axis
                let channelAxis = converted ? 1 : kerasRank - 1
                guard index == channelAxis else {
                    throw BridgeError.unsupportedSetting(
                        path: path, layer: layer.name,
                        reason: "normalises axis \(axis) of a rank-\(kerasRank) tensor; only the channel axis (\(channelAxis)) is supported")
                }
                add(.batchNormalization(epsilon: epsilon), weights: true)
            }
        }
    }
}

extension KerasLayerConfig {
    /// Layers that work on (h, w, c) / (c, h, w) images.
    var isSpatial: Bool {
        switch kind {
        case .conv2D, .maxPooling2D, .averagePooling2D, .globalAveragePooling2D, .globalMaxPooling2D, .cropping2D, .zeroPadding2D:
            return true
        default:
            return false
        }
    }

    /// How many arrays this layer stores in its weight group.
    var storedWeightCount: Int {
        switch kind {
        case .conv2D(_, _, _, _, _, let useBias), .dense(_, _, let useBias): return useBias ? 2 : 1
        case .batchNormalization(_, _, let center, let scale): return (center ? 1 : 0) + (scale ? 1 : 0) + 2
        default: return 0
        }
    }
}
