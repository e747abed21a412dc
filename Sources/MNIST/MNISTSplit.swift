/// One side of MNIST (train or test, or a subset): images as bytes and their labels.
///
/// Layout: `images` holds `count * rows * cols` bytes, image after image, each row-major
/// (0 = background, 255 = ink); `labels` holds `count` digits 0...9.
public struct MNISTSplit: Sendable, Equatable {
    /// Pixels, `count * rows * cols` bytes, row-major per image.
    public let images: [UInt8]
    /// One label per image.
    public let labels: [UInt8]
    /// Number of examples.
    public let count: Int
    /// Rows per image (28 for MNIST).
    public let rows: Int
    /// Columns per image (28 for MNIST).
    public let cols: Int

    /// Pixels per image.
    public var pixelsPerImage: Int { rows * cols }

    /// Makes a split; `images.count` must be `count * rows * cols` and `labels.count` must be `count`.
    public init(images: [UInt8], labels: [UInt8], rows: Int, cols: Int) {
        precondition(rows > 0 && cols > 0 && images.count == labels.count * rows * cols, "images and labels disagree")
        self.images = images
        self.labels = labels
        self.count = labels.count
        self.rows = rows
        self.cols = cols
    }

    /// The pixels as Float32 `p / 255`, same layout as `images` (what `x.astype(np.float32) / 255` gives).
    public func pixelsFloat32() -> [Float] {
        // 256 possible values: a table lookup keeps the division bit-identical to NumPy's float32 division.
        let table = (0..<256).map { Float($0) / 255 }
        return [Float](unsafeUninitializedCapacity: images.count) { out, initialized in
            images.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = table[Int(src[i])] }
            }
            initialized = images.count
        }
    }

    /// The Float32 pixels `p / 255` widened to Float64: `Double(Float(p) / 255)`. This is what NumPy gives
    /// when a float32 `X / 255` meets float64 weights (as in the seed MLP), not `Double(p) / 255`.
    public func pixelsFloat64FromFloat32() -> [Double] {
        let table = (0..<256).map { Double(Float($0) / 255) }
        return [Double](unsafeUninitializedCapacity: images.count) { out, initialized in
            images.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = table[Int(src[i])] }
            }
            initialized = images.count
        }
    }

    /// The examples at `indices`, in that order (repeats allowed). Traps on an index outside
    /// `0..<count`; use `checkedSubset(_:)` to get an error instead.
    public func subset(_ indices: [Int]) -> MNISTSplit {
        do {
            return try checkedSubset(indices)
        } catch {
            preconditionFailure("\(error.localizedDescription)")
        }
    }

    /// The examples at `indices`, in that order. Throws `MNISTError.indexOutOfRange` on a bad index.
    public func checkedSubset(_ indices: [Int]) throws -> MNISTSplit {
        let size = pixelsPerImage
        var newImages = [UInt8](repeating: 0, count: indices.count * size)
        var newLabels = [UInt8](repeating: 0, count: indices.count)
        try images.withUnsafeBytes { src in
            try newImages.withUnsafeMutableBytes { dst in
                for (k, index) in indices.enumerated() {
                    guard index >= 0 && index < count else { throw MNISTError.indexOutOfRange(index: index, count: count) }
                    dst.baseAddress!.advanced(by: k * size).copyMemory(from: src.baseAddress!.advanced(by: index * size), byteCount: size)
                    newLabels[k] = labels[index]
                }
            }
        }
        return MNISTSplit(images: newImages, labels: newLabels, rows: rows, cols: cols)
    }

    /// This split followed by `other` (same image size).
    public func appending(_ other: MNISTSplit) -> MNISTSplit {
        precondition(rows == other.rows && cols == other.cols, "image sizes differ")
        return MNISTSplit(images: images + other.images, labels: labels + other.labels, rows: rows, cols: cols)
    }
}
