import Foundation
import ModelSpec

/// How a convolution kernel is stored: Keras 2+ and Keras 1 `tf` use `(h, w, in, out)`; Keras 1 `th` uses
/// `(out, in, h, w)`.
public enum KerasKernelLayout: String, Sendable, Hashable {
    case hwio, oihw
}

/// One layer of a Keras model: what it computes (`spec`, the shared vocabulary) and what only the Keras file
/// knows about it (class name as written, weight group, kernel storage).
public struct KerasLayerConfig: Sendable, Hashable {
    /// The layer's name (unique in the model).
    public var name: String
    /// The Keras class name as written in the file (`MaxPool2D` and `MaxPooling2D` both give `.maxPool2D`).
    public var className: String
    /// What the layer computes.
    public var spec: LayerSpec
    /// The legacy-HDF5 weight group holding this layer's weights: its own name, or the name of the enclosing model
    /// layer for a Sequential/Model nested as a layer (whose layers share one group, consumed in order).
    public var weightGroup: String
    /// How a convolution kernel is stored (Keras 1 `th`: `(out, in, h, w)`).
    public var kernelLayout: KerasKernelLayout
    /// Where Keras 3 keeps the layer's variables in `.keras`/`.weights.h5` files (`<path>/vars/<i>`): the path its
    /// saving walk gives the layer (`layers/<snake_case class>[_N]`, nested models recursively), not its name.
    public var kerasPath: String
    /// Further legacy weight groups that store this layer's weights again: a nested model reached through two
    /// enclosing models (Keras saves its weights under each enclosing model's group).
    public var aliasGroups: [String] = []

    public init(
        name: String, className: String, spec: LayerSpec, weightGroup: String? = nil, kernelLayout: KerasKernelLayout = .hwio,
        kerasPath: String? = nil
    ) {
        self.name = name
        self.className = className
        self.spec = spec
        self.weightGroup = weightGroup ?? name
        self.kernelLayout = kernelLayout
        self.kerasPath = kerasPath ?? "layers/" + KerasLayerConfig.snakeCase(className)
    }

    /// Keras' `naming.to_snake_case`: `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`, `ReLU` -> `re_lu`.
    public static func snakeCase(_ className: String) -> String {
        var name = className.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        for regex in snakeCasePatterns {
            name = regex.stringByReplacingMatches(in: name, range: NSRange(name.startIndex..., in: name), withTemplate: "$1_$2")
        }
        return name.lowercased()
    }

    /// Keras' two substitutions, compiled once (a configuration of 10^4 layers asks for 10^4 names).
    nonisolated(unsafe) private static let snakeCasePatterns = ["(.)([A-Z][a-z]+)", "([a-z])([A-Z])"].map {
        try! NSRegularExpression(pattern: $0)
    }
}

/// Which Keras writes (or wrote) a file: Keras 3 (`keras`) or Keras 2 (`tf.keras` / `tf_keras`).
public enum KerasFlavor: Sendable {
    case keras3, keras2

    /// The `keras_version` attribute written for this flavour: the release whose format is reproduced.
    public var formatVersion: String {
        switch self {
        case .keras3: return "3.15.1"
        case .keras2: return "2.21.0"
        }
    }
}

extension KerasLayerConfig {
    /// A layer as Keras 3 writes it: the class name follows from the spec.
    public init(name: String, spec: LayerSpec) {
        self.init(name: name, className: KerasLayerMapping.keras(spec, flavor: .keras3).className, spec: spec)
    }

    /// Keras' default name stem for a layer of this kind: the snake-case class name (`MaxPooling2D` ->
    /// `max_pooling2d`, `Conv2D` -> `conv2d`).
    public static func defaultNameStem(_ spec: LayerSpec) -> String { snakeCase(KerasLayerMapping.keras(spec, flavor: .keras3).className) }

    /// Keras' names for the layer's weights, in order (`kernel`, `bias`, `gamma`, ...).
    public var weightNames: [String] { KerasLayerMapping.weightNames(spec) }
}
