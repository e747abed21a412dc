/// `Double` views of a generic layer's `Scalar` buffers, for the float64-only kernels (`SparseInputProduct`) that a
/// layer generic over `NNScalar` calls once it has checked `Scalar.self == Double.self`.
extension UnsafePointer where Pointee == Double {
    /// A `Scalar` pointer as the `Double` one it is (callers check `Scalar.self == Double.self` first).
    static func doubles<Scalar>(_ pointer: UnsafePointer<Scalar>) -> UnsafePointer<Double> {
        precondition(Scalar.self == Double.self, "not a Double pointer")
        return UnsafeRawPointer(pointer).assumingMemoryBound(to: Double.self)
    }
}

extension UnsafeMutablePointer where Pointee == Double {
    /// A `Scalar` pointer as the `Double` one it is (callers check `Scalar.self == Double.self` first).
    static func doubles<Scalar>(_ pointer: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Double> {
        precondition(Scalar.self == Double.self, "not a Double pointer")
        return UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Double.self)
    }
}
