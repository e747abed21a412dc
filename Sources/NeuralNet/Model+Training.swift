import Dispatch

/// The loss, gradients and metrics of one training batch.
public struct BatchGradients<Scalar: NNScalar> {
    /// Mean sparse categorical cross-entropy over the batch.
    public var loss: Double
    /// Examples whose arg-max output equals the label.
    public var correct: Int
    /// Per layer (of the graph's `layers`), the gradients w.r.t. `weights(layer:)`, same order and shapes ([] for
    /// weightless layers); a layer called several times gets the sum over its calls.
    public var weights: [[Tensor<Scalar>]]
    /// The gradient w.r.t. the input batch, when requested.
    public var input: Tensor<Scalar>?
    /// Layers (of the graph's `layers`) whose kernel took its SGD step in the backward pass (`KernelStepFusing`):
    /// their kernel gradient in `weights` is empty and is not to be applied. Empty outside `fit`.
    var steppedKernels: Set<Int> = []
}

extension Model {
    /// Number of classes the model outputs (the size of its last axis).
    var classCount: Int { outputShape.last ?? 1 }

    /// Whether the model's outputs are softmax probabilities (otherwise they are treated as logits).
    var outputsProbabilities: Bool {
        guard case .node(let j) = graph.outputs[0], case .unary(let layer) = operations[j] else { return false }
        return layer.finalActivation == .softmax
    }

    /// Probabilities from raw model outputs: the outputs themselves after a softmax layer, else softmax(outputs).
    private func probabilities(_ outputs: Tensor<Scalar>) -> Tensor<Scalar> {
        if outputsProbabilities { return outputs }
        var p = outputs
        let width = classCount
        p.scalars.withUnsafeMutableBufferPointer { Activation.softmax.apply($0, width: width) }
        return p
    }

    private func countCorrect(_ probabilities: Tensor<Scalar>, labels: [Int]) -> Int {
        let classes = classCount
        var correct = 0
        probabilities.scalars.withUnsafeBufferPointer { p in
            for (row, label) in labels.enumerated() {
                var best = 0
                for j in 1..<max(classes, 1) where p[row * classes + j] > p[row * classes + best] { best = j }
                if best == label { correct += 1 }
            }
        }
        return correct
    }

    /// Forward and backward pass on one batch with mean sparse categorical cross-entropy on the first output (Keras'
    /// loss on probabilities; outputs not ending in softmax are treated as logits). The softmax and loss gradients
    /// are fused: (p - onehot) / batch. Dropout draws its mask from `generator`. Does not change any weight.
    public func gradients(
        x: Tensor<Scalar>, labels: [Int], generator: inout SeededGenerator, includeInputGradient: Bool = false
    ) -> BatchGradients<Scalar> {
        gradients(through: operations, x: x, labels: labels, generator: &generator, includeInputGradient: includeInputGradient)
    }

    /// `gradients(x:labels:...)` through a given set of runtime operations (the model's own, or a replica's): the
    /// forward pass in topological order, then the backward pass in reverse, summing the gradients of a tensor
    /// read by several nodes.
    private func gradients(
        through operations: [Operation], x: Tensor<Scalar>, labels: [Int], generator: inout SeededGenerator, includeInputGradient: Bool
    ) -> BatchGradients<Scalar> {
        let batch = x.shape.first ?? 0
        precondition(labels.count == batch, "gradients: \(labels.count) labels for \(batch) examples")
        precondition(graph.inputs.count == 1, "gradients: training needs a model with one input")
        var values = [Tensor<Scalar>?](repeating: nil, count: graph.nodes.count)
        func value(_ ref: ModelGraph.TensorRef) -> Tensor<Scalar> {
            switch ref {
            case .input: return x
            case .node(let j): return values[j]!
            }
        }
        for (index, node) in graph.nodes.enumerated() {
            let output: Tensor<Scalar>
            switch operations[index] {
            case .unary(let layer): output = layer.forward(value(node.inputs[0]), generator: &generator)
            case .merge(let layer): output = layer.forward(node.inputs.map(value))
            }
            values[index] = output.reshaped([batch] + graph.nodeShapes[index])
        }
        let outputRef = graph.outputs[0]
        let outputs = value(outputRef).reshaped([batch, classCount])
        values = []
        let p = probabilities(outputs)
        let loss = CrossEntropy.sparse(probabilities: p, labels: labels)
        let correct = countCorrect(p, labels: labels)
        var gradient = p
        let classes = classCount
        let scale = 1 / Scalar(batch)
        gradient.scalars.withUnsafeMutableBufferPointer { g in
            for (row, label) in labels.enumerated() { g[row * classes + label] -= 1 }
            for i in 0..<g.count { g[i] *= scale }
        }
        var nodeGradients = [Tensor<Scalar>?](repeating: nil, count: graph.nodes.count)
        var inputGradient: Tensor<Scalar>?
        func accumulate(_ ref: ModelGraph.TensorRef, _ g: Tensor<Scalar>) {
            func add(_ slot: inout Tensor<Scalar>?) {
                guard var existing = slot else {
                    slot = g
                    return
                }
                slot = nil
                existing.scalars.withUnsafeMutableBufferPointer { target in
                    g.scalars.withUnsafeBufferPointer { addScaled($0, 1, into: target) }
                }
                slot = existing
            }
            switch ref {
            case .input: add(&inputGradient)
            case .node(let j): add(&nodeGradients[j])
            }
        }
        // After a fused/standalone softmax the gradient above is w.r.t. its input; for logits, w.r.t. the output.
        var preActivationNode: Int?
        switch outputRef {
        case .node(let j):
            nodeGradients[j] = gradient
            if outputsProbabilities { preActivationNode = j }
        case .input:
            inputGradient = gradient
        }
        gradient = Tensor(shape: [0], scalars: [])
        var layerGradients = [[Tensor<Scalar>]?](repeating: nil, count: graph.layers.count)
        var steppedKernels: Set<Int> = []
        for index in graph.nodes.indices.reversed() {
            let node = graph.nodes[index]
            guard var g = nodeGradients[index] else {
                // Not on a path to the output: its layer's weights get zero gradients.
                if layerGradients[node.layer] == nil {
                    layerGradients[node.layer] = operations[index].parameters.map { Tensor(zeros: $0.shape) }
                }
                continue
            }
            nodeGradients[index] = nil  // Drop this reference so the layer can work in place.
            switch operations[index] {
            case .unary(let layer):
                let needsInput = node.inputs[0] != .input(0) || includeInputGradient
                if let dx = layer.backward(&g, gradientIsPreActivation: preActivationNode == index, needsInputGradient: needsInput) {
                    accumulate(node.inputs[0], dx)
                }
                if (layer as? KernelStepFusing)?.steppedKernel == true { steppedKernels.insert(node.layer) }
                let own = layer.gradients
                if var sum = layerGradients[node.layer] {
                    for j in sum.indices {
                        sum[j].scalars.withUnsafeMutableBufferPointer { t in
                            own[j].scalars.withUnsafeBufferPointer { addScaled($0, 1, into: t) }
                        }
                    }
                    layerGradients[node.layer] = sum
                } else {
                    layerGradients[node.layer] = own
                }
            case .merge(let layer):
                for (ref, dx) in zip(node.inputs, layer.backward(g)) { accumulate(ref, dx) }
                if layerGradients[node.layer] == nil { layerGradients[node.layer] = [] }
            }
        }
        return BatchGradients(
            loss: loss, correct: correct, weights: layerGradients.map { $0 ?? [] }, input: includeInputGradient ? inputGradient : nil,
            steppedKernels: steppedKernels)
    }

    /// Whether training splits each batch over the cores (models with spatial layers: their im2col, pooling and
    /// elementwise work would stay on one core while only the products used both) or runs it whole, each product split
    /// over the cores instead (models of Dense layers, whose per-batch products are small: halving a 64-row batch
    /// makes every GEMM less efficient; the seed MLP's epoch took 0.47 s split and 0.38 s whole on 2 cores in session 6,
    /// the seed CNN's 7.0 s split and 9.6 s whole).
    var splitsBatchesOverCores: Bool {
        // Spatial layers are the ones with a data format (convolutions, pooling, resizing, padding, cropping).
        specs.contains { $0.dataFormat != nil }
    }

    /// Loss, correct count and gradients of one batch, split over the workers: each runs forward and backward on
    /// its share through its own layer objects (sharing the weights), and the gradients are combined weighted by
    /// share size, which equals the whole-batch mean. `generators` holds one dropout generator per worker.
    func parallelGradients(x: Tensor<Scalar>, labels: [Int], generators: inout [SeededGenerator]) -> BatchGradients<Scalar> {
        let n = labels.count
        let parts = splitsBatchesOverCores ? max(1, min(generators.count, n / 8)) : 1
        if parts == 1 {
            return gradients(through: operations, x: x, labels: labels, generator: &generators[0], includeInputGradient: false)
        }
        while replicas.count < parts - 1 { replicas.append(Model.buildOperations(graph)) }
        let workerLayers = [operations] + replicas.prefix(parts - 1)
        for replica in workerLayers.dropFirst() {
            for (operation, original) in zip(replica, operations) { operation.parameters = original.parameters }
        }
        let bounds = (0...parts).map { $0 * n / parts }
        var results = [BatchGradients<Scalar>?](repeating: nil, count: parts)
        results.withUnsafeMutableBufferPointer { slots in
            generators.withUnsafeMutableBufferPointer { gens in
                let slotBase = slots.baseAddress!
                let genBase = gens.baseAddress!
                BLASThreads.withSingleThreadedProducts {
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        let range = bounds[part]..<bounds[part + 1]
                        (slotBase + part).pointee = gradients(
                            through: workerLayers[part], x: x.rows(range), labels: Array(labels[range]), generator: &genBase[part],
                            includeInputGradient: false)
                    }
                }
            }
        }
        for replica in workerLayers.dropFirst() {
            for operation in replica where !operation.parameters.isEmpty { operation.parameters = [] }  // Release shared weights.
        }
        var combined = results[0]!
        let firstWeight = Scalar(Double(bounds[1]) / Double(n))
        combined.loss *= Double(bounds[1]) / Double(n)
        for l in combined.weights.indices {
            for j in combined.weights[l].indices {
                combined.weights[l][j].scalars.withUnsafeMutableBufferPointer { scale($0, by: firstWeight) }
            }
        }
        for part in 1..<parts {
            let share = Double(bounds[part + 1] - bounds[part]) / Double(n)
            let result = results[part]!
            combined.loss += result.loss * share
            combined.correct += result.correct
            for l in combined.weights.indices {
                for j in combined.weights[l].indices {
                    combined.weights[l][j].scalars.withUnsafeMutableBufferPointer { target in
                        result.weights[l][j].scalars.withUnsafeBufferPointer { addScaled($0, Scalar(share), into: target) }
                    }
                }
            }
        }
        return combined
    }

    /// Applies one optimizer step with `gradients` (as returned by `gradients(x:labels:...)`).
    public func apply(_ gradients: [[Tensor<Scalar>]], optimizer: Optimizer) {
        apply(gradients, optimizer: optimizer, steppedKernels: [])
    }

    /// `apply(_:optimizer:)`, leaving out the kernels (first weights) of `steppedKernels`' layers, which took their
    /// step in the backward pass (their slots are still counted, so every other array keeps its slot).
    func apply(_ gradients: [[Tensor<Scalar>]], optimizer: Optimizer, steppedKernels: Set<Int>) {
        precondition(gradients.count == graph.layers.count, "apply: \(gradients.count) gradient lists for \(graph.layers.count) layers")
        optimizer.beginStep()
        var slot = 0
        for (layer, (users, layerGradients)) in zip(nodesOfLayer, gradients).enumerated() where !operations[users[0]].parameters.isEmpty {
            var parameters = operations[users[0]].parameters
            // Drop every node's reference so the update mutates in place, without a copy.
            for user in users { operations[user].parameters = [] }
            for j in parameters.indices {
                if j > 0 || !steppedKernels.contains(layer) {
                    optimizer.update(&parameters[j].scalars, gradient: layerGradients[j].scalars, slot: slot)
                }
                slot += 1
            }
            for user in users { operations[user].parameters = parameters }
        }
    }

    /// Asks the layers that can (`KernelStepFusing`) to take plain SGD's step on their kernel in the backward pass
    /// at `rate`, or, with nil, to compute their gradients again. Only for models whose layers have one node each
    /// and whose batches are not split over the cores (a shared kernel, or replicas, need the gradients summed first).
    private func fuseKernelSteps(rate: Double?) {
        for operation in operations {
            if case .unary(let layer) = operation, let fusing = layer as? KernelStepFusing { fusing.fusedStepRate = rate }
        }
    }

    private func validate(x: Tensor<Scalar>, labels: [Int], what: String) throws {
        guard Array(x.shape.dropFirst()) == inputShape else {
            throw NeuralNetError.invalidData("\(what): examples have shape \(Array(x.shape.dropFirst())), model expects \(inputShape)")
        }
        guard labels.count == (x.shape.first ?? 0) else {
            throw NeuralNetError.invalidData("\(what): \(labels.count) labels for \(x.shape.first ?? 0) examples")
        }
        let classes = classCount
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
            throw NeuralNetError.invalidData("\(what): label \(bad) outside 0..<\(classes) (the model has \(classes) outputs)")
        }
    }

    /// Mean sparse categorical cross-entropy and accuracy over (`x`, `labels`), computed in batches without dropout.
    public func evaluate(x: Tensor<Scalar>, labels: [Int], batchSize: Int = 512) -> (loss: Double, accuracy: Double) {
        let n = x.shape.first ?? 0
        guard n > 0 else { return (0, 0) }
        var totalLoss = 0.0
        var correct = 0
        var start = 0
        while start < n {
            let end = min(start + max(batchSize, 1), n)
            let batchLabels = Array(labels[start..<end])
            let p = probabilities(infer(x.rows(start..<end)).reshaped([end - start, classCount]))
            totalLoss += CrossEntropy.sparse(probabilities: p, labels: batchLabels) * Double(end - start)
            correct += countCorrect(p, labels: batchLabels)
            start = end
        }
        return (totalLoss / Double(n), Double(correct) / Double(n))
    }

    /// Trains with mini-batch gradient descent on sparse labels, like `model.fit` with
    /// `SparseCategoricalCrossentropy` and the `accuracy` metric. With the default `config`, Keras' `fit` defaults:
    /// one epoch, batches of 32, shuffled every epoch.
    ///
    /// Each epoch shuffles (if `config.shuffle`) with a generator seeded by `config.seed`, runs the batches, calls
    /// `onBatch` after each with running means, evaluates `validation` (if any) and calls `onEpoch`. `shouldStop` is
    /// checked after every batch: when it returns true, training ends after that batch and the partial epoch's
    /// report (with `isComplete == false`, no validation) ends the returned list. Throws `NeuralNetError.invalidData`
    /// when shapes or labels do not fit the model, or for a non-positive batch size.
    @discardableResult
    public func fit(
        x: Tensor<Scalar>, labels: [Int], validation: (Tensor<Scalar>, [Int])? = nil, optimizer: Optimizer,
        config: TrainingConfig = TrainingConfig(),
        onBatch: (BatchProgress) -> Void = { _ in }, onEpoch: (EpochReport) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws -> [EpochReport] {
        if let layer = graph.layers.first(where: { !$0.spec.supportsTraining }) {
            throw NeuralNetError.notTrainable(layer: layer.name)
        }
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw NeuralNetError.invalidData(
                "fit trains models with one input and one output; this one has \(graph.inputs.count) and \(graph.outputs.count)")
        }
        try validate(x: x, labels: labels, what: "training data")
        if let validation { try validate(x: validation.0, labels: validation.1, what: "validation data") }
        guard config.batchSize > 0, config.epochs >= 0 else {
            throw NeuralNetError.invalidData("batch size \(config.batchSize) and epochs \(config.epochs) must be positive")
        }
        let n = labels.count
        guard n > 0 else { throw NeuralNetError.invalidData("training data is empty") }
        let exampleSize = inputShape.reduce(1, *)
        let batches = (n + config.batchSize - 1) / config.batchSize
        var shuffler = SeededGenerator(seed: config.seed)
        var dropout = (0..<BLASThreads.workers).map { SeededGenerator(seed: config.seed ^ (0x5DEE_CE66_D1CE_5EED &+ UInt64($0))) }
        var order = Array(0..<n)
        var reports: [EpochReport] = []
        // Plain SGD steps the kernels of sparse-input float64 Dense layers in their backward pass (bit for bit the same
        // step), when no gradient needs summing over nodes or workers first.
        let fusesSGD = optimizer is SGD && !splitsBatchesOverCores && nodesOfLayer.allSatisfy { $0.count == 1 }
        defer { fuseKernelSteps(rate: nil) }
        for epoch in 1...max(config.epochs, 1) where config.epochs > 0 {
            let started = DispatchTime.now().uptimeNanoseconds
            if config.shuffle {
                for i in stride(from: n - 1, to: 0, by: -1) {
                    let j = Int(shuffler.next() % UInt64(i + 1))
                    order.swapAt(i, j)
                }
            }
            var lossSum = 0.0
            var correct = 0
            var seen = 0
            var stopped = false
            for b in 0..<batches {
                let indices = order[(b * config.batchSize)..<min((b + 1) * config.batchSize, n)]
                var batchScalars: [Scalar] = uninitializedArray(indices.count * exampleSize)  // Every row is copied in.
                x.scalars.withUnsafeBufferPointer { source in
                    batchScalars.withUnsafeMutableBufferPointer { target in
                        // Rows scattered over a large training set come from memory: both cores wait for them at once.
                        let parts = indices.count * exampleSize >= ParallelFor.memoryBoundSplitCount ? BLASThreads.workers : 1
                        ParallelFor.run(parts: parts) { part in
                            for row in ParallelFor.bounds(part: part, of: parts, count: indices.count) {
                                (target.baseAddress! + row * exampleSize).update(
                                    from: source.baseAddress! + indices[indices.startIndex + row] * exampleSize, count: exampleSize)
                            }
                        }
                    }
                }
                let batchLabels = indices.map { labels[$0] }
                fuseKernelSteps(rate: fusesSGD ? (optimizer as? SGD)?.learningRate : nil)
                let result = parallelGradients(
                    x: Tensor(shape: [indices.count] + inputShape, scalars: batchScalars), labels: batchLabels, generators: &dropout)
                apply(result.weights, optimizer: optimizer, steppedKernels: result.steppedKernels)
                lossSum += result.loss * Double(indices.count)
                correct += result.correct
                seen += indices.count
                onBatch(
                    BatchProgress(
                        epoch: epoch, batch: b + 1, batches: batches, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen)
                    ))
                if shouldStop() {
                    stopped = true
                    break
                }
            }
            var report = EpochReport(
                epoch: epoch, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen), validationLoss: nil,
                validationAccuracy: nil,
                seconds: 0, isComplete: !stopped)
            if let validation, !stopped {
                let (loss, accuracy) = evaluate(x: validation.0, labels: validation.1, batchSize: config.validationBatchSize)
                report.validationLoss = loss
                report.validationAccuracy = accuracy
            }
            report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            reports.append(report)
            onEpoch(report)
            if stopped { break }
        }
        return reports
    }
}
