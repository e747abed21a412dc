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

// The seed models, when present, on the first 1000 MNIST test images.
let mnist = try MNISTDataset.load(directory: mnistDir)
let first = mnist.test.subset(Array(0..<1000))
for name in ["cnn_model.h5", "mlp_weights.npz"] {
    let url = seedDir.appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: url.path) else { continue }
    let imported = try ModelFile.load(url)
    let evaluation = try ModelEvaluation(model: imported.model, rows: first)
    print("\(name): \(imported.model.precisionName), accuracy on 1000 test images \(evaluation.accuracy)")
}
print("ConsumerApp: public API OK")
