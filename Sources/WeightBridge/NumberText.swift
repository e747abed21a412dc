/// Numbers as a person writes them in messages: the shortest text that reads back as the same value
/// (`0.001`, `1e-05`, `0.98125`), never a Float's value widened to Double (`0.0010000000474974513`).
public enum NumberText {
    /// The shortest round-trip text of `value`; integral values print without a fraction (`3`, not `3.0`).
    /// A value that a Float32 holds exactly (a float32 model's output, widened) prints as that Float.
    public static func short(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        if let f = Float(exactly: value) { return "\(f)" }
        return "\(value)"
    }

    /// The shortest text of a Float32 value (what a float32 model computed), through Float's own description.
    public static func short(_ value: Float) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e7 { return String(Int64(value)) }
        return "\(value)"
    }
}
