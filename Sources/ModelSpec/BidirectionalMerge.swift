/// How `Bidirectional` combines its forward and backward outputs, as Keras' `merge_mode` names it.
///
/// `concat` joins them along the last axis (so the layers' units may differ); the others need equal shapes.
/// Keras' `merge_mode=None` returns two tensors and has no case here.
public enum BidirectionalMerge: String, Sendable, Hashable, CaseIterable {
    case concat, sum, mul, ave
}
