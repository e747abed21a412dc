/// NumPy's legacy `np.random.RandomState(seed)`: MT19937 seeded with `init_genrand(seed)`, and
/// the legacy `permutation`/`shuffle`, reproduced bit for bit so that scikit-learn's
/// `random_state=`-seeded splits can be recomputed without Python.
public struct LegacyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624

    /// Seeds like `RandomState(seed)` with an integer seed (`mt19937_seed`, i.e. `init_genrand`).
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
    }

    /// The next raw 32-bit output (`RandomState._bit_generator.random_raw()`).
    public mutating func nextUInt32() -> UInt32 {
        if position == 624 { regenerate() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A uniformly random integer in `0...max`, by NumPy's `random_interval`: draw 32-bit outputs
    /// masked to the smallest `2^k - 1 >= max` until one is `<= max`. Only 32-bit ranges are used here.
    public mutating func interval(_ max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = nextUInt32() & mask
            if value <= max { return value }
        }
    }

    /// `RandomState.permutation(n)`: `arange(n)` shuffled by the legacy Fisher-Yates loop
    /// (`for i in reversed(1..<n): j = interval(i); swap(i, j)`). `n` must fit in 32 bits.
    public mutating func permutation(_ n: Int) -> [Int] {
        precondition(n >= 0 && n <= Int(UInt32.max), "permutation size \(n) is outside 0...\(UInt32.max)")
        var values = Array(0..<n)
        if n < 2 { return values }
        for i in stride(from: n - 1, through: 1, by: -1) {
            let j = Int(interval(UInt32(i)))
            values.swapAt(i, j)
        }
        return values
    }

    private mutating func regenerate() {
        let upper: UInt32 = 0x8000_0000
        let lower: UInt32 = 0x7fff_ffff
        let matrix: UInt32 = 0x9908_b0df
        for k in 0..<624 {
            let y = (state[k] & upper) | (state[(k + 1) % 624] & lower)
            state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrix)
        }
        position = 0
    }
}
