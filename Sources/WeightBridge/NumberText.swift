/// Numbers as a person writes them in messages: the shortest text that reads back as the same value
/// (`0.001`, `1e-05`, `0.98125`), never a Float's value widened to Double (`0.0010000000474974513`).
public enum NumberText {
    /// The shortest round-trip text of `value`; integral values print without a fraction (`3`, not `3.0`).
    /// A value that is a Float32 widened (a float32 model's output; Keras' float32 `learning_rate` saved in JSON,
    /// within a few Double ulps of one after a round trip through decimal text) prints as that Float.
    public static func short(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let f = Float(value)
        if f.isFinite, f != 0, abs(Double(f) - value) <= abs(value) * 1e-12 { return "\(f)" }
        return "\(value)"
    }

    /// The shortest text of a Float32 value (what a float32 model computed), through Float's own description.
    public static func short(_ value: Float) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e7 { return String(Int64(value)) }
        return "\(value)"
    }
}
