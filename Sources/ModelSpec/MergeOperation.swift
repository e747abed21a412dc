/// The elementwise merge layers, as Keras names them.
public enum MergeOperation: String, Sendable, Hashable, CaseIterable {
    case add = "Add"
    case subtract = "Subtract"
    case multiply = "Multiply"
    case average = "Average"
    case maximum = "Maximum"
    case minimum = "Minimum"
}
