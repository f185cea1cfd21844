//! The Linux kernel's `hsiphash()` as built on 64-bit architectures (lib/siphash.c): there "HalfSipHash1-3"
//! is really SipHash-1-3 over 64-bit lanes, truncated to 32 bits. The `mh` scheduler hashes every real
//! server and every client address with it, so computing it bit for bit lets our Maglev tables match an
//! x86_64 kernel's. (32-bit kernels use the true HalfSipHash and would give different tables.)

/// A kernel `hsiphash_key_t` on a 64-bit machine: two 64-bit words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HsipKey(pub [u64; 2]);

struct State {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
}

impl State {
    fn new(key: &HsipKey) -> Self {
        // "somepseudorandomlygeneratedbytes" — the SipHash initialisation constants.
        State {
            v0: 0x736f_6d65_7073_6575 ^ key.0[0],
            v1: 0x646f_7261_6e64_6f6d ^ key.0[1],
            v2: 0x6c79_6765_6e65_7261 ^ key.0[0],
            v3: 0x7465_6462_7974_6573 ^ key.0[1],
        }
    }

    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13);
        self.v1 ^= self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16);
        self.v3 ^= self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21);
        self.v3 ^= self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17);
        self.v1 ^= self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    fn compress(&mut self, m: u64, c_rounds: usize) {
        self.v3 ^= m;
        for _ in 0..c_rounds {
            self.round();
        }
        self.v0 ^= m;
    }

    fn finish(mut self, b: u64, c_rounds: usize, d_rounds: usize) -> u64 {
        self.compress(b, c_rounds);
        self.v2 ^= 0xff;
        for _ in 0..d_rounds {
            self.round();
        }
        self.v0 ^ self.v1 ^ self.v2 ^ self.v3
    }
}

fn sip(data: &[u8], key: &HsipKey, c_rounds: usize, d_rounds: usize) -> u64 {
    let mut st = State::new(key);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        st.compress(u64::from_le_bytes(w), c_rounds);
    }
    let mut b = (data.len() as u64) << 56;
    for (i, byte) in chunks.remainder().iter().enumerate() {
        b |= u64::from(*byte) << (8 * i);
    }
    st.finish(b, c_rounds, d_rounds)
}

/// `hsiphash(data, len, key)` of a 64-bit kernel: SipHash-1-3, low 32 bits.
pub fn hsiphash(data: &[u8], key: &HsipKey) -> u32 {
    sip(data, key, 1, 3) as u32
}

/// `hsiphash_1u32(value, key)`: the kernel hashes a `u32` held in host (little-endian on x86) order.
pub fn hsiphash_u32(value: u32, key: &HsipKey) -> u32 {
    hsiphash(&value.to_le_bytes(), key)
}

/// Reference SipHash-2-4 with the same core, used to check the round function against the published
/// test vectors.
pub fn siphash24(data: &[u8], key: &HsipKey) -> u64 {
    sip(data, key, 2, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_key() -> HsipKey {
        // Key bytes 00 01 .. 0f as in the SipHash paper, read as two little-endian words.
        HsipKey([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908])
    }

    #[test]
    fn siphash24_paper_vectors() {
        // SipHash paper, appendix A: the empty message and the 15-byte message 00..0e.
        assert_eq!(siphash24(&[], &reference_key()), 0x726f_db47_dd0e_0e31);
        let msg: Vec<u8> = (0u8..15).collect();
        assert_eq!(siphash24(&msg, &reference_key()), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn hsiphash_u32_matches_byte_form() {
        let key = HsipKey([2_654_435_761, 2_654_435_761]);
        for v in [0u32, 1, 0xc0a8_91cb, u32::MAX] {
            assert_eq!(hsiphash_u32(v, &key), hsiphash(&v.to_le_bytes(), &key));
        }
    }
}
