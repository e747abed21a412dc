// Uses only WeightBridge's public API: read and write arrays, load a model, predict, save it.
// Usage: ConsumerApp MNIST_DIR [SEED_DIR]
import Foundation
import WeightBridge

let args = CommandLine.arguments
let mnistDir = URL(fileURLWithPath: args.count > 1 ? args[1] : "Fixtures/mnist")
let seedDir = URL(fileURLWithPath: args.count > 2 ? args[2] : "../shared/seed")
let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-\(getpid())")
try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: tmp) }

// Arrays: write an .npz and read it back.
let a = NPYArray(shape: [2, 3], float32: [1, 2, 3, 4, 5, 6])
try NPZWriter.write([(name: "a", array: a)], to: tmp.appendingPathComponent("a.npz"))
let back = try NPZArchive(url: tmp.appendingPathComponent("a.npz")).array("a")
let values = try back.floats()
precondition(values == [1, 2, 3, 4, 5, 6] && back.shape == [2, 3], "npz round trip")

// A model built in Swift, saved as Keras .h5 and loaded again.
let model = try Sequential<Float>(inputShape: [784], layers: [.dense(units: 10, activation: .softmax, useBias: true)])
model.initialize(seed: 1)
try ModelFile.save(.float32(model), to: tmp.appendingPathComponent("m.h5"))
let reloaded = try ModelFile.load(tmp.appendingPathComponent("m.h5"))
precondition(reloaded.model.parameterCounts == [7850], "h5 round trip")

// The README's graph listing, verbatim (a test compares the two).
// A residual block in Keras' functional style: layers called on symbolic tensors.
let builder = GraphBuilder()
let image = builder.input("image", shape: [8, 8, 3])
let conv = LayerSpec.conv2D(filters: 3, kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu)(image)
let residual = LayerSpec.merge(.add)(image, conv)
let probabilities = LayerSpec.dense(units: 10, activation: .softmax)(LayerSpec.globalAveragePool2D()(residual))
let graphModel = Model<Float>(graph: try builder.graph(outputs: [probabilities]))
graphModel.initialize(seed: 7)
try ModelFile.save(.float32(graphModel), to: URL(fileURLWithPath: "residual.h5"))  // Keras 3 and tf-keras load it
let graphReloaded = try ModelFile.load(URL(fileURLWithPath: "residual.h5"))
precondition(graphReloaded.model.parameterCounts == [84, 0, 0, 40], "graph h5 round trip")
try FileManager.default.removeItem(atPath: "residual.h5")

// The README's first listing, verbatim (a test compares the two), run in a folder that holds the seed's two files
// and Fixtures/mnist as the listing names them.
let work = tmp.appendingPathComponent("readme")
try FileManager.default.createDirectory(at: work.appendingPathComponent("Fixtures"), withIntermediateDirectories: true)
try FileManager.default.createSymbolicLink(
    at: work.appendingPathComponent("Fixtures/mnist"), withDestinationURL: mnistDir.standardizedFileURL.absoluteURL)
for name in ["cnn_model.h5", "mlp_weights.npz"] {
    try FileManager.default.createSymbolicLink(
        at: work.appendingPathComponent(name), withDestinationURL: seedDir.appendingPathComponent(name).standardizedFileURL.absoluteURL)
}
let previousDirectory = FileManager.default.currentDirectoryPath
precondition(FileManager.default.changeCurrentDirectoryPath(work.path), "cd \(work.path)")
import WeightBridge

let cnn = try ModelFile.load(URL(fileURLWithPath: "cnn_model.h5"))       // Keras .h5 -> Swift (Float32)
let mnist = try MNISTDataset.load(directory: URL(fileURLWithPath: "Fixtures/mnist"))
let x = NPYArray(shape: [mnist.test.count, 28, 28, 1], float32: mnist.test.pixelsFloat32())
let probs = try cnn.model.predict(x)                                         // <f4 array, shape [10000, 10]
print(try ModelEvaluation(model: cnn.model, rows: mnist.test).accuracy)    // 0.9929
let mlp = try ModelFile.load(URL(fileURLWithPath: "mlp_weights.npz"))     // NumPy .npz -> Swift (Float64)
try ModelFile.save(mlp.model, to: URL(fileURLWithPath: "mlp.h5"))         // -> Keras 3 .h5
let w1 = try loadArrays(url: URL(fileURLWithPath: "mlp_weights.npz"))["W1"]!.values(as: Double.self)
try NPYFile.write(NPYArray(shape: [2, 2], float32: [1, 2, 3, 4]), to: URL(fileURLWithPath: "x.npy"))
precondition(probs.shape == [10000, 10] && probs.dtype.elementType == .float32, "README: typed predict")
precondition(w1.count == 784 * 128, "README: loadArrays")
let xBack = try NPYFile.read(URL(fileURLWithPath: "x.npy")).floats()
precondition(xBack == [1, 2, 3, 4], "README: x.npy")
let mlpBack = try ModelFile.load(URL(fileURLWithPath: "mlp.h5"))
precondition(mlpBack.model.parameterCounts == mlp.model.parameterCounts, "README: mlp.h5")
precondition(FileManager.default.changeCurrentDirectoryPath(previousDirectory), "cd back")

// The seed models on the first 1000 MNIST test images.
let first = mnist.test.subset(Array(0..<1000))
for name in ["cnn_model.h5", "mlp_weights.npz"] {
    let url = seedDir.appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: url.path) else { continue }
    let imported = try ModelFile.load(url)
    let evaluation = try ModelEvaluation(model: imported.model, rows: first)
    print("\(name): \(imported.model.precisionName), accuracy on 1000 test images \(evaluation.accuracy)")
}
print("ConsumerApp: public API OK")
