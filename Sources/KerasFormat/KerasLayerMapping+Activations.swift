import ModelSpec

/// Activation names as Keras writes them, and the one place where a name's meaning depends on the Keras version.
extension KerasLayerMapping {
    /// Every activation name the reader accepts (Keras 3 names; `swish` and `hard_swish` are aliases).
    static var activationNames: [String] {
        Activation.allCases.filter { $0 != .hardSigmoidKeras2 && $0 != .geluApproximate }.map(\.rawValue)
    }

    /// The activation a Keras name means: `hard_sigmoid` is Keras 1/2's `clip(0.2 x + 0.5, 0, 1)` when `keras2`,
    /// Keras 3's `clip(x / 6 + 0.5, 0, 1)` otherwise. Nil for names Keras does not write (including WeightBridge's own
    /// raw values `hard_sigmoid_keras2` and `gelu_approximate`, which no Keras file can contain).
    static func activation(named name: String, keras2: Bool) -> Activation? {
        if let alias = Activation.kerasAliases[name] { return alias }
        guard let activation = Activation(rawValue: name), activation != .hardSigmoidKeras2, activation != .geluApproximate else {
            return nil
        }
        return activation == .hardSigmoid && keras2 ? .hardSigmoidKeras2 : activation
    }

    /// The name a Keras of `flavor` reads back as `activation`. A function that flavour cannot name (Keras 2's
    /// hard_sigmoid in a Keras 3 file, Keras 3's in a Keras 2 file, the tanh-approximated gelu in either) is written
    /// under WeightBridge's own name, which Keras refuses to load rather than computing something else.
    static func activationName(_ activation: Activation, flavor: KerasFlavor) -> String {
        switch (activation, flavor) {
        case (.hardSigmoidKeras2, .keras2): return "hard_sigmoid"
        case (.hardSigmoid, .keras2): return "hard_sigmoid_keras3"
        default: return activation.rawValue
        }
    }

    /// Whether `keras_version` is 3 or later (nil, empty or unparsable: Keras 1/2, which wrote no or an older version).
    static func isKeras3(_ kerasVersion: String?) -> Bool {
        guard let major = kerasVersion?.split(separator: ".").first.flatMap({ Int($0) }) else { return false }
        return major >= 3
    }
}
