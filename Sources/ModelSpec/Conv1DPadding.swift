/// How `Conv1D` treats the ends of a sequence: Keras' `padding` of a 1-D convolution.
///
/// `.valid` and `.same` are `Padding`'s rules along the steps axis (with the dilated kernel length); `.causal`
/// pads `dilation * (kernel - 1)` zeros before the first step and none after, so output step `t` sees only input
/// steps up to `t` (WaveNet-style). The output then has `ceil(steps / stride)` steps.
public enum Conv1DPadding: String, Sendable, Hashable {
    case valid, same, causal
}
