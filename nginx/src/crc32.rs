//! CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the `ngx_crc32_*` functions the `hash` balancer
//! uses for keys and for the consistent-hash ring.

const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 256] = table();

/// A running CRC-32 (`ngx_crc32_init` / `ngx_crc32_update` / `ngx_crc32_final`).
#[derive(Clone, Copy, Debug)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new()
    }
}

impl Crc32 {
    /// `ngx_crc32_init`.
    pub fn new() -> Crc32 {
        Crc32(0xffff_ffff)
    }

    /// A running CRC that continues from an unfinished state (nginx copies `base_hash` before `final`).
    pub fn update(&mut self, data: &[u8]) {
        let mut c = self.0;
        for &b in data {
            c = TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    /// `ngx_crc32_final`.
    pub fn finish(self) -> u32 {
        self.0 ^ 0xffff_ffff
    }
}

/// `ngx_crc32_long`: the CRC-32 of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(data);
    c.finish()
}
