import Foundation
import NumPyFormat
import SafeIO

extension MNISTDataset {
    /// Reads Keras' `mnist.npz` (`keras.datasets.mnist`'s cache file): members `x_train` (60000, 28, 28)
    /// uint8, `y_train` (60000,) uint8, `x_test`, `y_test`. Labels may be any integer dtype in 0...255.
    /// Throws `MNISTError.unreadable` naming the file and member for any other layout.
    public static func loadKerasNPZ(_ url: URL, limits: ResourceLimits = .default) throws -> MNISTDataset {
        let archive = try NPZArchive(url: url, limits: limits)
        func split(_ x: String, _ y: String) throws -> MNISTSplit {
            guard archive.names.contains(x), archive.names.contains(y) else {
                throw MNISTError.unreadable(
                    file: url.path, reason: "Keras mnist.npz needs members \(x) and \(y); found \(archive.names.joined(separator: ", "))")
            }
            let images = try archive.array(x)
            guard images.shape.count == 3, images.dtype.elementType == .uint8 else {
                throw MNISTError.unreadable(
                    file: url.path, reason: "\(x) is \(images.dtype.descr) \(images.shape), expected uint8 (N, rows, cols)")
            }
            let labels = try archive.array(y)
            guard labels.shape == [images.shape[0]] else {
                throw MNISTError.countMismatch(
                    images: "\(url.path):\(x)", imageCount: images.shape[0], labels: "\(url.path):\(y)", labelCount: labels.count)
            }
            let values = try labels.int64s()
            guard values.allSatisfy({ (0...255).contains($0) }) else {
                throw MNISTError.unreadable(file: url.path, reason: "\(y) holds labels outside 0...255")
            }
            return MNISTSplit(images: try images.uint8s(), labels: values.map { UInt8($0) }, rows: images.shape[1], cols: images.shape[2])
        }
        return MNISTDataset(train: try split("x_train", "y_train"), test: try split("x_test", "y_test"))
    }
}
