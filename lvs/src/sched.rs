//! The fourteen IPVS scheduling algorithms keepalived accepts (`lb_algo`), each a transcription of the
//! behaviour of the kernel's `net/netfilter/ipvs/ip_vs_<name>.c`, including its quirks:
//!
//! - the destination list is ordered newest first (the kernel adds with `list_add_rcu` at the head), and
//!   every "first best" tie-break follows that order;
//! - weight 0 quiesces a destination for every algorithm (no new connections), `IP_VS_DEST_F_OVERLOAD`
//!   (upper threshold reached) excludes it too, except where the kernel does not look (lblc's cached
//!   destination, see [`Scheduler::Lblc`]);
//! - load is `activeconns * 256 + inactconns` for lc/wlc/lblc/lblcr/twos, `activeconns + 1` for sed/nq;
//!   weighted comparisons are cross-multiplied in 64 bits like the kernel's `(__s64)loh * w > ...`;
//! - `dh`/`sh` use 256-bucket tables and the multiplicative hash `addr * 2654435761`; `mh` builds the
//!   Maglev lookup table with the kernel's fixed SipHash keys (see [`crate::siphash`]), so for IPv4 its
//!   table is bit-identical to a 64-bit kernel's.
//!
//! Deviations, all documented at the code: lblc/lblcr cache entries expire lazily at lookup once idle for
//! the expiration time instead of by the kernel's periodic garbage collector; `twos` draws from the
//! seeded ChaCha generator instead of `prandom_u32()`.

use core::fmt;
use core::str::FromStr;
use std::collections::BTreeMap;
use std::net::IpAddr;

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use crate::service::{Dest, DestId, SchedFlags};
use crate::siphash::{hsiphash_u32, HsipKey};
use crate::time::{Duration, Instant};

/// A scheduling algorithm, by its ipvsadm/keepalived name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheduler {
    /// Round robin: the next destination with weight > 0.
    Rr,
    /// Weighted round robin with the kernel's gcd/max-weight stepping.
    Wrr,
    /// Least connection: the smallest `active*256 + inactive`, weight only as on/off.
    Lc,
    /// Weighted least connection: the smallest overhead / weight.
    Wlc,
    /// Locality-based least connection: the destination address sticks to one server until it is
    /// overloaded (`active > weight` while another server is below half its weight).
    ///
    /// As in the kernel, the cached server is used even if its `u_threshold` overload flag is set.
    Lblc,
    /// Locality-based least connection with replication: a set of servers per destination address.
    Lblcr,
    /// Destination hashing: a 256-bucket table indexed by a hash of the destination address.
    Dh,
    /// Source hashing: a 256-bucket table, each server in `weight` consecutive buckets, indexed by a hash
    /// of the source address (and port with `sh-port`).
    Sh,
    /// Shortest expected delay: the smallest `(active + 1) / weight`.
    Sed,
    /// Never queue: an idle server (no active connection) if any, else as sed.
    Nq,
    /// Weighted failover: the available server with the highest weight.
    Fo,
    /// Weighted overflow: the highest-weight server whose active connections do not exceed its weight.
    Ovf,
    /// Maglev hashing over a prime-sized lookup table.
    Mh,
    /// Weighted random twos choice: two servers drawn at random by weight, the less loaded one wins.
    Twos,
}

impl Scheduler {
    /// Every scheduler, in the kernel's Kconfig order.
    pub const ALL: [Scheduler; 14] = [
        Scheduler::Rr,
        Scheduler::Wrr,
        Scheduler::Lc,
        Scheduler::Wlc,
        Scheduler::Fo,
        Scheduler::Ovf,
        Scheduler::Lblc,
        Scheduler::Lblcr,
        Scheduler::Dh,
        Scheduler::Sh,
        Scheduler::Mh,
        Scheduler::Sed,
        Scheduler::Nq,
        Scheduler::Twos,
    ];

    /// The ipvsadm name (`lb_algo` value).
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Rr => "rr",
            Scheduler::Wrr => "wrr",
            Scheduler::Lc => "lc",
            Scheduler::Wlc => "wlc",
            Scheduler::Lblc => "lblc",
            Scheduler::Lblcr => "lblcr",
            Scheduler::Dh => "dh",
            Scheduler::Sh => "sh",
            Scheduler::Sed => "sed",
            Scheduler::Nq => "nq",
            Scheduler::Fo => "fo",
            Scheduler::Ovf => "ovf",
            Scheduler::Mh => "mh",
            Scheduler::Twos => "twos",
        }
    }
}

impl fmt::Display for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown scheduler name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown IPVS scheduler {0:?} (expected one of rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos)")]
pub struct UnknownScheduler(pub String);

impl FromStr for Scheduler {
    type Err = UnknownScheduler;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheduler::ALL
            .iter()
            .copied()
            .find(|sch| sch.name() == s)
            .ok_or_else(|| UnknownScheduler(s.to_string()))
    }
}

/// The addresses a scheduler may look at: the first packet of a connection as IPVS sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedInput {
    /// Client (source) address.
    pub saddr: IpAddr,
    /// Client (source) port.
    pub sport: u16,
    /// Virtual (destination) address.
    pub daddr: IpAddr,
    /// Virtual (destination) port.
    pub dport: u16,
}

/// `IP_VS_SH_TAB_BITS` default (`CONFIG_IP_VS_SH_TAB_BITS=8`); dh uses the same size.
const HASH_TAB_SIZE: usize = 256;
/// The multiplicative hashing constant (golden ratio prime) of `ip_vs_dh.c` / `ip_vs_sh.c`.
const GOLDEN: u64 = 2_654_435_761;
/// `DEFAULT_EXPIRATION` of lblc/lblcr: 24 hours (sysctls `lblc_expiration`, `lblcr_expiration`).
pub const LBLC_DEFAULT_EXPIRATION: Duration = Duration::from_secs(24 * 60 * 60);
/// The prime table sizes `mh` may use; `CONFIG_IP_VS_MH_TAB_INDEX` picks one (index 8 → 251 ...).
pub const MH_PRIMES: [usize; 10] = [
    251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071,
];
/// The kernel's default `CONFIG_IP_VS_MH_TAB_INDEX`: 12, i.e. a table of 4093 entries.
pub const MH_DEFAULT_TAB_INDEX: u8 = 12;

/// Fold an address to 32 bits the way dh/sh/mh/lblc do: IPv4 as is, IPv6 as the XOR of its four words.
fn addr_fold(addr: IpAddr) -> u32 {
    match addr {
        IpAddr::V4(a) => u32::from(a),
        IpAddr::V6(a) => {
            let o = a.octets();
            let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            w(0) ^ w(4) ^ w(8) ^ w(12)
        }
    }
}

/// `ip_vs_sh_hashkey()` / `ip_vs_dh_hashkey()` (dh passes port 0, offset 0).
fn mult_hash(addr: IpAddr, port: u16, offset: u32) -> usize {
    let key = u64::from(u32::from(port).wrapping_add(addr_fold(addr)));
    (u64::from(offset).wrapping_add(key.wrapping_mul(GOLDEN)) as usize) & (HASH_TAB_SIZE - 1)
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// What changed in the destination list, for the schedulers' `add_dest/del_dest/upd_dest` hooks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DestChange {
    /// A destination was added (at the head of the list).
    Added,
    /// A destination was removed; `prev` is the one before it in the list (None: it was first).
    Removed { id: DestId, prev: Option<DestId> },
    /// A destination's weight or thresholds changed.
    Updated,
}

#[derive(Clone, Debug)]
pub(crate) struct LblcEntry {
    dest: DestId,
    lastuse: Instant,
}

#[derive(Clone, Debug)]
pub(crate) struct LblcrEntry {
    /// Newest first, like the kernel's `list_add_rcu` on the set.
    set: Vec<DestId>,
    lastmod: Instant,
    lastuse: Instant,
}

/// Per-service scheduler state (`svc->sched_data`).
#[derive(Clone, Debug)]
pub(crate) enum SchedState {
    Rr {
        pos: Option<DestId>,
    },
    Wrr {
        cl: Option<DestId>,
        cw: i64,
        mw: i64,
        di: i64,
    },
    Lc,
    Wlc,
    Sed,
    Nq,
    Fo,
    Ovf,
    Twos,
    Lblc {
        table: BTreeMap<IpAddr, LblcEntry>,
        expiration: Duration,
    },
    Lblcr {
        table: BTreeMap<IpAddr, LblcrEntry>,
        expiration: Duration,
    },
    Dh {
        buckets: Vec<Option<DestId>>,
    },
    Sh {
        buckets: Vec<Option<DestId>>,
    },
    Mh {
        lookup: Vec<Option<DestId>>,
        size: usize,
        tab_bits: u32,
    },
}

fn is_unavailable(d: &Dest) -> bool {
    d.cfg.weight == 0 || d.overloaded
}

impl SchedState {
    pub(crate) fn new(sched: Scheduler, dests: &[Dest], mh_tab_index: u8) -> Self {
        let mut st = match sched {
            Scheduler::Rr => SchedState::Rr { pos: None },
            Scheduler::Wrr => SchedState::Wrr {
                cl: None,
                cw: 0,
                mw: 0,
                di: 1,
            },
            Scheduler::Lc => SchedState::Lc,
            Scheduler::Wlc => SchedState::Wlc,
            Scheduler::Sed => SchedState::Sed,
            Scheduler::Nq => SchedState::Nq,
            Scheduler::Fo => SchedState::Fo,
            Scheduler::Ovf => SchedState::Ovf,
            Scheduler::Twos => SchedState::Twos,
            Scheduler::Lblc => SchedState::Lblc {
                table: BTreeMap::new(),
                expiration: LBLC_DEFAULT_EXPIRATION,
            },
            Scheduler::Lblcr => SchedState::Lblcr {
                table: BTreeMap::new(),
                expiration: LBLC_DEFAULT_EXPIRATION,
            },
            Scheduler::Dh => SchedState::Dh {
                buckets: vec![None; HASH_TAB_SIZE],
            },
            Scheduler::Sh => SchedState::Sh {
                buckets: vec![None; HASH_TAB_SIZE],
            },
            Scheduler::Mh => {
                let idx = mh_tab_index.clamp(8, 17);
                let size = MH_PRIMES[usize::from(idx - 8)];
                SchedState::Mh {
                    lookup: vec![None; size],
                    size,
                    tab_bits: u32::from(idx / 2),
                }
            }
        };
        // init_service: wrr computes its marks, dh/sh/mh fill their tables.
        if let SchedState::Wrr { cw, mw, di, .. } = &mut st {
            *di = i64::from(wrr_gcd(dests));
            *mw = i64::from(wrr_max(dests)) - (*di - 1);
            *cw = *mw;
        }
        st.rebuild_tables(dests);
        st
    }

    fn rebuild_tables(&mut self, dests: &[Dest]) {
        match self {
            SchedState::Dh { buckets } => dh_assign(buckets, dests),
            SchedState::Sh { buckets } => sh_assign(buckets, dests),
            SchedState::Mh {
                lookup,
                size,
                tab_bits,
            } => mh_reassign(lookup, *size, *tab_bits, dests),
            _ => {}
        }
    }

    /// The kernel's `add_dest` / `del_dest` / `upd_dest` hooks; `dests` is the list after the change.
    pub(crate) fn dest_changed(&mut self, dests: &[Dest], change: DestChange) {
        match self {
            SchedState::Rr { pos } => {
                // ip_vs_rr_del_dest: if the cursor was on the removed entry, step back to its predecessor.
                if let DestChange::Removed { id, prev } = change {
                    if *pos == Some(id) {
                        *pos = prev;
                    }
                }
            }
            SchedState::Wrr { cl, cw, mw, di } => {
                // ip_vs_wrr_dest_changed
                *cl = None;
                *di = i64::from(wrr_gcd(dests));
                *mw = i64::from(wrr_max(dests)) - (*di - 1);
                if *cw > *mw || *cw == 0 {
                    *cw = *mw;
                } else if *di > 1 {
                    *cw = (*cw / *di) * *di + 1;
                }
            }
            _ => self.rebuild_tables(dests),
        }
    }

    /// Pick a destination for a new connection; `None` is the kernel's "no destination available".
    pub(crate) fn schedule(
        &mut self,
        dests: &[Dest],
        input: &SchedInput,
        flags: SchedFlags,
        now: Instant,
        rng: &mut ChaCha8Rng,
    ) -> Option<DestId> {
        match self {
            SchedState::Rr { pos } => rr_schedule(pos, dests),
            SchedState::Wrr { cl, cw, mw, di } => wrr_schedule(cl, cw, *mw, *di, dests),
            SchedState::Lc => lc_schedule(dests),
            SchedState::Wlc => wlc_schedule(dests, Dest::conn_overhead),
            SchedState::Sed => wlc_schedule(dests, sed_overhead),
            SchedState::Nq => nq_schedule(dests),
            SchedState::Fo => fo_schedule(dests),
            SchedState::Ovf => ovf_schedule(dests),
            SchedState::Twos => twos_schedule(dests, rng),
            SchedState::Lblc { table, expiration } => {
                lblc_schedule(table, *expiration, dests, input.daddr, now)
            }
            SchedState::Lblcr { table, expiration } => {
                lblcr_schedule(table, *expiration, dests, input.daddr, now)
            }
            SchedState::Dh { buckets } => {
                let id = buckets
                    .get(mult_hash(input.daddr, 0, 0))
                    .copied()
                    .flatten()?;
                let d = find(dests, id)?;
                (!is_unavailable(d)).then_some(id)
            }
            SchedState::Sh { buckets } => {
                let port = if flags.port { input.sport } else { 0 };
                hash_table_get(buckets, dests, flags.fallback, HASH_TAB_SIZE, |off| {
                    mult_hash(input.saddr, port, off)
                })
            }
            SchedState::Mh { lookup, size, .. } => {
                let port = if flags.port { input.sport } else { 0 };
                let m = *size;
                hash_table_get(lookup, dests, flags.fallback, m, |off| {
                    mh_hashkey(input.saddr, port, &MH_HASH1, off) as usize % m
                })
            }
        }
    }

    /// The mh lookup table (for tests and reports): destination per slot.
    pub(crate) fn mh_table(&self) -> Option<&[Option<DestId>]> {
        match self {
            SchedState::Mh { lookup, .. } => Some(lookup),
            _ => None,
        }
    }

    /// Set the lblc/lblcr expiration (sysctls `lblc_expiration` / `lblcr_expiration`).
    pub(crate) fn set_lblc_expiration(&mut self, exp: Duration) {
        match self {
            SchedState::Lblc { expiration, .. } | SchedState::Lblcr { expiration, .. } => {
                *expiration = exp
            }
            _ => {}
        }
    }
}

fn find(dests: &[Dest], id: DestId) -> Option<&Dest> {
    dests.iter().find(|d| d.id == id)
}

fn position(dests: &[Dest], id: Option<DestId>) -> Option<usize> {
    id.and_then(|id| dests.iter().position(|d| d.id == id))
}

/// ip_vs_rr_schedule: continue after the cursor, wrapping once, to the next destination that is not
/// overloaded and has weight > 0.
fn rr_schedule(pos: &mut Option<DestId>, dests: &[Dest]) -> Option<DestId> {
    let n = dests.len();
    if n == 0 {
        return None;
    }
    // Start right after the cursor (the list head when None).
    let start = position(dests, *pos).map_or(0, |i| i + 1);
    for k in 0..n {
        let d = &dests[(start + k) % n];
        if !d.overloaded && d.cfg.weight > 0 {
            *pos = Some(d.id);
            return Some(d.id);
        }
    }
    None
}

fn wrr_gcd(dests: &[Dest]) -> u32 {
    let g = dests
        .iter()
        .map(|d| d.cfg.weight)
        .filter(|w| *w > 0)
        .fold(0, |g, w| if g > 0 { gcd(w, g) } else { w });
    if g == 0 {
        1
    } else {
        g
    }
}

fn wrr_max(dests: &[Dest]) -> u32 {
    dests.iter().map(|d| d.cfg.weight).max().unwrap_or(0)
}

/// ip_vs_wrr_schedule, step for step: scan from the cursor for a destination whose weight reaches the
/// current weight `cw`; at the end of the list lower `cw` by the gcd `di`, wrapping to the max weight `mw`;
/// stop after one full pass at the lowest level.
fn wrr_schedule(
    cl: &mut Option<DestId>,
    cw: &mut i64,
    mw: i64,
    di: i64,
    dests: &[Dest],
) -> Option<DestId> {
    if mw == 0 {
        return None;
    }
    let last = *cl;
    let mut stop: Option<DestId> = None;
    let mut last_pass = false;
    let mut restarted = false;
    // `from` is where list_for_each_entry_continue resumes: after the cursor, or from the first entry.
    let mut from = position(dests, *cl).map_or(0, |i| i + 1);
    // Bound the loop: each outer iteration lowers cw; it can run at most 2*(mw/di + 1) times.
    let max_iter = 2 * (mw / di.max(1) + 2) as usize + 2;
    for _ in 0..max_iter {
        for d in dests.iter().skip(from) {
            if !d.overloaded && i64::from(d.cfg.weight) >= *cw {
                *cl = Some(d.id);
                return Some(d.id);
            }
            if stop == Some(d.id) {
                *cl = Some(d.id);
                return None;
            }
        }
        from = 0;
        *cw -= di;
        if *cw <= 0 {
            *cw = mw;
            if last_pass || last.is_none() {
                *cl = None;
                return None;
            }
            restarted = true;
        }
        last_pass = *cw <= di;
        if last_pass && restarted && last.is_some() {
            stop = last;
        }
    }
    *cl = None;
    None
}

/// ip_vs_lc_schedule: smallest overhead, weight used only as on/off.
fn lc_schedule(dests: &[Dest]) -> Option<DestId> {
    let mut least: Option<(&Dest, i64)> = None;
    for d in dests {
        if d.overloaded || d.cfg.weight == 0 {
            continue;
        }
        let doh = d.conn_overhead();
        let better = match least {
            None => true,
            Some((_, loh)) => doh < loh,
        };
        if better {
            least = Some((d, doh));
        }
    }
    least.map(|(d, _)| d.id)
}

fn sed_overhead(d: &Dest) -> i64 {
    i64::from(d.active_conns) + 1
}

/// ip_vs_wlc_schedule (and ip_vs_sed_schedule with `overhead = active + 1`): the first usable
/// destination, then any later one with a strictly smaller overhead/weight (cross-multiplied).
fn wlc_schedule(dests: &[Dest], overhead: fn(&Dest) -> i64) -> Option<DestId> {
    let first = dests
        .iter()
        .position(|d| !d.overloaded && d.cfg.weight > 0)?;
    let mut least = &dests[first];
    let mut loh = overhead(least);
    for d in &dests[first + 1..] {
        if d.overloaded {
            continue;
        }
        let doh = overhead(d);
        if loh * i64::from(d.cfg.weight) > doh * i64::from(least.cfg.weight) {
            least = d;
            loh = doh;
        }
    }
    Some(least.id)
}

/// ip_vs_nq_schedule: the first idle usable server wins at once; otherwise the sed choice.
fn nq_schedule(dests: &[Dest]) -> Option<DestId> {
    let mut least: Option<(&Dest, i64)> = None;
    for d in dests {
        if d.overloaded || d.cfg.weight == 0 {
            continue;
        }
        let doh = sed_overhead(d);
        if d.active_conns == 0 {
            return Some(d.id);
        }
        let better = match least {
            None => true,
            Some((l, loh)) => loh * i64::from(d.cfg.weight) > doh * i64::from(l.cfg.weight),
        };
        if better {
            least = Some((d, doh));
        }
    }
    least.map(|(d, _)| d.id)
}

/// ip_vs_fo_schedule: the first non-overloaded destination with the strictly highest weight (> 0).
fn fo_schedule(dests: &[Dest]) -> Option<DestId> {
    let mut best: Option<&Dest> = None;
    let mut hw = 0;
    for d in dests {
        if !d.overloaded && d.cfg.weight > hw {
            best = Some(d);
            hw = d.cfg.weight;
        }
    }
    best.map(|d| d.id)
}

/// ip_vs_ovf_schedule: like fo, skipping servers whose active connections exceed their weight.
fn ovf_schedule(dests: &[Dest]) -> Option<DestId> {
    let mut best: Option<&Dest> = None;
    let mut hw = 0;
    for d in dests {
        let w = d.cfg.weight;
        if d.overloaded || d.active_conns > w || w == 0 {
            continue;
        }
        if best.is_none() || w > hw {
            best = Some(d);
            hw = w;
        }
    }
    best.map(|d| d.id)
}

/// ip_vs_twos_schedule: two weighted random picks in [0, total_weight]; the second wins if its
/// overhead/weight is strictly lower. Replicates the kernel's edge case where a draw equal to the total
/// weight selects nothing (the first pick then defaults to the last usable server).
fn twos_schedule(dests: &[Dest], rng: &mut ChaCha8Rng) -> Option<DestId> {
    let mut total: i64 = 0;
    let mut choice1: Option<&Dest> = None;
    for d in dests {
        if !d.overloaded && d.cfg.weight > 0 {
            total += i64::from(d.cfg.weight);
            choice1 = Some(d);
        }
    }
    choice1?;
    total += 1;
    let mut r1 = i64::from(rng.next_u32()) % total;
    let mut r2 = i64::from(rng.next_u32()) % total;
    let (mut w1, mut w2, mut oh1, mut oh2) = (-1i64, -1i64, 0i64, 0i64);
    let mut choice2: Option<&Dest> = None;
    for d in dests {
        if d.overloaded || d.cfg.weight == 0 {
            continue;
        }
        let w = i64::from(d.cfg.weight);
        r1 -= w;
        r2 -= w;
        if r1 <= 0 && w1 == -1 {
            choice1 = Some(d);
            w1 = w;
            oh1 = d.conn_overhead();
        }
        if r2 <= 0 && w2 == -1 {
            choice2 = Some(d);
            w2 = w;
            oh2 = d.conn_overhead();
        }
        if w1 != -1 && w2 != -1 {
            break;
        }
    }
    if choice2.is_some() && w2 * oh1 > w1 * oh2 {
        choice1 = choice2;
    }
    choice1.map(|d| d.id)
}

/// The weighted least-connection pick shared by lblc/lblcr (`__ip_vs_lblc_schedule`), identical to wlc.
fn locality_fallback(dests: &[Dest]) -> Option<DestId> {
    wlc_schedule(dests, Dest::conn_overhead)
}

/// lblc/lblcr `is_overloaded()`: more active connections than weight while some server is below half.
fn locality_overloaded(d: &Dest, dests: &[Dest]) -> bool {
    d.active_conns > d.cfg.weight
        && dests
            .iter()
            .any(|o| u64::from(o.active_conns) * 2 < u64::from(o.cfg.weight))
}

fn lblc_schedule(
    table: &mut BTreeMap<IpAddr, LblcEntry>,
    expiration: Duration,
    dests: &[Dest],
    daddr: IpAddr,
    now: Instant,
) -> Option<DestId> {
    // Deviation: the kernel's timer collects idle entries every 60 s (fully every 30 min); we drop an
    // entry at lookup once it has been idle for the expiration time.
    if table
        .get(&daddr)
        .is_some_and(|en| now > en.lastuse + expiration)
    {
        table.remove(&daddr);
    }
    if let Some(en) = table.get_mut(&daddr) {
        en.lastuse = now;
        if let Some(d) = find(dests, en.dest) {
            if d.cfg.weight > 0 && !locality_overloaded(d, dests) {
                return Some(d.id);
            }
        }
    }
    let dest = locality_fallback(dests)?;
    // ip_vs_lblc_new: update the entry's server, or create it.
    table
        .entry(daddr)
        .and_modify(|en| en.dest = dest)
        .or_insert(LblcEntry { dest, lastuse: now });
    Some(dest)
}

/// ip_vs_dest_set_min: weighted least connection among the set's available members.
fn set_min(set: &[DestId], dests: &[Dest]) -> Option<DestId> {
    let members: Vec<&Dest> = set.iter().filter_map(|id| find(dests, *id)).collect();
    let first = members
        .iter()
        .position(|d| !d.overloaded && d.cfg.weight > 0)?;
    let mut least = members[first];
    let mut loh = least.conn_overhead();
    for d in &members[first + 1..] {
        if d.overloaded {
            continue;
        }
        let doh = d.conn_overhead();
        if loh * i64::from(d.cfg.weight) > doh * i64::from(least.cfg.weight) {
            least = d;
            loh = doh;
        }
    }
    Some(least.id)
}

/// ip_vs_dest_set_max: weighted most connection among the set's members with weight > 0.
fn set_max(set: &[DestId], dests: &[Dest]) -> Option<DestId> {
    let members: Vec<&Dest> = set.iter().filter_map(|id| find(dests, *id)).collect();
    let first = members.iter().position(|d| d.cfg.weight > 0)?;
    let mut most = members[first];
    let mut moh = most.conn_overhead();
    for d in &members[first + 1..] {
        let doh = d.conn_overhead();
        if moh * i64::from(d.cfg.weight) < doh * i64::from(most.cfg.weight) && d.cfg.weight > 0 {
            most = d;
            moh = doh;
        }
    }
    Some(most.id)
}

fn lblcr_schedule(
    table: &mut BTreeMap<IpAddr, LblcrEntry>,
    expiration: Duration,
    dests: &[Dest],
    daddr: IpAddr,
    now: Instant,
) -> Option<DestId> {
    // Same lazy-expiry deviation as lblc.
    if table
        .get(&daddr)
        .is_some_and(|en| now > en.lastuse + expiration)
    {
        table.remove(&daddr);
    }
    if let Some(en) = table.get_mut(&daddr) {
        en.lastuse = now;
        let dest = set_min(&en.set, dests);
        // More than one member and unchanged for `expiration`: drop the most loaded one.
        if en.set.len() > 1 && now > en.lastmod + expiration {
            if let Some(m) = set_max(&en.set, dests) {
                en.set.retain(|id| *id != m);
                en.lastmod = now;
            }
        }
        if let Some(id) = dest {
            if let Some(d) = find(dests, id) {
                if !locality_overloaded(d, dests) {
                    return Some(id);
                }
            }
        }
        let dest = locality_fallback(dests)?;
        if !en.set.contains(&dest) {
            en.set.insert(0, dest);
            en.lastmod = now;
        }
        return Some(dest);
    }
    let dest = locality_fallback(dests)?;
    table.insert(
        daddr,
        LblcrEntry {
            set: vec![dest],
            lastmod: now,
            lastuse: now,
        },
    );
    Some(dest)
}

/// ip_vs_dh_assign: bucket i gets the i-th destination round robin, weights ignored.
fn dh_assign(buckets: &mut [Option<DestId>], dests: &[Dest]) {
    for (i, b) in buckets.iter_mut().enumerate() {
        *b = if dests.is_empty() {
            None
        } else {
            Some(dests[i % dests.len()].id)
        };
    }
}

/// ip_vs_sh_reassign: walk the list, each destination filling `weight` consecutive buckets (at least
/// one, even at weight 0), wrapping until all 256 are filled.
fn sh_assign(buckets: &mut [Option<DestId>], dests: &[Dest]) {
    if dests.is_empty() {
        buckets.iter_mut().for_each(|b| *b = None);
        return;
    }
    let mut p = 0usize;
    let mut d_count = 0u32;
    for b in buckets.iter_mut() {
        let d = &dests[p % dests.len()];
        *b = Some(d.id);
        d_count += 1;
        if d_count >= d.cfg.weight {
            p = (p + 1) % dests.len();
            d_count = 0;
        }
    }
}

/// ip_vs_sh_get / ip_vs_sh_get_fallback and their mh twins: look the key up; with the fallback flag,
/// probe `hash(key, offset)` for offsets starting at the first hash until an available server is found.
fn hash_table_get(
    table: &[Option<DestId>],
    dests: &[Dest],
    fallback: bool,
    size: usize,
    hash: impl Fn(u32) -> usize,
) -> Option<DestId> {
    let ihash = hash(0);
    let id = table.get(ihash).copied().flatten()?;
    let d = find(dests, id)?;
    if !is_unavailable(d) {
        return Some(id);
    }
    if !fallback {
        return None;
    }
    for offset in 0..size {
        let roffset = ((offset + ihash) % size) as u32;
        let id = table.get(hash(roffset)).copied().flatten()?;
        if let Some(d) = find(dests, id) {
            if !is_unavailable(d) {
                return Some(id);
            }
        }
    }
    None
}

/// `generate_hash_secret()` of ip_vs_mh.c: fixed keys, so tables are reproducible across boots.
const MH_HASH1: HsipKey = HsipKey([2_654_435_761, 2_654_435_761]);
const MH_HASH2: HsipKey = HsipKey([2_654_446_892, 2_654_446_892]);

/// ip_vs_mh_hashkey: `hsiphash(offset + port + ntohl(addr))` over a 32-bit value.
fn mh_hashkey(addr: IpAddr, port: u16, key: &HsipKey, offset: u32) -> u32 {
    let v = offset
        .wrapping_add(u32::from(port))
        .wrapping_add(addr_fold(addr));
    hsiphash_u32(v, key)
}

/// ip_vs_mh_gcd_weight + ip_vs_mh_shift_weight + ip_vs_mh_permutate + ip_vs_mh_populate.
fn mh_reassign(lookup: &mut [Option<DestId>], m: usize, tab_bits: u32, dests: &[Dest]) {
    let g = dests
        .iter()
        .map(|d| d.last_weight)
        .filter(|w| *w > 0)
        .fold(0u32, |g, w| if g > 0 { gcd(w, g) } else { w });
    if g < 1 {
        lookup.iter_mut().for_each(|s| *s = None);
        return;
    }
    let mw = dests.iter().map(|d| d.last_weight).max().unwrap_or(0) / g;
    // fls(mw): index of the highest set bit, 1-based.
    let fls = 32 - mw.leading_zeros();
    let rshift = fls.saturating_sub(tab_bits);

    struct Setup {
        skip: usize,
        perm: usize,
        turns: u32,
    }
    let mut setup: Vec<Setup> = dests
        .iter()
        .map(|d| {
            let offset = mh_hashkey(d.cfg.addr, d.cfg.port, &MH_HASH1, 0) as usize % m;
            let skip = mh_hashkey(d.cfg.addr, d.cfg.port, &MH_HASH2, 0) as usize % (m - 1) + 1;
            let lw = d.last_weight;
            let t = (lw / g) >> rshift;
            Setup {
                skip,
                perm: offset,
                turns: if t != 0 { t } else { u32::from(lw != 0) },
            }
        })
        .collect();

    let mut taken = vec![false; m];
    let mut n = 0usize;
    let mut dt_count = 0u32;
    while n < m {
        let mut i = 0usize;
        while i < dests.len() {
            let ds = &mut setup[i];
            if ds.turns < 1 {
                i += 1;
                continue;
            }
            let mut c = ds.perm;
            while taken[c] {
                ds.perm += ds.skip;
                if ds.perm >= m {
                    ds.perm -= m;
                }
                c = ds.perm;
            }
            taken[c] = true;
            lookup[c] = Some(dests[i].id);
            n += 1;
            if n == m {
                return;
            }
            dt_count += 1;
            if dt_count >= ds.turns {
                dt_count = 0;
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn scheduler_names_round_trip() {
        for s in Scheduler::ALL {
            assert_eq!(s.name().parse::<Scheduler>(), Ok(s));
        }
        assert!("rrr".parse::<Scheduler>().is_err());
    }

    #[test]
    fn dh_hash_is_the_kernel_multiplicative_hash() {
        // (0xc0a891c8 * 2654435761) mod 2^64, low 8 bits.
        let a = IpAddr::V4(Ipv4Addr::new(192, 168, 145, 200));
        let expect = (0xc0a8_91c8u64.wrapping_mul(2_654_435_761) & 0xff) as usize;
        assert_eq!(mult_hash(a, 0, 0), expect);
    }
}
