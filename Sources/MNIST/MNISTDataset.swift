import Foundation
import SafeIO

/// The MNIST database: 60000 training and 10000 test images of handwritten digits, 28x28 bytes each.
///
/// Read from the four IDX files (gzip or not) in a directory. The order is the distributed one, which is
/// also `keras.datasets.mnist.load_data()`'s; `openMLOrder` is OpenML `mnist_784`'s (train then test).
public struct MNISTDataset: Sendable {
    /// The 60000 training examples (`train-*` files).
    public let train: MNISTSplit
    /// The 10000 test examples (`t10k-*` files).
    public let test: MNISTSplit

    /// The four file names as distributed (gzip): train images, train labels, test images, test labels.
    public static let fileNames: [String] = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ]

    /// Makes a dataset from two splits.
    public init(train: MNISTSplit, test: MNISTSplit) {
        self.train = train
        self.test = test
    }

    /// Reads the four files from `directory`, each as `name.gz` or, failing that, uncompressed `name`.
    /// Throws `MNISTError.missingFile` if one is absent, and any `MNISTError` of `IDXFile.read`, or
    /// `countMismatch` if images and labels disagree.
    /// A directory holding Keras' `mnist.npz` instead of the IDX files is read with `loadKerasNPZ`.
    public static func load(directory: URL, limits: ResourceLimits = .default) throws -> MNISTDataset {
        let kerasNPZ = directory.appendingPathComponent("mnist.npz")
        if !filesPresent(in: directory), FileManager.default.fileExists(atPath: kerasNPZ.path) {
            return try loadKerasNPZ(kerasNPZ, limits: limits)
        }
        let urls = try fileNames.map { try locate($0, in: directory) }
        let train = try loadSplit(images: urls[0], labels: urls[1], limits: limits)
        let test = try loadSplit(images: urls[2], labels: urls[3], limits: limits)
        return MNISTDataset(train: train, test: test)
    }

    /// Train followed by test: the 70000 rows of OpenML `mnist_784` in its order. Built on each call
    /// (55 MB of pixels): keep the result rather than calling it repeatedly.
    public var openMLOrder: MNISTSplit { train.appending(test) }

    /// Whether all four files are present in `directory` (gzip or not).
    public static func filesPresent(in directory: URL) -> Bool {
        fileNames.allSatisfy { (try? locate($0, in: directory)) != nil }
    }

    static func locate(_ name: String, in directory: URL) throws -> URL {
        let fm = FileManager.default
        let gz = directory.appendingPathComponent(name)
        if fm.fileExists(atPath: gz.path) { return gz }
        let plain = directory.appendingPathComponent(String(name.dropLast(3)))
        if fm.fileExists(atPath: plain.path) { return plain }
        throw MNISTError.missingFile(directory: directory.path, name: name)
    }

    static func loadSplit(images: URL, labels: URL, limits: ResourceLimits) throws -> MNISTSplit {
        let imageFile = try IDXFile.read(images, kind: .images, limits: limits)
        let labelFile = try IDXFile.read(labels, kind: .labels, limits: limits)
        guard imageFile.dimensions[0] == labelFile.dimensions[0] else {
            throw MNISTError.countMismatch(
                images: images.path, imageCount: imageFile.dimensions[0], labels: labels.path,
                labelCount: labelFile.dimensions[0])
        }
        return MNISTSplit(images: imageFile.data, labels: labelFile.data, rows: imageFile.dimensions[1], cols: imageFile.dimensions[2])
    }
}
