//! The rule engine: per-packet rules, per-virtual-router state and sequence rules, and the timeline.
//!
//! Read docs/rfc-checklist.md §2 (packet rules), §3 (timers) and §4 (sequence rules) first. This module
//! owns every decision about what is a finding and with which severity under which profile; `decode.rs`
//! and `advert.rs` only say what a frame contains. State is kept per virtual router (interface, family,
//! VRID) and per source address, in ordered containers with caps, so memory stays bounded whatever the
//! capture's length: findings that repeat are folded into one with a count.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::advert::{self, Advert, Malformed};
use crate::capture::{CaptureReader, Interface, LinkType, Next, Record};
use crate::decode::{decode, mld_records, ArpInfo, Decoded, Kind, NdInfo, Segment, VrrpFrame};
use crate::report::{
    Failover, Finding, IntervalStats, Master, NotChecked, Report, RouterReport, Severity,
    SplitBrain, Summary,
};
use crate::rules::{rfc_of, Coverage, RULES};
use crate::{CheckOptions, Event, EventKind, Profile};

const MAX_FINDINGS: usize = 10_000;
const MAX_ROUTERS: usize = 10_000;
const MAX_SOURCES: usize = 64;
const MAX_EPOCHS: usize = 10_000;
const MAX_FAILOVERS: usize = 10_000;
const MAX_FRAMES_LISTED: usize = 8;
const MAX_EXPECTATIONS: usize = 1024;
/// Memos of the last advert per (segment, source, VRID); beyond this many, new ones are not memoised.
const MAX_MEMOS: usize = 4096;
const SECOND: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

/// Concrete profiles a finding's severity is given for: `Auto` resolves to one of these per router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum P {
    R3768 = 0,
    R5798 = 1,
    R9568 = 2,
    Ka = 3,
}

impl P {
    fn name(self) -> &'static str {
        match self {
            P::R3768 => "rfc3768",
            P::R5798 => "rfc5798",
            P::R9568 => "rfc9568",
            P::Ka => "keepalived",
        }
    }
}

/// Severity of a finding under each concrete profile (`None` = not a finding there).
type Sev = [Option<Severity>; 4];

const fn all(s: Severity) -> Sev {
    [Some(s); 4]
}

/// A keepalived deviation of checklist §5: `base` under the RFC profiles, a note under `keepalived`.
const fn ka_note(base: Severity) -> Sev {
    [Some(base), Some(base), Some(base), Some(Severity::Note)]
}

use Severity::{Error as E, Note as N, Warning as W};

/// Tolerance for timing comparisons: the larger of 20 ms and a tenth of the interval. The simulator
/// jitters by nothing, but real daemons on a loaded host are scheduled late by tens of milliseconds
/// (measured on keepalived in namespaces: up to 11 ms on a skew of 41 ms), and a capture point adds its own.
fn eps(interval_ns: i64) -> i64 {
    (interval_ns / 10).max(20 * MS)
}

/// A rule ID as a number, so the findings index compares integers.
fn rule_key(rule: &str) -> usize {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in rule.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h as usize
}

/// A discriminator per source address, so one source's repeats fold together.
fn src_disc(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v) => (u32::from(v) as u64) << 8,
        IpAddr::V6(v) => {
            let x = u128::from(v);
            (((x >> 64) as u64) ^ (x as u64)).rotate_left(8)
        }
    }
}

fn mac_disc(m: &[u8; 6]) -> u64 {
    u64::from_be_bytes([0, 0, m[0], m[1], m[2], m[3], m[4], m[5]]) << 8
}

fn vmac(v6: bool, vrid: u8) -> [u8; 6] {
    // RFC 3768 §7.3, RFC 5798 §7.3: 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6).
    [0, 0, 0x5e, 0, if v6 { 2 } else { 1 }, vrid]
}

fn is_vmac(m: &[u8; 6]) -> bool {
    m[..4] == [0, 0, 0x5e, 0] && (m[4] == 1 || m[4] == 2)
}

pub(crate) fn fmt_mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

fn ms(ns: i64) -> f64 {
    // Round to the microsecond so that reports are stable and readable.
    (ns as f64 / 1000.0).round() / 1000.0
}

/// A finding folded over its repeats.
struct Agg {
    rule: &'static str,
    router: Option<usize>,
    sev: Sev,
    frame: u64,
    ts: i64,
    message: String,
    count: u64,
    frames: Vec<u64>,
}

#[derive(Default)]
struct Findings {
    /// While `Some`, the index of every finding emitted is recorded (for the repeat-advert memo).
    recording: Option<Vec<usize>>,
    list: Vec<Agg>,
    index: BTreeMap<(usize, Option<usize>, u64), usize>,
    suppressed: u64,
}

impl Findings {
    fn bump(&mut self, i: usize, frame: u64) {
        if let Some(a) = self.list.get_mut(i) {
            a.count += 1;
            if a.frames.len() < MAX_FRAMES_LISTED {
                a.frames.push(frame);
            }
        }
    }

    /// Records a finding; `disc` tells apart findings of one rule on one router that deserve their own
    /// entry (different source, different value). The message is only built for the first occurrence.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        rule: &'static str,
        router: Option<usize>,
        disc: u64,
        sev: Sev,
        frame: u64,
        ts: i64,
        message: impl FnOnce() -> String,
    ) {
        let k = (rule_key(rule), router, disc);
        if let Some(&i) = self.index.get(&k) {
            self.bump(i, frame);
            if let Some(rec) = self.recording.as_mut() {
                rec.push(i);
            }
            return;
        }
        if self.list.len() >= MAX_FINDINGS {
            self.suppressed += 1;
            // A memo could not replay this, so the advert is not memoised.
            self.recording = None;
            return;
        }
        if let Some(rec) = self.recording.as_mut() {
            rec.push(self.list.len());
        }
        self.index.insert(k, self.list.len());
        self.list.push(Agg {
            rule,
            router,
            sev,
            frame,
            ts,
            message: message(),
            count: 1,
            frames: vec![frame],
        });
    }
}

/// Gaps between adverts, bucketed so memory stays bounded: exact to the microsecond while there are few
/// distinct values, coarser (powers of two) when there are many.
#[derive(Default)]
struct Histogram {
    /// Runs of equal values are counted here before they go into the map (steady cadence is cheap).
    pending: Option<(u64, u64)>,
    buckets: BTreeMap<u64, u64>,
    shift: u32,
    n: u64,
    max: u64,
}

impl Histogram {
    fn add(&mut self, ns: i64) {
        let us = (ns.max(0) / 1000) as u64;
        self.n += 1;
        self.max = self.max.max(us);
        let k = us >> self.shift;
        match &mut self.pending {
            Some((pk, c)) if *pk == k => {
                *c += 1;
                return;
            }
            _ => {}
        }
        self.flush();
        // flush() may have coarsened the buckets.
        self.pending = Some((us >> self.shift, 1));
    }

    fn flush(&mut self) {
        let Some((k, c)) = self.pending.take() else {
            return;
        };
        *self.buckets.entry(k).or_insert(0) += c;
        if self.buckets.len() > 4096 {
            self.shift += 1;
            let old = std::mem::take(&mut self.buckets);
            for (k, c) in old {
                *self.buckets.entry(k >> 1).or_insert(0) += c;
            }
        }
    }

    fn quantile(&self, q: f64) -> u64 {
        let rank = ((self.n as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (&k, &c) in &self.buckets {
            seen += c;
            if seen >= rank {
                // Middle of the bucket when coarse.
                let lo = k << self.shift;
                return if self.shift == 0 {
                    lo
                } else {
                    lo + (1 << (self.shift - 1))
                };
            }
        }
        self.max
    }

    /// Call [`Histogram::flush`] first.
    fn stats(&self) -> Option<IntervalStats> {
        if self.n == 0 {
            return None;
        }
        let f = |us: u64| (us as f64) / 1000.0;
        Some(IntervalStats {
            median_ms: f(self.quantile(0.5)),
            p99_ms: f(self.quantile(0.99)),
            max_ms: f(self.max),
            samples: self.n,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RouterKey {
    seg: Segment,
    v6: bool,
    vrid: u8,
}

struct Epoch {
    src: usize,
    first_frame: u64,
    first_ns: i64,
    last_frame: u64,
    last_ns: i64,
    priorities: [u64; 4],
    adverts: u64,
    garps: u64,
    takeover: bool,
    resigned: bool,
}

impl Epoch {
    fn add_priority(&mut self, p: u8) {
        self.priorities[(p >> 6) as usize] |= 1 << (p & 63);
    }
    fn priority_list(&self) -> Vec<u8> {
        (0..=255u8)
            .filter(|p| self.priorities[(p >> 6) as usize] & (1 << (p & 63)) != 0)
            .collect()
    }
}

struct Source {
    ip: IpAddr,
    mac: Option<[u8; 6]>,
    last_ns: i64,
    last_frame: u64,
    last_regular_ns: Option<i64>,
    /// Time of its last advert on its own cadence: an extra advert answering another router's (keepalived
    /// answers lower-priority adverts at once without restarting its Adver_Timer) does not move it.
    cadence_ns: i64,
    last_priority: u8,
    interval_ns: i64,
    last_dst: IpAddr,
    last_csum: u16,
    last_len: usize,
    /// Open epoch (index into `Router::epochs`) while this source advertises as master.
    epoch: Option<usize>,
    /// Time of its priority-0 advert, until it advertises again.
    resigned_ns: Option<i64>,
    /// It has advertised as master (or resigned) at least once.
    was_master: bool,
    addrs: Vec<u8>,
    sent_255: bool,
    /// Times of its priority-0 adverts (bounded), for the graceful-stop event check.
    resign_times: Vec<i64>,
}

#[derive(Default)]
struct Evidence {
    real_mac: u64,
    virtual_mac: u64,
    tos_c0: u64,
    v4_adverts: u64,
    legacy_auth: u64,
    csum_pseudo: u64,
    csum_plain: u64,
    /// VRRPv2 adverts over IPv6 (outside RFC 3768; keepalived without strict_mode sends them).
    v2_over_v6: u64,
}

struct Overlap {
    start_frame: u64,
    start_ns: i64,
    last_ns: i64,
    interval_ns: i64,
    /// Each source's last advert; the window ends when the first of them stops.
    sources: BTreeMap<IpAddr, i64>,
}

struct Router {
    key: RouterKey,
    version: u8,
    versions: u8,
    first_frame: u64,
    unicast: bool,
    sources: Vec<Source>,
    epochs: Vec<Epoch>,
    hist: Histogram,
    ev: Evidence,
    adverts: u64,
    addrs: Vec<IpAddr>,
    addr_bytes: Vec<u8>,
    overlap: Option<Overlap>,
    last_advert_ns: i64,
    last_advert_src: usize,
    recent_failovers: Vec<i64>,
    /// Sum of gaps, for the cadence-vs-field check (V2-SEQ-02): (interval field in ns, count) per source.
    interval_field_ns: i64,
}

enum ExpKind {
    /// V2-SEQ-07 / V3-SEQ-05: answer another master's priority-0 advert at once.
    AnswerPrio0,
    /// V3-SEQ-07 [9568]: answer a lower-priority advert at once.
    AnswerLower,
}

struct Expect {
    router: usize,
    source: usize,
    deadline: i64,
    kind: ExpKind,
    frame: u64,
    ts: i64,
    from: IpAddr,
}

struct GarpWatch {
    router: usize,
    source: usize,
    deadline: i64,
    frame: u64,
    ts: i64,
    missing: Vec<IpAddr>,
}

/// V3-SEQ-12's MLD part: a new IPv6 master must join the solicited-node group of each virtual address.
struct MldWatch {
    router: usize,
    source: usize,
    seg: Segment,
    macs: [Option<[u8; 6]>; 2],
    deadline: i64,
    frame: u64,
    ts: i64,
    /// Low 24 bits of the virtual addresses whose group ff02::1:ffXX:XXXX was not reported yet.
    missing: Vec<u32>,
}

/// The low 24 bits of an IPv6 address: its solicited-node group is ff02::1:ff00:0/104 plus them (RFC 4291
/// §2.7.1).
fn low24(a: &Ipv6Addr) -> u32 {
    u128::from(*a) as u32 & 0x00ff_ffff
}

/// Segment, source address and VRID packed into integers (the index is searched for every advert, and
/// integer keys compare several times faster than the structs): source address, capture interface and
/// Linux ifindex, then presence bits, VLAN and VRID. The packing is exact, so keys never collide.
type MemoKey = (u128, u64, u32);

fn memo_key(seg: Segment, src: IpAddr, vrid: u8) -> MemoKey {
    let (ip, v6) = match src {
        IpAddr::V4(a) => (u32::from(a) as u128, 0),
        IpAddr::V6(a) => (u128::from(a), 1),
    };
    let a = (seg.capture_if as u64) << 32 | seg.ifindex.unwrap_or(0) as u64;
    let b = v6 << 31
        | (seg.ifindex.is_some() as u32) << 30
        | (seg.vlan.is_some() as u32) << 29
        | (seg.vlan.unwrap_or(0) as u32 & 0xfff) << 8
        | vrid as u32;
    (ip, a, b)
}

/// The per-packet outcome of the last advert of one source, replayed when the next advert is identical
/// (same L2/L3 header facts and VRRP bytes): steady-state traffic then costs a comparison.
struct Memo {
    dst: IpAddr,
    eth_src: Option<[u8; 6]>,
    eth_dst: Option<[u8; 6]>,
    ttl: u8,
    tos: u8,
    flags: u8,
    payload: Vec<u8>,
    router: usize,
    emitted: Vec<usize>,
    checksum: crate::advert::ChecksumMatch,
}

struct RecentGarp {
    seg: Segment,
    ip: IpAddr,
    mac: Option<[u8; 6]>,
    /// IPv6 source of an unsolicited NA (`None` for ARP, whose sender address is the VIP itself).
    sender: Option<IpAddr>,
    ts: i64,
    /// The (router, source, epoch) it was credited to when it was seen, if any.
    credited: Option<(usize, usize, usize)>,
}

/// Everything known while the capture streams by.
pub(crate) struct Engine<'o> {
    opts: &'o CheckOptions,
    first_ts: Option<i64>,
    packets: u64,
    vrrp_packets: u64,
    link_types: BTreeSet<LinkType>,
    last_link: Option<LinkType>,
    /// The capture has several interfaces (only then can an advert be seen forwarded, V2-PKT-18).
    multi_if: bool,
    /// One memo per (segment, source, VRID): a router that advertises several VRIDs keeps one for each.
    memos: Vec<Memo>,
    memo_index: BTreeMap<MemoKey, usize>,
    /// The memo used last, to skip the index on runs of adverts from one source.
    last_memo: Option<(MemoKey, usize)>,
    /// The last router looked up, to skip the index on runs of adverts for one router.
    last_router: Option<(RouterKey, usize)>,
    saw_l2: bool,
    saw_sll: bool,
    routers: Vec<Router>,
    router_index: BTreeMap<RouterKey, usize>,
    vip_index: BTreeMap<(Segment, IpAddr), usize>,
    findings: Findings,
    expects: Vec<Expect>,
    garp_watches: Vec<GarpWatch>,
    recent_garps: Vec<RecentGarp>,
    mld_watches: Vec<MldWatch>,
    /// Solicited-node groups currently joined, by (segment, reporter MAC, low 24 bits of the group).
    mld_joined: BTreeSet<(Segment, [u8; 6], u32)>,
    /// Segments on which the capture shows MLD reports at all (the MLD part runs only there).
    mld_segments: BTreeSet<Segment>,
    /// A takeover's MLD part could not be checked: no MLD report on its segment.
    mld_unchecked: u64,
    failovers: Vec<(usize, Failover, i64)>,
    failovers_dropped: u64,
    splits: Vec<(usize, SplitBrain, i64, i64)>,
    /// Last advert per (source, family, VRID): capture interface, time, checksum, for V2-PKT-18.
    fwd: BTreeMap<(IpAddr, u8), (u32, i64, u16)>,
    routers_dropped: u64,
    /// Timestamp of the last frame, whatever it is (the capture's end, for the liveness checks).
    last_packet_ns: i64,
}

/// Runs the checker over a stream.
pub(crate) fn run<R: Read>(
    name: &str,
    reader: R,
    opts: &CheckOptions,
) -> Result<Report, crate::ReadError> {
    let mut rd = CaptureReader::new(reader, name)?;
    let mut eng = Engine::new(opts);
    let mut frame_no = 0u64;
    loop {
        eng.multi_if = rd.interfaces().len() > 1;
        match rd.next_record()? {
            Next::Record(rec) => {
                frame_no += 1;
                eng.frame(frame_no, &rec);
            }
            Next::End => break,
            Next::Truncated { offset, need, have } => {
                let ts = eng.last_ts();
                eng.findings.emit("CAP-01", None, 0, all(E), frame_no + 1, ts, || {
                    format!(
                        "the capture ends inside record {} (byte {offset}: {have} of {need} bytes present); \
                         the {frame_no} records before it were checked",
                        frame_no + 1
                    )
                });
                break;
            }
            Next::Corrupt { offset, message } => {
                let ts = eng.last_ts();
                eng.findings.emit("CAP-02", None, 0, all(E), frame_no + 1, ts, || {
                    format!("record {} at byte {offset} is corrupt ({message}); reading stopped there", frame_no + 1)
                });
                break;
            }
        }
    }
    let interfaces = rd.interfaces().to_vec();
    Ok(eng.finish(name, &interfaces))
}

impl<'o> Engine<'o> {
    fn new(opts: &'o CheckOptions) -> Self {
        Engine {
            opts,
            first_ts: None,
            packets: 0,
            vrrp_packets: 0,
            link_types: BTreeSet::new(),
            last_link: None,
            multi_if: false,
            last_router: None,
            memos: Vec::new(),
            memo_index: BTreeMap::new(),
            last_memo: None,
            saw_l2: false,
            saw_sll: false,
            routers: Vec::new(),
            router_index: BTreeMap::new(),
            vip_index: BTreeMap::new(),
            findings: Findings::default(),
            expects: Vec::new(),
            garp_watches: Vec::new(),
            recent_garps: Vec::new(),
            mld_watches: Vec::new(),
            mld_joined: BTreeSet::new(),
            mld_segments: BTreeSet::new(),
            mld_unchecked: 0,
            failovers: Vec::new(),
            failovers_dropped: 0,
            splits: Vec::new(),
            fwd: BTreeMap::new(),
            routers_dropped: 0,
            last_packet_ns: 0,
        }
    }

    fn last_ts(&self) -> i64 {
        self.routers
            .iter()
            .map(|r| r.last_advert_ns)
            .max()
            .unwrap_or(0)
    }

    fn frame(&mut self, no: u64, rec: &Record<'_>) {
        self.packets += 1;
        let ts = rec.ts_ns;
        self.last_packet_ns = ts;
        if self.first_ts.is_none() {
            self.first_ts = Some(ts);
        }
        if !self.expects.is_empty() || !self.garp_watches.is_empty() || !self.mld_watches.is_empty()
        {
            self.expire(ts);
        }
        if self.last_link != Some(rec.link_type) {
            self.last_link = Some(rec.link_type);
            self.link_types.insert(rec.link_type);
        }
        match rec.link_type {
            LinkType::Ethernet => self.saw_l2 = true,
            LinkType::LinuxSll | LinkType::LinuxSll2 => {
                self.saw_l2 = true;
                self.saw_sll = true
            }
            LinkType::Unsupported(link) => {
                let ifc = rec.interface;
                self.findings.emit("CAP-04", None, (link as u64) << 32 | ifc as u64, all(N), no, ts, || {
                    format!("capture interface {ifc} has link type {link}, which this checker does not decode; its frames are counted but not checked")
                });
                return;
            }
            _ => {}
        }
        let d = decode(rec.link_type, rec.interface as u32, rec.data);
        let snap_cut = (rec.data.len() as u64) < rec.orig_len as u64;
        match &d.kind {
            Kind::Vrrp(v) => self.advert(no, ts, &d, v, snap_cut, rec.interface as u32),
            Kind::Arp(a) => self.arp(no, ts, &d, *a),
            Kind::Nd(n) => {
                self.v6_source(no, ts, n.src);
                self.nd(no, ts, &d, *n);
            }
            Kind::OtherIpv6 { src } => self.v6_source(no, ts, *src),
            Kind::Mld { src, icmp } => {
                self.v6_source(no, ts, *src);
                self.mld(ts, &d, icmp);
            }
            Kind::IcmpQuotingVrrp | Kind::Other => {}
        }
    }

    /// V3-PKT-24: no IPv6 interface identifier derived from a virtual MAC (RFC 5798 §7.4).
    fn v6_source(&mut self, no: u64, ts: i64, src: Ipv6Addr) {
        let o = src.octets();
        if o[8..15] == [0x02, 0x00, 0x5e, 0xff, 0xfe, 0x00, 0x02] {
            self.findings.emit("V3-PKT-24", None, u128::from(src) as u64, all(E), no, ts, || {
                format!(
                    "IPv6 source {src} has an interface identifier derived from the virtual MAC 00:00:5e:00:02:{:02x}; \
                     two routers would share it",
                    o[15]
                )
            });
        }
    }

    fn router_for(&mut self, key: RouterKey, version: u8, no: u64) -> Option<usize> {
        if let Some((k, i)) = self.last_router {
            if k == key {
                return Some(i);
            }
        }
        if let Some(&i) = self.router_index.get(&key) {
            self.last_router = Some((key, i));
            return Some(i);
        }
        if self.routers.len() >= MAX_ROUTERS {
            self.routers_dropped += 1;
            return None;
        }
        let i = self.routers.len();
        self.routers.push(Router {
            key,
            version,
            versions: 0,
            first_frame: no,
            unicast: false,
            sources: Vec::new(),
            epochs: Vec::new(),
            hist: Histogram::default(),
            ev: Evidence::default(),
            adverts: 0,
            addrs: Vec::new(),
            addr_bytes: Vec::new(),
            overlap: None,
            last_advert_ns: 0,
            last_advert_src: usize::MAX,
            recent_failovers: Vec::new(),
            interval_field_ns: 0,
        });
        self.router_index.insert(key, i);
        Some(i)
    }

    #[allow(clippy::too_many_lines)]
    fn advert(
        &mut self,
        no: u64,
        ts: i64,
        d: &Decoded<'_>,
        v: &VrrpFrame<'_>,
        snap_cut: bool,
        capture_if: u32,
    ) {
        self.vrrp_packets += 1;
        if self.findings.recording.is_some() {
            self.findings.recording = None;
        }
        let ip = v.ip;
        let v6 = ip.src.is_ipv6();
        let flags = (v.via_ah as u8)
            | (v.ipv6_ext as u8) << 1
            | (v.incomplete as u8) << 2
            | (snap_cut as u8) << 3;
        if !self.multi_if {
            let mk = memo_key(d.segment, ip.src, v.payload.get(1).copied().unwrap_or(0));
            // Runs of adverts from one source skip the index.
            let idx = match self.last_memo {
                Some((k, i)) if k == mk => Some(i),
                _ => self.memo_index.get(&mk).copied(),
            };
            if let Some(i) = idx {
                self.last_memo = Some((mk, i));
            }
            let hit = idx.and_then(|i| self.memos.get(i)).filter(|m| {
                m.payload == v.payload
                    && m.dst == ip.dst
                    && m.ttl == ip.ttl
                    && m.tos == ip.tos
                    && m.flags == flags
                    && m.eth_src == d.eth_src
                    && m.eth_dst == d.eth_dst
            });
            if let Some(m) = hit {
                let ri = m.router;
                for &fi in &m.emitted {
                    self.findings.bump(fi, no);
                }
                let csum = m.checksum;
                if let Ok(mut a) = advert::parse(v) {
                    a.checksum = csum;
                    self.evidence(ri, &a, v, d, &ip);
                    if a.kind == 1 {
                        if !self.opts.configs.is_empty() {
                            self.config_checks(no, ts, ri, &a, ip.src);
                        }
                        let c = v
                            .payload
                            .get(6..8)
                            .map(|b| u16::from_be_bytes([b[0], b[1]]))
                            .unwrap_or(0);
                        self.sequence(no, ts, ri, &a, &ip, d.eth_src, c);
                    }
                }
                return;
            }
        }
        let a = match advert::parse(v) {
            Ok(a) => a,
            Err(Malformed::TooShort(n)) => {
                let rule = if v6 { "V3-PKT-12" } else { "V2-PKT-11" };
                self.findings.emit(rule, None, n as u64, all(E), no, ts, || {
                    format!("VRRP message from {} is {n} bytes, shorter than the 8-byte fixed header", ip.src)
                });
                return;
            }
        };
        let v3 = a.version == 3 || (a.version != 2 && v6);
        let id = |v2: &'static str, v3id: &'static str| if v3 { v3id } else { v2 };
        let key = RouterKey {
            seg: d.segment,
            v6,
            vrid: a.vrid,
        };
        let Some(ri) = self.router_for(key, a.version, no) else {
            return;
        };
        let r = Some(ri);
        // Findings name the source, so each source gets its own entry.
        let sd = src_disc(ip.src);
        let f = &mut self.findings;
        let vrid = a.vrid;

        // RFC 3768 §5.3.1 / RFC 5798 §5.2.1: only versions 2 and 3 exist.
        if a.version != 2 && a.version != 3 {
            f.emit(id("V2-PKT-07", "V3-PKT-08"), r, a.version as u64, all(E), no, ts, || {
                format!("VRRP version {} from {} (only 2 and 3 exist); the advert is not interpreted", a.version, ip.src)
            });
            return;
        }
        {
            let rt = &mut self.routers[ri];
            let bit = 1u8 << a.version;
            if rt.versions != 0 && rt.versions & bit == 0 {
                // RFC 5798 §8.4: mixed v2/v3 operation is for migration only.
                f.emit("V3-SEQ-17", r, sd, all(W), no, ts, || {
                    format!(
                        "VRID {vrid} carries both VRRPv2 and VRRPv3 adverts (VRRPv{} from {}); permanent mixed operation is NOT RECOMMENDED",
                        a.version, ip.src
                    )
                });
            }
            rt.versions |= bit;
        }
        // From here on the outcome depends only on this frame's bytes: record it for the memo.
        f.recording = Some(Vec::new());
        // RFC 3768 §1: VRRPv2 is IPv4 only. keepalived accepts `version 2` with IPv6 addresses when
        // strict_mode is off (checklist §5), so under its profile this is a note.
        if a.version == 2 && v6 {
            f.emit("V2-PKT-17", r, sd, ka_note(E), no, ts, || {
                format!(
                    "VRRPv2 advert inside IPv6 from {}: RFC 3768 defines VRRP for IPv4 only (keepalived allows version 2 with IPv6 addresses without strict_mode)",
                    ip.src
                )
            });
        }
        if a.kind != 1 {
            f.emit(
                id("V2-PKT-08", "V3-PKT-09"),
                r,
                a.kind as u64,
                all(E),
                no,
                ts,
                || {
                    format!(
                        "VRRP type {} from {} (only 1 = ADVERTISEMENT is defined)",
                        a.kind, ip.src
                    )
                },
            );
        }
        if a.vrid == 0 {
            f.emit(id("V2-PKT-09", "V3-PKT-10"), r, 0, all(E), no, ts, || {
                format!("VRID 0 from {}: valid VRIDs are 1-255", ip.src)
            });
        }
        // Unicast (keepalived unicast_peer) or another multicast group (mcast_dst_ip).
        let group: IpAddr = if v6 {
            IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))
        } else {
            IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18))
        };
        let unicast = !ip.dst.is_multicast();
        if unicast {
            self.routers[ri].unicast = true;
        }
        if ip.dst != group {
            let what = if unicast { "unicast" } else { "multicast" };
            f.emit(
                id("V2-PKT-02", "V3-PKT-02"),
                r,
                unicast as u64,
                ka_note(E),
                no,
                ts,
                || {
                    format!(
                        "advert from {} sent to {what} address {} instead of {group}{}",
                        ip.src,
                        ip.dst,
                        if unicast {
                            " (keepalived unicast_peer mode)"
                        } else {
                            " (keepalived mcast_dst_ip)"
                        }
                    )
                },
            );
        }
        // RFC 3768 §5.2.3 / RFC 5798 §5.1.1.3: TTL / Hop Limit 255. keepalived unicast_ttl may differ.
        if ip.ttl != 255 {
            let sev = if unicast { ka_note(E) } else { all(E) };
            f.emit(id("V2-PKT-04", "V3-PKT-04"), r, ip.ttl as u64, sev, no, ts, || {
                format!(
                    "advert from {} has {} {} (must be 255: the advert crossed a router or the sender is wrong)",
                    ip.src,
                    if v6 { "Hop Limit" } else { "TTL" },
                    ip.ttl
                )
            });
        }
        if let Some(dst) = d.eth_dst {
            let want: [u8; 6] = if v6 {
                [0x33, 0x33, 0, 0, 0, 0x12]
            } else {
                [1, 0, 0x5e, 0, 0, 0x12]
            };
            if ip.dst == group && dst != want {
                f.emit(id("V2-PKT-03", "V3-PKT-03"), r, 0, all(E), no, ts, || {
                    format!(
                        "advert to {group} has Ethernet destination {} instead of {}",
                        fmt_mac(&dst),
                        fmt_mac(&want)
                    )
                });
            }
        }
        if let Some(src) = d.eth_src {
            let want = vmac(v6, vrid);
            if src != want {
                let sev = ka_note(E);
                let family_hint = if is_vmac(&src) && src[5] == vrid {
                    " (virtual MAC of the other address family)"
                } else if is_vmac(&src) {
                    " (virtual MAC of another VRID)"
                } else {
                    " (physical MAC: keepalived without use_vmac)"
                };
                let mac_u =
                    u64::from_be_bytes([0, 0, src[0], src[1], src[2], src[3], src[4], src[5]]);
                f.emit(id("V2-PKT-06", "V3-PKT-07"), r, mac_u, sev, no, ts, || {
                    format!(
                        "advert from {} has source MAC {}{family_hint}; must be the virtual router MAC {}",
                        ip.src,
                        fmt_mac(&src),
                        fmt_mac(&want)
                    )
                });
            }
        }
        if let IpAddr::V6(s) = ip.src {
            if (s.segments()[0] & 0xffc0) != 0xfe80 {
                f.emit("V3-PKT-06", r, sd, all(E), no, ts, || {
                    format!("IPv6 advert from {s}: the source must be the interface's link-local address (fe80::/10)")
                });
            }
        }
        if v.via_ah {
            let sev = if v3 { all(E) } else { ka_note(W) };
            f.emit(id("V2-PKT-01", "V3-PKT-01"), r, 1, sev, no, ts, || {
                format!(
                    "advert from {} is carried inside IP AH (protocol 51): RFC 2338 authentication type 2, removed by RFC 3768{}",
                    ip.src,
                    if v3 { " and never part of VRRPv3" } else { " (keepalived auth_type AH)" }
                )
            });
        }
        if v.ipv6_ext {
            f.emit("V3-PKT-01", r, sd ^ 2_u64, all(N), no, ts, || {
                format!(
                    "IPv6 advert from {} carries extension headers before VRRP",
                    ip.src
                )
            });
        }

        // Length arithmetic: RFC 3768 §5.3.5 (16 + 4n), RFC 5798 §5.2.5 (8 + 4n / 8 + 16n).
        let complete = !snap_cut && !v.incomplete;
        if snap_cut {
            f.emit("CAP-03", r, sd, all(N), no, ts, || {
                format!("VRRP frame from {} was cut by the capture's snap length; its length and checksum are not checked", ip.src)
            });
        } else if v.incomplete {
            f.emit(id("V2-PKT-11", "V3-PKT-12"), r, 1, all(E), no, ts, || {
                format!(
                    "advert from {}: the IP length field claims more bytes than the frame carries",
                    ip.src
                )
            });
        } else if a.keepalived_v2_v6_len == Some(a.actual_len) {
            // keepalived's VRRPv2 over IPv6 has no authentication trailer (vrrp.c `vrrp_pkt_len`); the
            // strict reading of RFC 3768 §5.3.5 wants 16 + 16n.
            f.emit("V2-PKT-11", r, 4, ka_note(E), no, ts, || {
                format!(
                    "VRRPv2 advert over IPv6 from {} is {} bytes for Count {}: keepalived's form without the 8-byte authentication trailer (RFC 3768's layout would be {} bytes)",
                    ip.src, a.actual_len, a.count, a.expected_len
                )
            });
        } else if a.actual_len != a.expected_len {
            let trailer = v3 && a.actual_len == a.expected_len + 8;
            f.emit(id("V2-PKT-11", "V3-PKT-12"), r, 2, all(E), no, ts, || {
                format!(
                    "advert from {} has Count {} which needs a {}-byte message, but the message is {} bytes{}",
                    ip.src,
                    a.count,
                    a.expected_len,
                    a.actual_len,
                    if trailer { " (a VRRPv2-style 8-byte authentication trailer on a v3 advert)" } else { "" }
                )
            });
        }
        if a.count == 0 {
            let sev = if v3 { ka_note(E) } else { ka_note(W) };
            f.emit(id("V2-PKT-11", "V3-PKT-12"), r, 3, sev, no, ts, || {
                format!(
                    "advert from {} has Count 0 (no virtual addresses){}",
                    ip.src,
                    if v3 {
                        "; RFC 5798 §5.2.5 says the minimum is 1 and RFC 9568 receivers ignore it"
                    } else {
                        ""
                    }
                )
            });
        }
        if a.version == 2 {
            // RFC 3768 §5.3.6: types 1 and 2 are reserved for RFC 2338 compatibility only.
            match a.auth_type {
                0 => {
                    if let Some(ad) = a.auth_data {
                        if ad.iter().any(|b| *b != 0) {
                            f.emit("V2-PKT-13", r, sd, all(W), no, ts, || {
                                format!("advert from {} has Auth Type 0 but non-zero Authentication Data", ip.src)
                            });
                        }
                    }
                }
                1 | 2 => {
                    f.emit("V2-PKT-12", r, sd ^ (a.auth_type as u64) as u64, ka_note(W), no, ts, || {
                        format!(
                            "advert from {} uses Auth Type {} ({}), RFC 2338 legacy authentication removed by RFC 3768{}",
                            ip.src,
                            a.auth_type,
                            if a.auth_type == 1 { "simple text password" } else { "IP AH" },
                            if a.auth_type == 1 { " (keepalived auth_type PASS)" } else { " (keepalived auth_type AH)" }
                        )
                    });
                }
                t => {
                    f.emit("V2-PKT-12", r, sd ^ (t as u64), all(E), no, ts, || {
                        format!("advert from {} uses unknown Auth Type {t} (254 is Cisco's proprietary MD5)", ip.src)
                    });
                }
            }
        }
        if a.interval_raw == 0 {
            f.emit(id("V2-PKT-14", "V3-PKT-14"), r, 0, all(E), no, ts, || {
                format!(
                    "advert from {} has an advertisement interval of 0; backups would time out at once{}",
                    ip.src,
                    if v3 { " (RFC 9568 erratum 8301)" } else { "" }
                )
            });
        }
        if v3 && a.reserved != 0 {
            f.emit("V3-PKT-13", r, sd, all(E), no, ts, || {
                format!(
                    "advert from {} has reserved bits {:#x}; they must be zero on transmit",
                    ip.src, a.reserved
                )
            });
        }
        // Checksum: RFC 3768 §5.3.8 (no pseudo-header); RFC 5798 §5.2.8 (pseudo-header, also for IPv4 in the
        // literal reading); RFC 9568 §5.2.8 (IPv4 without pseudo-header).
        let mut a = a;
        a.checksum = advert::checksums(v, a.version);
        if complete {
            let c = a.checksum;
            if !v3 && c.pseudo {
                // Only possible for VRRPv2 over IPv6 (see advert::checksums): keepalived's kernel checksum.
                f.emit("V2-PKT-15", r, sd ^ 1, ka_note(E), no, ts, || {
                    format!(
                        "VRRPv2 advert over IPv6 from {} computes its checksum with the IPv6 pseudo-header (keepalived leaves it to the kernel, IPV6_CHECKSUM); RFC 3768 §5.3.8 uses no pseudo-header",
                        ip.src
                    )
                });
            } else if !v3 {
                if !c.plain {
                    f.emit("V2-PKT-15", r, sd, all(E), no, ts, || {
                        format!("advert from {} has a bad checksum (RFC 3768: over the VRRP message, no pseudo-header)", ip.src)
                    });
                }
            } else if v6 {
                if !c.pseudo {
                    f.emit("V3-PKT-15", r, sd, all(E), no, ts, || {
                        format!("IPv6 advert from {} has a bad checksum (pseudo-header of RFC 8200 §8.1, next header 112)", ip.src)
                    });
                }
            } else {
                if c.pseudo {
                    f.emit("V3-PKT-15", r, sd ^ 1_u64, [None, None, Some(E), None], no, ts, || {
                        format!(
                            "advert from {} computes its checksum with the IPv4 pseudo-header (RFC 5798 literal reading); RFC 9568 §5.2.8 computes it over the VRRP message only",
                            ip.src
                        )
                    });
                } else if c.plain {
                    f.emit("V3-PKT-15", r, sd ^ 2_u64, [Some(E), Some(E), None, Some(N)], no, ts, || {
                        format!(
                            "advert from {} computes its checksum without the IPv4 pseudo-header (RFC 9568 form); RFC 5798 §5.2.8 includes the pseudo-header",
                            ip.src
                        )
                    });
                } else {
                    f.emit("V3-PKT-15", r, sd, all(E), no, ts, || {
                        format!("advert from {} has a bad checksum (matches neither the RFC 5798 nor the RFC 9568 form)", ip.src)
                    });
                }
            }
        }
        // Priority semantics: RFC 3768 §5.3.4, RFC 5798 §5.2.4; source address: §5.2.1 / §5.1.1.1.
        let src_is_vip = a.addresses().any(|x| x == ip.src);
        if a.priority == 255 && !src_is_vip {
            f.emit(id("V2-PKT-10", "V3-PKT-11"), r, 255, all(E), no, ts, || {
                format!(
                    "priority 255 (address owner) from {}, which is not one of the advertised addresses; only the owner of the virtual addresses may use 255",
                    ip.src
                )
            });
        }
        if a.priority != 255 && a.priority != 0 && src_is_vip {
            f.emit(id("V2-PKT-05", "V3-PKT-05"), r, 0, all(E), no, ts, || {
                format!(
                    "advert from virtual address {} with priority {}: a non-owner must send from its primary address",
                    ip.src, a.priority
                )
            });
        }
        if v3 {
            for (i, x) in a.addresses().enumerate() {
                let bad = match x {
                    IpAddr::V4(x) => x.is_unspecified() || x.is_multicast() || x.is_broadcast(),
                    IpAddr::V6(x) => {
                        x.is_unspecified() || x.is_multicast() || x.to_ipv4_mapped().is_some()
                    }
                };
                if bad {
                    f.emit("V3-PKT-16", r, sd ^ (i as u64), all(E), no, ts, || {
                        format!(
                            "advert from {} lists {x}, which cannot be a virtual {} address",
                            ip.src,
                            if v6 { "IPv6" } else { "IPv4" }
                        )
                    });
                }
                if i == 0 {
                    if let IpAddr::V6(x6) = x {
                        if (x6.segments()[0] & 0xffc0) != 0xfe80 {
                            // RFC 5798 §5.2.9 lowercase must, RFC 9568 MUST (erratum 8300).
                            f.emit("V3-PKT-17", r, sd, [Some(W), Some(W), Some(E), Some(N)], no, ts, || {
                                format!("IPv6 advert from {}: the first address {x6} is not link-local", ip.src)
                            });
                        }
                    }
                }
            }
        }

        // V2-PKT-18 / V3-PKT-19: the same advert on a second capture interface means a router forwarded it.
        let fkey = (ip.src, a.vrid);
        let csum = v
            .payload
            .get(6..8)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .unwrap_or(0);
        let fwd_check = self.multi_if;
        if let Some(&(pif, pts, pcs)) = self.fwd.get(&fkey).filter(|_| fwd_check) {
            if pif != capture_if && pcs == csum && (ts - pts).abs() < 2 * MS {
                f.emit(id("V2-PKT-18", "V3-PKT-19"), r, 0, all(E), no, ts, || {
                    format!(
                        "advert from {} VRID {vrid} seen on capture interfaces {pif} and {capture_if}: adverts to {group} must never be forwarded",
                        ip.src
                    )
                });
            }
        }
        if fwd_check && (self.fwd.len() < 65_536 || self.fwd.contains_key(&fkey)) {
            self.fwd.insert(fkey, (capture_if, ts, csum));
        }

        if let Some(emitted) = self.findings.recording.take() {
            let mk = memo_key(d.segment, ip.src, a.vrid);
            let memo = Memo {
                dst: ip.dst,
                eth_src: d.eth_src,
                eth_dst: d.eth_dst,
                ttl: ip.ttl,
                tos: ip.tos,
                flags,
                payload: v.payload.to_vec(),
                router: ri,
                emitted,
                checksum: a.checksum,
            };
            match self.memo_index.get(&mk) {
                Some(&i) => self.memos[i] = memo,
                None if self.memos.len() < MAX_MEMOS => {
                    self.memo_index.insert(mk, self.memos.len());
                    self.memos.push(memo);
                }
                None => {}
            }
        }
        self.evidence(ri, &a, v, d, &ip);
        if a.kind != 1 {
            return;
        }
        if !self.opts.configs.is_empty() {
            self.config_checks(no, ts, ri, &a, ip.src);
        }
        self.sequence(no, ts, ri, &a, &ip, d.eth_src, csum);
    }

    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn sequence(
        &mut self,
        no: u64,
        ts: i64,
        ri: usize,
        a: &Advert<'_>,
        ip: &crate::decode::IpInfo,
        eth_src: Option<[u8; 6]>,
        csum: u16,
    ) {
        let v3 = a.version == 3;
        let id = |v2: &'static str, v3id: &'static str| if v3 { v3id } else { v2 };
        let first_ts = self.first_ts.unwrap_or(ts);
        let interval = if a.interval_ns > 0 {
            a.interval_ns
        } else {
            SECOND
        };
        let e = eps(interval);
        let r = Some(ri);
        let l2 = self.saw_l2;
        let rt = &mut self.routers[ri];
        let key = rt.key;

        // The source's state.
        let si = match rt.sources.iter().position(|s| s.ip == ip.src) {
            Some(i) => i,
            None => {
                if rt.sources.len() >= MAX_SOURCES {
                    return;
                }
                rt.sources.push(Source {
                    ip: ip.src,
                    mac: eth_src,
                    last_ns: i64::MIN,
                    last_frame: 0,
                    last_regular_ns: None,
                    cadence_ns: i64::MIN,
                    last_priority: 0,
                    interval_ns: interval,
                    last_dst: ip.dst,
                    last_csum: 0,
                    last_len: 0,
                    epoch: None,
                    resigned_ns: None,
                    was_master: false,
                    addrs: Vec::new(),
                    sent_255: false,
                    resign_times: Vec::new(),
                });
                rt.sources.len() - 1
            }
        };
        // A unicast advert repeated to further peers is one advertisement, not a new one.
        {
            let s = &rt.sources[si];
            if s.last_ns != i64::MIN
                && ts - s.last_ns < 10 * MS
                && s.last_dst != ip.dst
                && s.last_csum == csum
                && s.last_len == a.actual_len
            {
                let s = &mut rt.sources[si];
                s.last_dst = ip.dst;
                return;
            }
        }
        rt.adverts += 1;
        if rt.addrs.is_empty() && a.priority != 0 {
            rt.addrs = a.addresses().collect();
            rt.addr_bytes = a.addrs.to_vec();
        }

        // Pending expectations this advert satisfies.
        let mut satisfied_lower = Vec::new();
        if !self.expects.is_empty() {
            self.expects.retain(|x| {
                if x.router == ri && x.source == si && ts <= x.deadline {
                    if let ExpKind::AnswerLower = x.kind {
                        satisfied_lower.push(x.from);
                    }
                    false
                } else {
                    true
                }
            });
        }
        for from in satisfied_lower {
            self.findings.emit("V3-SEQ-07", r, 1, [None, Some(N), None, Some(N)], no, ts, || {
                format!(
                    "master {} answered a lower-priority advert from {from} at once (RFC 9568 behaviour; RFC 5798 says discard it, keepalived does this by default)",
                    ip.src
                )
            });
        }

        let rt = &mut self.routers[ri];
        {
            let s = &mut rt.sources[si];
            s.last_dst = ip.dst;
            s.last_csum = csum;
            s.last_len = a.actual_len;
            if s.mac.is_none() {
                s.mac = eth_src;
            }
        }

        // Address-list consistency between routers: COM-02 (different set), COM-04 (different order).
        if a.priority != 0 && rt.addr_bytes != a.addrs && !rt.addr_bytes.is_empty() {
            let mut mine: Vec<IpAddr> = a.addresses().collect();
            let mut theirs = rt.addrs.clone();
            let same_order = mine == theirs;
            mine.sort();
            theirs.sort();
            let same_set = mine == theirs;
            if !same_order {
                if same_set {
                    self.findings.emit("COM-04", r, si as u64, all(N), no, ts, || {
                        format!("{} advertises the same addresses as the first advertiser of VRID {} but in a different order", ip.src, key.vrid)
                    });
                } else {
                    self.findings.emit("COM-02", r, si as u64, all(W), no, ts, || {
                        format!(
                            "{} advertises {} for VRID {} but the first advertiser sent {}: the routers are configured differently",
                            ip.src,
                            a.addresses().map(|x| x.to_string()).collect::<Vec<_>>().join(", "),
                            key.vrid,
                            theirs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
                        )
                    });
                }
            }
        }
        // Keep the virtual-address index current for GARP/NA attribution.
        let rt = &mut self.routers[ri];
        if a.priority != 0 && rt.sources[si].addrs != a.addrs {
            rt.sources[si].addrs = a.addrs.to_vec();
            for x in a.addresses() {
                if self.vip_index.len() < 65_536 || self.vip_index.contains_key(&(key.seg, x)) {
                    self.vip_index.insert((key.seg, x), ri);
                }
            }
        }
        let rt = &mut self.routers[ri];

        // Adverts after a priority-0 advert: RFC 3768 §6.4.3 / RFC 5798 §6.4.3 (go to Initialize).
        if a.priority != 0 {
            if let Some(t0) = rt.sources[si].resigned_ns {
                if ts - t0 < 3 * interval {
                    self.findings.emit(id("V2-SEQ-06", "V3-SEQ-04"), r, si as u64, all(E), no, ts, || {
                        format!(
                            "{} advertised again {:.1} ms after its priority-0 advert; a router that resigns must go to Initialize",
                            ip.src,
                            ms(ts - t0)
                        )
                    });
                }
            }
        }
        let rt = &mut self.routers[ri];

        let on_schedule = |s: &Source, t: i64| {
            s.epoch.is_some()
                && s.resigned_ns.is_none()
                && t - s.last_ns <= s.interval_ns + eps(s.interval_ns)
        };

        if a.priority == 0 {
            let others_master: Option<usize> = rt
                .sources
                .iter()
                .enumerate()
                .find(|(i, s)| *i != si && on_schedule(s, ts))
                .map(|(i, _)| i);
            let s = &mut rt.sources[si];
            let had_epoch = s.epoch.is_some() && s.resigned_ns.is_none();
            if had_epoch {
                if let Some(ep) = s.epoch.and_then(|i| rt.epochs.get_mut(i)) {
                    ep.resigned = true;
                    ep.add_priority(0);
                }
            } else if let Some(m) = others_master {
                let mip = rt.sources[m].ip;
                self.findings.emit(
                    id("V2-SEQ-06", "V3-SEQ-04"),
                    r,
                    1000 + si as u64,
                    all(E),
                    no,
                    ts,
                    || {
                        format!(
                            "priority-0 advert from {}, which was not master ({mip} was)",
                            ip.src
                        )
                    },
                );
            }
            let s = &mut rt.sources[si];
            s.resigned_ns = Some(ts);
            if s.resign_times.len() < 256 {
                s.resign_times.push(ts);
            }
            s.last_ns = ts;
            s.last_frame = no;
            s.last_priority = 0;
            s.interval_ns = interval;
            s.was_master = true;
            rt.last_advert_ns = ts;
            rt.last_advert_src = si;
            // RFC 3768 §6.4.3 / RFC 5798 §6.4.3: a master that receives priority 0 sends an advert at once.
            if let Some(m) = others_master {
                if self.expects.len() < MAX_EXPECTATIONS {
                    self.expects.push(Expect {
                        router: ri,
                        source: m,
                        deadline: ts + e,
                        kind: ExpKind::AnswerPrio0,
                        frame: no,
                        ts,
                        from: ip.src,
                    });
                }
            }
            return;
        }

        // The new advertiser's state before this advert, for the liveness side of the takeover rules.
        let (b_prev_ns, b_prev_resigned) =
            (rt.sources[si].last_ns, rt.sources[si].resigned_ns.is_some());
        let new_epoch = {
            let s = &rt.sources[si];
            s.epoch.is_none()
                || s.resigned_ns.is_some()
                || ts - s.last_ns > 3 * s.interval_ns + SECOND
        };
        let mut answer = false;
        if new_epoch {
            // Previous master: the other source that advertised (or resigned) most recently.
            let prev = rt
                .sources
                .iter()
                .enumerate()
                .filter(|(i, s)| *i != si && s.was_master)
                .max_by_key(|(_, s)| s.last_ns)
                .map(|(i, _)| i);
            let had_any_epoch = !rt.epochs.is_empty() || prev.is_some();
            let takeover = had_any_epoch || ts - first_ts > interval + e;
            if rt.epochs.len() < MAX_EPOCHS {
                rt.epochs.push(Epoch {
                    src: si,
                    first_frame: no,
                    first_ns: ts,
                    last_frame: no,
                    last_ns: ts,
                    priorities: [0; 4],
                    adverts: 0,
                    garps: 0,
                    takeover,
                    resigned: false,
                });
                rt.sources[si].epoch = Some(rt.epochs.len() - 1);
            } else {
                rt.sources[si].epoch = None;
            }
            if let Some(p) = prev {
                let ps = &rt.sources[p];
                let gap = ts - ps.last_ns;
                let resigned = ps.resigned_ns.is_some();
                let fo = Failover {
                    interface: String::new(),
                    family: if key.v6 { "ipv6" } else { "ipv4" },
                    vrid: key.vrid,
                    from: ps.ip.to_string(),
                    to: ip.src.to_string(),
                    gap_ms: ms(gap),
                    since_last_regular_ms: ms(ts - ps.last_regular_ns.unwrap_or(ps.last_ns)),
                    resigned,
                    frame: no,
                    time: 0.0,
                };
                let (p_prio, p_ip, p_interval, p_last) =
                    (ps.last_priority, ps.ip, ps.interval_ns, ps.last_ns);
                let p_regular_prio = rt
                    .epochs
                    .iter()
                    .rev()
                    .find(|ep| ep.src == p)
                    .and_then(|ep| ep.priority_list().into_iter().filter(|x| *x != 0).max());
                let prio_b = a.priority as i64;
                // Skew_Time: v2 (256 - p)/256 s (RFC 3768 §6.1); v3 ((256 - p) * MAI)/256 (RFC 5798 §6.1).
                let mai = if v3 { p_interval } else { interval };
                let skew = if v3 {
                    (256 - prio_b) * mai / 256
                } else {
                    (256 - prio_b) * SECOND / 256
                };
                let mdi = 3 * mai + skew;
                if resigned {
                    // RFC 3768 §6.4.2 / RFC 5798 §6.4.2: after priority 0 the backup waits Skew_Time only.
                    if gap <= mdi + e && (gap - skew).abs() > eps(mai) {
                        let te = eps(mai);
                        self.findings.emit(id("V2-SEQ-05", "V3-SEQ-03"), r, si as u64, all(E), no, ts, || {
                            format!(
                                "{} took over {:.1} ms after {p_ip}'s priority-0 advert; with priority {} Skew_Time is {:.1} ms (±{:.1} ms)",
                                ip.src,
                                ms(gap),
                                prio_b,
                                ms(skew),
                                ms(te)
                            )
                        });
                    }
                } else {
                    let old_prio = p_regular_prio.unwrap_or(p_prio) as i64;
                    let beats = prio_b > old_prio || (prio_b == old_prio && ip.src > p_ip);
                    // RFC 3768 §6.4.2 / RFC 5798 §6.4.2: with Preempt_Mode False a backup never takes over from a
                    // live master (the owner always preempts).
                    let nopreempt = Self::instance(self.opts, ip.src, key.v6, key.vrid)
                        .and_then(|(_, i)| i)
                        .is_some_and(|i| i.nopreempt && i.effective_priority() != 255);
                    if beats && nopreempt && gap <= p_interval + eps(p_interval) {
                        self.findings.emit(id("V2-SEQ-10", "V3-SEQ-08"), r, si as u64, all(E), no, ts, || {
                            format!(
                                "{} (priority {prio_b}) took over from {p_ip}, whose adverts were on time, although its config says nopreempt",
                                ip.src
                            )
                        });
                    }
                    // A partition explains a "premature" takeover: the backup never heard the adverts we see.
                    let fault = fault_between(&self.opts.events, ts - mdi - SECOND, ts);
                    // Liveness (RFC 3768 §6.4.2 / RFC 5798 §6.4.2): a live backup takes over once its
                    // Master_Down_Timer expires. Only a backup known to have run before the master went
                    // silent can be late; the event log says whether it stayed up and connected.
                    let seen_before =
                        b_prev_ns != i64::MIN && b_prev_ns < p_last && !b_prev_resigned;
                    if gap > mdi + e && seen_before && fault.is_none() {
                        let events = &self.opts.events;
                        let known = knows_node(events, ip.src);
                        let sev = if !known {
                            Some(all(W))
                        } else if lifecycle_between(events, ip.src, b_prev_ns, ts) {
                            None
                        } else {
                            Some(all(E))
                        };
                        if let Some(sev) = sev {
                            let why = if !known {
                                "; without the event log the checker cannot tell whether it was down or cut off"
                            } else {
                                ", although the event log shows it running and connected"
                            };
                            self.findings.emit(id("V2-SEQ-03", "V3-SEQ-02"), r, (1 << 40) | si as u64, sev, no, ts, || {
                                format!(
                                    "late takeover: {} (priority {prio_b}, last seen advertising {:.1} ms earlier) took over {:.1} ms after {p_ip}'s last advert; Master_Down_Interval is {:.1} ms (±{:.1} ms){why}",
                                    ip.src,
                                    ms(p_last - b_prev_ns),
                                    ms(gap),
                                    ms(mdi),
                                    ms(e)
                                )
                            });
                        }
                    }
                    if !beats && gap < mdi - e && fault.is_none() {
                        // RFC 3768 §6.1 / RFC 5798 §6.4.2: Master_Down_Interval must expire first.
                        self.findings.emit(id("V2-SEQ-03", "V3-SEQ-02"), r, si as u64, all(E), no, ts, || {
                            format!(
                                "{} (priority {}) took over {:.1} ms after {p_ip}'s last advert; Master_Down_Interval is {:.1} ms",
                                ip.src,
                                prio_b,
                                ms(gap),
                                ms(mdi)
                            )
                        });
                    }
                }
                if self.failovers.len() < MAX_FAILOVERS {
                    self.failovers.push((ri, fo, ts));
                } else {
                    self.failovers_dropped += 1;
                }
                // V3-SEQ-22 [9568 §2.5]: flapping.
                let rt = &mut self.routers[ri];
                // Flapping: three master changes within ten Master_Down_Intervals (about 40 intervals).
                let window = 40 * interval;
                rt.recent_failovers.retain(|t| ts - t < window);
                if rt.recent_failovers.len() >= 16 {
                    rt.recent_failovers.remove(0);
                }
                rt.recent_failovers.push(ts);
                if v3 && rt.recent_failovers.len() >= 3 {
                    let excused = self
                        .opts
                        .events
                        .iter()
                        .any(|ev| (ev.time_ns - ts).abs() < window);
                    if !excused {
                        let n = rt.recent_failovers.len();
                        self.findings.emit("V3-SEQ-22", r, 0, all(W), no, ts, || {
                            format!(
                                "VRID {} changed master {n} times within {:.1} s: flapping (check for queueing delay or loss of adverts)",
                                key.vrid,
                                window as f64 / 1e9
                            )
                        });
                    }
                }
            }
            let rt = &mut self.routers[ri];
            // RFC 3768 §6.4.2 / RFC 5798 §6.4.2: a new master sends a GARP / unsolicited NA per address.
            if takeover && l2 {
                let mut missing: Vec<IpAddr> = a.addresses().collect();
                let vm = vmac(key.v6, key.vrid);
                let mac = rt.sources[si].mac;
                let mut early = 0;
                let my_ep = rt.sources[si].epoch;
                let sources_ips: Vec<IpAddr> = rt.sources.iter().map(|s| s.ip).collect();
                for g in &mut self.recent_garps {
                    if g.seg == key.seg
                        // Some stacks (FRR) send their GARP/NA just before the first advert.
                        && g.ts >= ts - SECOND
                        && (g.mac == mac || g.mac == Some(vm))
                    {
                        // An NA whose source address names another router of this VRID is that router's.
                        if g.sender
                            .is_some_and(|x| x != ip.src && sources_ips.contains(&x))
                        {
                            continue;
                        }
                        if let Some(pos) = missing.iter().position(|x| *x == g.ip) {
                            missing.swap_remove(pos);
                        }
                        if !a.addresses().any(|x| x == g.ip) {
                            continue;
                        }
                        // With a shared virtual MAC (use_vmac) the GARP was credited to the master of the
                        // moment; it announces this takeover, so it moves here.
                        match g.credited {
                            Some((gr, gs, _)) if gr == ri && gs == si => continue,
                            Some((gr, _, gep)) if gr == ri => {
                                if let Some(ep) = rt.epochs.get_mut(gep) {
                                    ep.garps = ep.garps.saturating_sub(1);
                                }
                            }
                            _ => {}
                        }
                        early += 1;
                        g.credited = my_ep.map(|e| (ri, si, e));
                    }
                }
                if let Some(ep) = my_ep.and_then(|i| rt.epochs.get_mut(i)) {
                    ep.garps += early;
                }
                if self.garp_watches.len() < MAX_EXPECTATIONS {
                    self.garp_watches.push(GarpWatch {
                        router: ri,
                        source: si,
                        deadline: ts + SECOND + e,
                        frame: no,
                        ts,
                        missing,
                    });
                }
            }
            // RFC 5798 §6.4.2: an IPv6 master joins the solicited-node group of each address; the MLD
            // report shows it (checked where the capture carries MLD at all).
            let rt = &self.routers[ri];
            if takeover && l2 && key.v6 {
                let macs = [rt.sources[si].mac, Some(vmac(true, key.vrid))];
                let mut missing: Vec<u32> = a
                    .addresses()
                    .filter_map(|x| match x {
                        IpAddr::V6(x) => Some(low24(&x)),
                        IpAddr::V4(_) => None,
                    })
                    .collect();
                missing.sort_unstable();
                missing.dedup();
                missing.retain(|g| {
                    !macs
                        .iter()
                        .flatten()
                        .any(|m| self.mld_joined.contains(&(key.seg, *m, *g)))
                });
                if !missing.is_empty() && self.mld_watches.len() < MAX_EXPECTATIONS {
                    self.mld_watches.push(MldWatch {
                        router: ri,
                        source: si,
                        seg: key.seg,
                        macs,
                        deadline: ts + SECOND + e,
                        frame: no,
                        ts,
                        missing,
                    });
                }
            }
            let rt = &mut self.routers[ri];
            rt.sources[si].resigned_ns = None;
        } else {
            // Cadence within an epoch: RFC 3768 §6.4.3 / RFC 5798 §6.4.3.
            let s = &rt.sources[si];
            let delta = ts - s.last_ns;
            let other_between = rt.last_advert_src != si && rt.last_advert_ns >= s.last_ns;
            answer = other_between && delta < interval - e;
            if !other_between {
                rt.hist.add(delta);
            }
            let prev_frame = s.last_frame;
            if delta > interval + e {
                // Half an interval late means an advert was missed (an error); less is scheduling jitter
                // worth a warning.
                let missed = delta > interval + interval / 2;
                let sev = if missed { all(E) } else { all(W) };
                self.findings.emit(id("V2-SEQ-01", "V3-SEQ-01"), r, 2 * si as u64 + ((missed as u64) << 32), sev, no, ts, || {
                    format!(
                        "master {} sent an advert {:.1} ms after its previous one (frame {prev_frame}); its interval is {:.1} ms",
                        ip.src,
                        ms(delta),
                        ms(interval)
                    )
                });
            } else if delta < interval - e
                && !other_between
                && ts.saturating_sub(s.cadence_ns) < interval - e
            {
                // Early both from the previous advert and from the cadence it kept before an answer: an
                // implementation may or may not restart its timer after answering (RFC 9568 §6.4.3 vs keepalived).
                self.findings.emit(id("V2-SEQ-01", "V3-SEQ-01"), r, 2 * si as u64 + 1, all(E), no, ts, || {
                    format!(
                        "master {} sent an advert only {:.1} ms after its previous one (frame {prev_frame}) with nothing to answer; its interval is {:.1} ms",
                        ip.src,
                        ms(delta),
                        ms(interval)
                    )
                });
            }
        }
        let rt = &mut self.routers[ri];
        rt.interval_field_ns = interval;
        {
            let s = &mut rt.sources[si];
            s.last_ns = ts;
            s.last_frame = no;
            s.last_regular_ns = Some(ts);
            if !answer {
                s.cadence_ns = ts;
            }
            s.last_priority = a.priority;
            s.interval_ns = interval;
            s.was_master = true;
            if let Some(ep) = s.epoch.and_then(|i| rt.epochs.get_mut(i)) {
                ep.last_frame = no;
                ep.last_ns = ts;
                ep.adverts += 1;
                ep.add_priority(a.priority);
            }
        }
        rt.last_advert_ns = ts;
        rt.last_advert_src = si;

        // Two owners: RFC 5798 §8.3.2 (should), RFC 9568: log it.
        if a.priority == 255 {
            let other_255 = rt
                .sources
                .iter()
                .enumerate()
                .any(|(i, s)| i != si && s.sent_255);
            rt.sources[si].sent_255 = true;
            if v3 && other_255 {
                self.findings.emit("V3-SEQ-18", r, 0, ka_note(W), no, ts, || {
                    format!("two sources advertise priority 255 for VRID {} ({} is the second): only one router may own the addresses", key.vrid, ip.src)
                });
            }
        }

        // Who else is advertising on schedule right now?
        let rt = &self.routers[ri];
        let me = &rt.sources[si];
        let my_epoch_first = me
            .epoch
            .and_then(|i| rt.epochs.get(i))
            .map(|ep| ep.first_ns)
            .unwrap_or(ts);
        let mut others: Vec<(usize, IpAddr, u8, i64, i64)> = Vec::new();
        for (i, s) in rt.sources.iter().enumerate() {
            if i != si && on_schedule(s, ts) {
                let first = s
                    .epoch
                    .and_then(|x| rt.epochs.get(x))
                    .map(|ep| ep.first_ns)
                    .unwrap_or(s.last_ns);
                others.push((i, s.ip, s.last_priority, first, s.interval_ns));
            }
        }
        for &(wi, wip, wprio, wfirst, _) in &others {
            let beats = wprio > a.priority || (wprio == a.priority && wip > ip.src);
            if !beats {
                continue;
            }
            // The loser keeps advertising after the winner's advert has had time to arrive.
            if ts > wfirst + e && fault_between(&self.opts.events, wfirst - SECOND, ts).is_none() {
                let (rule, what) = if my_epoch_first <= wfirst {
                    if wprio > a.priority {
                        (
                            id("V2-SEQ-08", "V3-SEQ-06"),
                            "a master must become Backup on a higher-priority advert",
                        )
                    } else {
                        (id("V2-SEQ-09", "V3-SEQ-06"), "on equal priority the router with the lower address must become Backup")
                    }
                } else if !v3 && my_epoch_first - wfirst < 3 * interval + SECOND {
                    ("V2-SEQ-04", "a lower-priority backup must stay silent once the higher-priority backup has taken over")
                } else {
                    (
                        id("V2-SEQ-12", "V3-SEQ-11"),
                        "a backup must not advertise while a better master advertises on time",
                    )
                };
                self.findings.emit(rule, r, (si as u64) << 16 | wi as u64, all(E), no, ts, || {
                    format!(
                        "{} (priority {}) kept advertising while {wip} (priority {wprio}) was master: {what}",
                        ip.src, a.priority
                    )
                });
            }
            // RFC 9568 §6.4.3: a master that receives a lower-priority advert sends an advert at once.
            if v3
                && self.expects.len() < MAX_EXPECTATIONS
                && !self
                    .expects
                    .iter()
                    .any(|x| x.router == ri && x.source == wi)
            {
                self.expects.push(Expect {
                    router: ri,
                    source: wi,
                    deadline: ts + e,
                    kind: ExpKind::AnswerLower,
                    frame: no,
                    ts,
                    from: ip.src,
                });
            }
        }

        // Split brain: two sources advertising concurrently for longer than one interval.
        let rt = &mut self.routers[ri];
        if others.is_empty() {
            if let Some(o) = rt.overlap.take() {
                self.close_overlap(ri, o);
            }
        } else {
            let o = rt.overlap.get_or_insert_with(|| Overlap {
                start_frame: no,
                start_ns: ts,
                last_ns: ts,
                interval_ns: interval,
                sources: BTreeMap::new(),
            });
            o.last_ns = ts;
            o.interval_ns = o.interval_ns.max(interval);
            o.sources.insert(ip.src, ts);
            for &(wi, wip, _, _, _) in &others {
                let wl = rt.sources.get(wi).map(|s| s.last_ns).unwrap_or(ts);
                o.sources.insert(wip, wl);
            }
        }
    }

    /// Counts the signs the auto profile looks at.
    fn evidence(
        &mut self,
        ri: usize,
        a: &Advert<'_>,
        v: &VrrpFrame<'_>,
        d: &Decoded<'_>,
        ip: &crate::decode::IpInfo,
    ) {
        let ev = &mut self.routers[ri].ev;
        if let Some(m) = d.eth_src {
            if is_vmac(&m) {
                ev.virtual_mac += 1
            } else {
                ev.real_mac += 1
            }
        }
        if ip.src.is_ipv4() {
            ev.v4_adverts += 1;
            if ip.tos == 0xc0 {
                ev.tos_c0 += 1;
            }
        }
        if a.version == 2 && (a.auth_type == 1 || a.auth_type == 2) {
            ev.legacy_auth += 1;
        }
        if v.via_ah {
            ev.legacy_auth += 1;
        }
        if a.version == 2 && ip.src.is_ipv6() {
            ev.v2_over_v6 += 1;
        }
        if a.version == 3 && ip.src.is_ipv4() {
            if a.checksum.pseudo {
                ev.csum_pseudo += 1;
            } else if a.checksum.plain {
                ev.csum_plain += 1;
            }
        }
    }

    /// The configured instance of `src` for this router, if a config was given for `src`.
    fn instance(
        opts: &CheckOptions,
        src: IpAddr,
        v6: bool,
        vrid: u8,
    ) -> Option<(
        &keepalived_conf::Config,
        Option<&keepalived_conf::VrrpInstance>,
    )> {
        let (_, cfg) = opts.configs.iter().find(|(ip, _)| *ip == src)?;
        let inst = cfg
            .vrrp_instances
            .iter()
            .find(|i| i.virtual_router_id == Some(vrid) && i.is_ipv6() == v6);
        Some((cfg, inst))
    }

    /// The checklist's `cfg` items for one advert (configs given with `--config SRC_IP=FILE`).
    fn config_checks(&mut self, no: u64, ts: i64, ri: usize, a: &Advert<'_>, src: IpAddr) {
        let key = self.routers[ri].key;
        let v3 = a.version == 3;
        let id = |v2: &'static str, v3id: &'static str| if v3 { v3id } else { v2 };
        let opts = self.opts;
        let Some((cfg, inst)) = Self::instance(opts, src, key.v6, key.vrid) else {
            return;
        };
        let r = Some(ri);
        let sd = src_disc(src);
        let Some(inst) = inst else {
            // RFC 3768 §5.3.3 / RFC 5798 §5.2.3: the VRID must be one the sender is configured for.
            self.findings.emit(id("V2-PKT-09", "V3-PKT-10"), r, sd ^ 7, all(E), no, ts, || {
                format!("{src} advertises VRID {} but its config has no {} vrrp_instance with that virtual_router_id", key.vrid, if key.v6 { "IPv6" } else { "IPv4" })
            });
            return;
        };
        let g = &cfg.global_defs;
        let name = inst.name.clone();
        let want_v = inst.effective_version(g);
        if want_v != a.version {
            self.findings.emit(id("V2-PKT-07", "V3-PKT-08"), r, sd ^ 8, all(E), no, ts, || {
                format!("{src} sends VRRPv{} but vrrp_instance {name} is configured for version {want_v}", a.version)
            });
        }
        let want_int = inst.effective_advert_int(g).as_nanos() as i64;
        if want_int != a.interval_ns && a.interval_ns != 0 {
            // v2 receivers discard a mismatch (MUST, §7.1); v3 receivers only log it.
            let sev = if v3 { all(W) } else { all(E) };
            self.findings.emit(id("V2-PKT-14", "V3-PKT-14"), r, sd ^ 9, sev, no, ts, || {
                format!(
                    "{src} advertises an interval of {:.0} ms but vrrp_instance {name} has advert_int {:.0} ms",
                    ms(a.interval_ns),
                    ms(want_int)
                )
            });
        }
        let owner = inst.effective_priority() == 255;
        if a.priority != 0 && owner != (a.priority == 255) {
            self.findings.emit(id("V2-PKT-10", "V3-PKT-11"), r, sd ^ 10, all(E), no, ts, || {
                if owner {
                    format!("{src} is configured as address owner (priority 255, {name}) but advertises priority {}", a.priority)
                } else {
                    format!("{src} advertises priority 255 but {name} is not the address owner (priority {})", inst.effective_priority())
                }
            });
        }
        let mut want: Vec<IpAddr> = inst.virtual_ipaddress.iter().map(|v| v.addr).collect();
        let mut have: Vec<IpAddr> = a.addresses().collect();
        want.sort();
        have.sort();
        if want != have && a.priority != 0 {
            let fmt = |v: &[IpAddr]| {
                v.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.findings.emit(
                id("V2-PKT-16", "V3-PKT-18"),
                r,
                sd ^ 11,
                all(W),
                no,
                ts,
                || {
                    format!(
                        "{src} advertises [{}] but vrrp_instance {name} has virtual_ipaddress [{}]",
                        fmt(&have),
                        fmt(&want)
                    )
                },
            );
        }
        if let Some(cfg_src) = inst.unicast_src_ip.or(inst.mcast_src_ip) {
            if cfg_src != src {
                self.findings.emit(id("V2-PKT-05", "V3-PKT-05"), r, sd ^ 12, all(E), no, ts, || {
                    format!("{src} sends adverts but vrrp_instance {name} is configured to send from {cfg_src}")
                });
            }
        }
    }

    fn close_overlap(&mut self, ri: usize, mut o: Overlap) {
        // Concurrent only while every one of them still advertised.
        o.last_ns = o.sources.values().copied().min().unwrap_or(o.start_ns);
        if o.last_ns - o.start_ns <= o.interval_ns {
            return;
        }
        let rt = &self.routers[ri];
        let sb = SplitBrain {
            interface: String::new(),
            family: if rt.key.v6 { "ipv6" } else { "ipv4" },
            vrid: rt.key.vrid,
            from_time: 0.0,
            to_time: 0.0,
            sources: o.sources.keys().map(|s| s.to_string()).collect(),
        };
        let v3 = rt.version == 3;
        // An injected fault (partition, VRRP filter) overlapping the window explains it.
        let mut faults: Vec<(i64, bool, &str)> = Vec::new();
        for ev in &self.opts.events {
            match &ev.kind {
                EventKind::FaultInjected { description } => {
                    faults.push((ev.time_ns, true, description))
                }
                EventKind::FaultHealed { description } => {
                    faults.push((ev.time_ns, false, description))
                }
                _ => {}
            }
        }
        let excuse = fault_during(&faults, o.start_ns, o.last_ns);
        let sources = sb.sources.join(", ");
        let dur = ms(o.last_ns - o.start_ns);
        let sev = if excuse.is_some() { all(N) } else { all(E) };
        self.findings.emit(
            if v3 { "V3-SEQ-15" } else { "V2-SEQ-14" },
            Some(ri),
            o.start_ns as u64,
            sev,
            o.start_frame,
            o.start_ns,
            || match excuse {
                Some(d) => format!("split brain for {dur:.1} ms between {sources}, during the injected fault \"{d}\""),
                None => format!("split brain: {sources} advertised as master concurrently for {dur:.1} ms"),
            },
        );
        if self.splits.len() < MAX_FAILOVERS {
            self.splits.push((ri, sb, o.start_ns, o.last_ns));
        }
    }

    fn expire(&mut self, now: i64) {
        if !self.mld_watches.is_empty() {
            self.expire_mld(now);
        }
        let mut due = Vec::new();
        self.expects.retain(|x| {
            if now > x.deadline {
                due.push((
                    x.router,
                    x.source,
                    x.frame,
                    x.ts,
                    x.from,
                    matches!(x.kind, ExpKind::AnswerPrio0),
                ));
                false
            } else {
                true
            }
        });
        for (ri, si, frame, ts, from, prio0) in due {
            let Some(rt) = self.routers.get(ri) else {
                continue;
            };
            let Some(m) = rt.sources.get(si) else {
                continue;
            };
            let mip = m.ip;
            let v3 = rt.version == 3;
            if prio0 {
                self.findings.emit(if v3 { "V3-SEQ-05" } else { "V2-SEQ-07" }, Some(ri), si as u64, all(E), frame, ts, || {
                    format!("master {mip} did not send an advert at once after {from}'s priority-0 advert")
                });
            } else {
                self.findings.emit("V3-SEQ-07", Some(ri), si as u64, [None, None, Some(E), None], frame, ts, || {
                    format!(
                        "master {mip} did not answer the lower-priority advert from {from} with an advert of its own (RFC 9568 §6.4.3)"
                    )
                });
            }
        }
        let mut due = Vec::new();
        self.garp_watches.retain(|w| {
            if now > w.deadline {
                due.push((w.router, w.source, w.frame, w.ts, w.missing.clone()));
                false
            } else {
                true
            }
        });
        for (ri, si, frame, ts, missing) in due {
            if missing.is_empty() {
                continue;
            }
            let Some(rt) = self.routers.get(ri) else {
                continue;
            };
            let Some(s) = rt.sources.get(si) else {
                continue;
            };
            let sip = s.ip;
            let v6 = rt.key.v6;
            let rule = if rt.version == 3 {
                "V3-SEQ-12"
            } else {
                "V2-SEQ-13"
            };
            let list = missing
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            self.findings
                .emit(rule, Some(ri), si as u64, all(E), frame, ts, || {
                    format!(
                        "{sip} became master but sent no {} for {list} within 1 s",
                        if v6 {
                            "unsolicited Neighbor Advertisement"
                        } else {
                            "gratuitous ARP"
                        }
                    )
                });
        }
    }

    fn expire_mld(&mut self, now: i64) {
        let mut due = Vec::new();
        self.mld_watches.retain(|w| {
            if now > w.deadline {
                due.push((w.router, w.source, w.seg, w.frame, w.ts, w.missing.clone()));
                false
            } else {
                true
            }
        });
        for (ri, si, seg, frame, ts, missing) in due {
            if missing.is_empty() {
                continue;
            }
            if !self.mld_segments.contains(&seg) {
                self.mld_unchecked += 1;
                continue;
            }
            let Some(sip) = self
                .routers
                .get(ri)
                .and_then(|r| r.sources.get(si))
                .map(|s| s.ip)
            else {
                continue;
            };
            let groups = missing
                .iter()
                .map(|g| {
                    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff00 | (g >> 16) as u16, *g as u16)
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(", ");
            self.findings.emit("V3-SEQ-12", Some(ri), (1 << 40) | si as u64, all(W), frame, ts, || {
                format!(
                    "{sip} became master but no MLD report joining the solicited-node group {groups} of its addresses was seen within 1 s (the capture shows MLD from other hosts); a master must join it (RFC 5798 §6.4.2), unless it had joined before the capture started"
                )
            });
        }
    }

    /// Attributes a GARP / unsolicited NA for `ip` to the master of its virtual router at `ts`, and marks
    /// the frame just remembered by [`Engine::remember_garp`] with it.
    ///
    /// The master per timeline: a source whose epoch is open, that has not resigned and whose adverts have
    /// not stopped (a crashed master's epoch is never closed by an advert, so it is recognised by its
    /// silence). Several routers can send from one MAC (use_vmac: every router of the VRID uses
    /// 00-00-5E-00-0x-{VRID}), so the MAC alone does not decide: an NA's source address naming a router
    /// decides first, then a real MAC naming one, then the most recent takeover.
    fn count_garp(
        &mut self,
        ri: usize,
        ts: i64,
        ip: IpAddr,
        eth_src: Option<[u8; 6]>,
        sender: Option<IpAddr>,
    ) {
        let Some(rt) = self.routers.get_mut(ri) else {
            return;
        };
        let vm = vmac(rt.key.v6, rt.key.vrid);
        let live = |s: &Source| {
            s.epoch.is_some()
                && s.resigned_ns.is_none()
                && ts - s.last_ns <= 3 * s.interval_ns + SECOND
                && (s.mac == eth_src || eth_src == Some(vm))
        };
        let by_sender = sender.and_then(|x| rt.sources.iter().position(|s| s.ip == x));
        let si = match by_sender {
            Some(i) => live(&rt.sources[i]).then_some(i),
            None => {
                let exact = eth_src
                    .filter(|m| !is_vmac(m))
                    .and_then(|m| rt.sources.iter().position(|s| live(s) && s.mac == Some(m)));
                exact.or_else(|| {
                    rt.sources
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| live(s))
                        .max_by_key(|(_, s)| {
                            s.epoch
                                .and_then(|e| rt.epochs.get(e))
                                .map(|e| e.first_ns)
                                .unwrap_or(i64::MIN)
                        })
                        .map(|(i, _)| i)
                })
            }
        };
        let Some(si) = si else {
            return;
        };
        let Some(ei) = rt.sources[si].epoch else {
            return;
        };
        if let Some(ep) = rt.epochs.get_mut(ei) {
            ep.garps += 1;
        }
        if let Some(g) = self.recent_garps.last_mut() {
            if g.ts == ts && g.ip == ip {
                g.credited = Some((ri, si, ei));
            }
        }
        for w in &mut self.garp_watches {
            if w.router == ri && w.source == si && ts <= w.deadline {
                w.missing.retain(|x| *x != ip);
            }
        }
    }

    /// An MLD report: joins and leaves of solicited-node groups, and the takeovers waiting for them.
    fn mld(&mut self, ts: i64, d: &Decoded<'_>, icmp: &[u8]) {
        if self.mld_segments.len() < 1024 {
            self.mld_segments.insert(d.segment);
        }
        let Some(mac) = d.eth_src else {
            return;
        };
        for (group, join) in mld_records(icmp) {
            let o = group.octets();
            // ff02::1:ffXX:XXXX only.
            if o[..13] != [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff] {
                continue;
            }
            let g = low24(&group);
            let k = (d.segment, mac, g);
            if !join {
                self.mld_joined.remove(&k);
                continue;
            }
            if self.mld_joined.len() < 65_536 {
                self.mld_joined.insert(k);
            }
            for w in &mut self.mld_watches {
                if w.seg == d.segment && w.macs.contains(&Some(mac)) && ts <= w.deadline {
                    w.missing.retain(|x| *x != g);
                }
            }
        }
    }

    fn remember_garp(
        &mut self,
        seg: Segment,
        ip: IpAddr,
        mac: Option<[u8; 6]>,
        sender: Option<IpAddr>,
        ts: i64,
    ) {
        if self.recent_garps.len() >= 32 {
            self.recent_garps.remove(0);
        }
        self.recent_garps.push(RecentGarp {
            seg,
            ip,
            mac,
            sender,
            ts,
            credited: None,
        });
    }

    fn arp(&mut self, no: u64, ts: i64, d: &Decoded<'_>, a: ArpInfo) {
        let ip = IpAddr::V4(a.spa);
        let gratuitous = a.spa == a.tpa;
        if gratuitous {
            self.remember_garp(d.segment, ip, d.eth_src, None, ts);
        }
        let Some(&ri) = self.vip_index.get(&(d.segment, ip)) else {
            return;
        };
        let rt = &self.routers[ri];
        let vm = vmac(false, rt.key.vrid);
        let v3 = rt.version == 3;
        let r = Some(ri);
        if gratuitous {
            // RFC 3768 §6.4.1-2 / RFC 5798 §6.4.1-2 (+ RFC 9568 errata 7947/7949).
            let src = d.eth_src;
            if a.sha != vm || src.is_some_and(|m| m != vm) {
                self.findings.emit(if v3 { "V3-PKT-20" } else { "V2-PKT-19" }, r, mac_disc(&a.sha), ka_note(E), no, ts, || {
                    format!(
                        "gratuitous ARP for {ip} announces {}{}; it must carry the virtual router MAC {} (keepalived without use_vmac)",
                        fmt_mac(&a.sha),
                        src.map(|m| format!(" from Ethernet source {}", fmt_mac(&m))).unwrap_or_default(),
                        fmt_mac(&vm)
                    )
                });
            }
            if let Some(dst) = d.eth_dst {
                if dst != [0xff; 6] {
                    self.findings.emit(
                        if v3 { "V3-PKT-20" } else { "V2-PKT-19" },
                        r,
                        1,
                        all(E),
                        no,
                        ts,
                        || {
                            format!(
                                "gratuitous ARP for {ip} sent to {} instead of broadcast",
                                fmt_mac(&dst)
                            )
                        },
                    );
                }
            }
            self.count_garp(ri, ts, ip, d.eth_src, None);
        } else if a.op == 2 && a.sha != vm {
            // RFC 3768 §6.4.3, §8.2 / RFC 5798 §6.4.3, §8.2.2: replies for a VIP carry the virtual MAC.
            self.findings.emit(if v3 { "V3-PKT-22" } else { "V2-PKT-20" }, r, mac_disc(&a.sha), ka_note(E), no, ts, || {
                format!("ARP reply for virtual address {ip} carries {} instead of the virtual router MAC {}", fmt_mac(&a.sha), fmt_mac(&vm))
            });
        }
    }

    fn nd(&mut self, no: u64, ts: i64, d: &Decoded<'_>, n: NdInfo) {
        if n.icmp_type == 136 {
            let ip = IpAddr::V6(n.target);
            if !n.solicited {
                self.remember_garp(d.segment, ip, d.eth_src, Some(IpAddr::V6(n.src)), ts);
            }
            let Some(&ri) = self.vip_index.get(&(d.segment, ip)) else {
                return;
            };
            let vm = vmac(true, self.routers[ri].key.vrid);
            let r = Some(ri);
            if !n.solicited {
                // RFC 5798 §6.4.1-2 and RFC 4861 §7.2.6 for the unsolicited NA.
                let mut wrong = Vec::new();
                if !n.router {
                    // keepalived sets R only when IPv6 forwarding is on for the interface: a known deviation.
                    self.findings.emit("V3-PKT-21", r, 2, ka_note(E), no, ts, || {
                        format!(
                            "unsolicited Neighbor Advertisement for {ip} has the Router flag 0; RFC 5798 §6.4.2 wants R=1 (keepalived sets it only when IPv6 forwarding is enabled)"
                        )
                    });
                }
                if !n.override_flag {
                    wrong.push("Override flag is 0".to_string());
                }
                if n.hop_limit != 255 {
                    wrong.push(format!("Hop Limit is {}", n.hop_limit));
                }
                if n.dst != Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1) {
                    wrong.push(format!("destination is {}", n.dst));
                }
                if !wrong.is_empty() {
                    self.findings.emit("V3-PKT-21", r, 0, all(E), no, ts, || {
                        format!(
                            "unsolicited Neighbor Advertisement for {ip}: {}",
                            wrong.join(", ")
                        )
                    });
                }
                match n.lladdr {
                    Some(m) if m == vm => {}
                    other => {
                        self.findings.emit("V3-PKT-21", r, 1 | n.lladdr.map(|m| mac_disc(&m)).unwrap_or(0), ka_note(E), no, ts, || {
                            format!(
                                "unsolicited Neighbor Advertisement for {ip} has target link-layer address {}; it must be the virtual router MAC {}",
                                other.map(|m| fmt_mac(&m)).unwrap_or_else(|| "absent".into()),
                                fmt_mac(&vm)
                            )
                        });
                    }
                }
                self.count_garp(ri, ts, ip, d.eth_src, Some(IpAddr::V6(n.src)));
            } else if let Some(m) = n.lladdr {
                if m != vm {
                    self.findings.emit("V3-PKT-22", r, 1 | mac_disc(&m), ka_note(E), no, ts, || {
                        format!("solicited Neighbor Advertisement for virtual address {ip} carries {} instead of {}", fmt_mac(&m), fmt_mac(&vm))
                    });
                }
            }
        } else if n.icmp_type == 135 {
            let ip = IpAddr::V6(n.src);
            let Some(&ri) = self.vip_index.get(&(d.segment, ip)) else {
                return;
            };
            let vm = vmac(true, self.routers[ri].key.vrid);
            if let Some(m) = n.lladdr {
                if m != vm {
                    self.findings.emit("V3-PKT-23", Some(ri), mac_disc(&m), ka_note(E), no, ts, || {
                        format!("Neighbor Solicitation from virtual address {ip} carries source link-layer address {} instead of {}", fmt_mac(&m), fmt_mac(&vm))
                    });
                }
            }
        }
    }

    /// Checks over all configs: equal backup priorities (V3-SEQ-19), configs whose source never advertised
    /// (CFG-01).
    fn config_cross_checks(&mut self, first: i64) {
        let configs = &self.opts.configs;
        let mut seen: BTreeMap<(bool, u8), Vec<(IpAddr, u8)>> = BTreeMap::new();
        for (ip, cfg) in configs {
            for inst in &cfg.vrrp_instances {
                if let Some(vrid) = inst.virtual_router_id {
                    seen.entry((inst.is_ipv6(), vrid))
                        .or_default()
                        .push((*ip, inst.effective_priority()));
                }
            }
            let advertised = self
                .routers
                .iter()
                .any(|r| r.sources.iter().any(|s| s.ip == *ip));
            if !advertised {
                let ip = *ip;
                self.findings
                    .emit("CFG-01", None, src_disc(ip), all(N), 0, first, || {
                        format!(
                            "a config was given for {ip} but no advert from {ip} is in the capture"
                        )
                    });
            }
        }
        for ((v6, vrid), members) in seen {
            for (i, (a, pa)) in members.iter().enumerate() {
                for (b, pb) in &members[i + 1..] {
                    if pa == pb && *pa != 255 {
                        let ri = self
                            .routers
                            .iter()
                            .position(|r| r.key.v6 == v6 && r.key.vrid == vrid);
                        let (a, b, p) = (*a, *b, *pa);
                        self.findings.emit("V3-SEQ-19", ri, src_disc(a) ^ src_disc(b), all(W), 0, first, || {
                            format!("{a} and {b} are both configured with priority {p} for VRID {vrid}: equal backups can take over together")
                        });
                    }
                }
            }
        }
    }

    /// Checks that need the simulator's events: graceful stop of a master (V2-SEQ-06 / V3-SEQ-04), owner
    /// and non-owner startup (V2-SEQ-11 / V3-SEQ-10, V2-SEQ-12 / V3-SEQ-11).
    fn event_checks(&mut self) {
        let events = &self.opts.events;
        let mut out: Vec<(&'static str, usize, u64, u64, i64, String)> = Vec::new();
        for ev in events {
            let t = ev.time_ns;
            for (ri, rt) in self.routers.iter().enumerate() {
                let v3 = rt.version == 3;
                for (si, s) in rt.sources.iter().enumerate() {
                    if !ev.addresses.contains(&s.ip) {
                        continue;
                    }
                    let e = eps(s.interval_ns);
                    match ev.kind {
                        EventKind::NodeStop => {
                            let was_master = rt.epochs.iter().any(|ep| {
                                ep.src == si
                                    && ep.first_ns <= t
                                    && t <= ep.last_ns + s.interval_ns + e
                            });
                            let sent = s
                                .resign_times
                                .iter()
                                .any(|&r| r >= t - e && r <= t + SECOND);
                            if was_master && !sent {
                                out.push((
                                    if v3 { "V3-SEQ-04" } else { "V2-SEQ-06" },
                                    ri,
                                    si as u64 | 1 << 40,
                                    0,
                                    t,
                                    format!(
                                        "{} ({}) was master when it was stopped gracefully but sent no priority-0 advert",
                                        ev.node, s.ip
                                    ),
                                ));
                            }
                        }
                        EventKind::NodeStart => {
                            let Some(ep) =
                                rt.epochs.iter().find(|ep| ep.src == si && ep.first_ns >= t)
                            else {
                                continue;
                            };
                            let prio = ep
                                .priority_list()
                                .into_iter()
                                .filter(|p| *p != 0)
                                .max()
                                .unwrap_or(100) as i64;
                            let delay = ep.first_ns - t;
                            if prio == 255 {
                                if delay > e {
                                    out.push((
                                        if v3 { "V3-SEQ-10" } else { "V2-SEQ-11" },
                                        ri,
                                        si as u64 | 2 << 40,
                                        ep.first_frame,
                                        ep.first_ns,
                                        format!(
                                            "address owner {} ({}) sent its first advert {:.1} ms after it started; the owner becomes master at once",
                                            ev.node,
                                            s.ip,
                                            ms(delay)
                                        ),
                                    ));
                                }
                            } else {
                                let a = s.interval_ns;
                                let skew = if v3 {
                                    (256 - prio) * a / 256
                                } else {
                                    (256 - prio) * SECOND / 256
                                };
                                let mdi = 3 * a + skew;
                                if delay < mdi - e {
                                    out.push((
                                        if v3 { "V3-SEQ-11" } else { "V2-SEQ-12" },
                                        ri,
                                        si as u64 | 3 << 40,
                                        ep.first_frame,
                                        ep.first_ns,
                                        format!(
                                            "{} ({}, priority {prio}) advertised {:.1} ms after it started, before Master_Down_Interval ({:.1} ms)",
                                            ev.node,
                                            s.ip,
                                            ms(delay),
                                            ms(mdi)
                                        ),
                                    ));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        for (rule, ri, disc, frame, ts, msg) in out {
            self.findings
                .emit(rule, Some(ri), disc, all(E), frame, ts, || msg);
        }
    }

    /// The liveness side of the takeover rules, over the whole timeline. Both need the event log to know
    /// that the silent backup was running and connected (see [`knows_node`]):
    /// - V2-SEQ-03 / V3-SEQ-02: the master went silent (no priority 0) and no backup seen earlier took over
    ///   although the capture goes on past its Master_Down_Interval;
    /// - V2-SEQ-08 (a) / V3-SEQ-08: a backup with a higher priority than the master (from its config, or
    ///   its own earlier adverts) and Preempt_Mode on stays silent longer than Master_Down_Interval (plus
    ///   keepalived's preempt_delay) while the lower-priority master advertises.
    fn liveness_checks(&mut self, t_end: i64) {
        let events = &self.opts.events;
        if events.is_empty() {
            return;
        }
        let mut out: Vec<(&'static str, usize, u64, u64, i64, String)> = Vec::new();
        for (ri, rt) in self.routers.iter().enumerate() {
            let v3 = rt.version == 3;
            let mdi_of = |b: &Source, prio: i64| {
                let a = b.interval_ns;
                let skew = if v3 {
                    (256 - prio) * a / 256
                } else {
                    (256 - prio) * SECOND / 256
                };
                3 * a + skew
            };
            // Computed once per router, so the checks below stay O(epochs x sources x log epochs) even
            // for the 10 000 epochs a flapping capture can hold: each epoch's highest non-zero priority,
            // and each source's epochs in order.
            let ep_prio: Vec<Option<u8>> = rt
                .epochs
                .iter()
                .map(|ep| ep.priority_list().into_iter().filter(|x| *x != 0).max())
                .collect();
            let mut by_src: Vec<Vec<usize>> = vec![Vec::new(); rt.sources.len()];
            for (i, ep) in rt.epochs.iter().enumerate() {
                if let Some(v) = by_src.get_mut(ep.src) {
                    v.push(i);
                }
            }
            // Priority and preemption of a backup: its config when given, else its own adverts and the
            // RFC default (Preempt_Mode True).
            let prios: Vec<Option<(i64, bool, i64)>> = rt
                .sources
                .iter()
                .enumerate()
                .map(|(bi, b)| {
                    if let Some((_, Some(inst))) =
                        Self::instance(self.opts, b.ip, rt.key.v6, rt.key.vrid)
                    {
                        let p = inst.effective_priority();
                        let delay = inst.preempt_delay.map(|d| d.as_nanos() as i64).unwrap_or(0);
                        return Some((p as i64, inst.nopreempt && p != 255, delay));
                    }
                    let p = by_src[bi].iter().filter_map(|&e| ep_prio[e]).max()?;
                    Some((p as i64, false, 0))
                })
                .collect();
            let backup_prio = |bi: usize| prios.get(bi).copied().flatten();

            // No takeover at all after the last master went silent.
            if let Some(m) = rt.epochs.iter().max_by_key(|ep| ep.last_ns) {
                let t0 = m.last_ns;
                if !m.resigned {
                    for (bi, b) in rt.sources.iter().enumerate() {
                        if bi == m.src || b.last_ns >= t0 || b.resigned_ns.is_some() {
                            continue;
                        }
                        let Some((pb, _, _)) = backup_prio(bi) else {
                            continue;
                        };
                        let mdi = mdi_of(&rt.sources[m.src], pb);
                        let due = t0 + mdi + eps(rt.sources[m.src].interval_ns);
                        if t_end <= due
                            || !knows_node(events, b.ip)
                            || lifecycle_between(events, b.ip, b.last_ns, due)
                            || fault_between(events, t0 - SECOND, due).is_some()
                        {
                            continue;
                        }
                        let mip = rt.sources[m.src].ip;
                        out.push((
                            if v3 { "V3-SEQ-02" } else { "V2-SEQ-03" },
                            ri,
                            2 << 40 | bi as u64,
                            m.last_frame,
                            t0,
                            format!(
                                "no backup took over after {mip}'s last advert: {} (priority {pb}) was running and connected according to the event log, and the capture goes on {:.1} ms past its Master_Down_Interval ({:.1} ms)",
                                b.ip,
                                ms(t_end - t0 - mdi),
                                ms(mdi)
                            ),
                        ));
                        break;
                    }
                }
            }

            // A higher-priority backup that never preempts.
            for (ei, ep) in rt.epochs.iter().enumerate() {
                let Some(pa) = ep_prio[ei] else {
                    continue;
                };
                for (bi, b) in rt.sources.iter().enumerate() {
                    if bi == ep.src {
                        continue;
                    }
                    let Some((pb, nopreempt, delay)) = backup_prio(bi) else {
                        continue;
                    };
                    if pb <= pa as i64 || nopreempt {
                        continue;
                    }
                    // B's last epoch before this one (it must have run before) and its next one.
                    let mine = &by_src[bi];
                    let k = mine.partition_point(|&x| rt.epochs[x].first_ns <= ep.first_ns);
                    let Some(before) = k.checked_sub(1).map(|j| &rt.epochs[mine[j]]) else {
                        continue;
                    };
                    if before.resigned {
                        continue;
                    }
                    let next = mine.get(k).map(|&x| rt.epochs[x].first_ns);
                    let start = ep.first_ns.max(before.last_ns);
                    let deadline = start + mdi_of(b, pb) + eps(b.interval_ns) + delay;
                    let silent_until = next.unwrap_or(i64::MAX).min(ep.last_ns);
                    if silent_until <= deadline
                        || !knows_node(events, b.ip)
                        || lifecycle_between(events, b.ip, before.last_ns, deadline)
                        || fault_between(events, start - SECOND, deadline).is_some()
                    {
                        continue;
                    }
                    let aip = rt.sources[ep.src].ip;
                    out.push((
                        if v3 { "V3-SEQ-08" } else { "V2-SEQ-08" },
                        ri,
                        3 << 40 | (bi as u64) << 20 | ep.src as u64,
                        ep.first_frame,
                        ep.first_ns,
                        format!(
                            "{} (priority {pb}, preempt on) stayed silent for {:.1} ms while {aip} (priority {pa}) was master; it must preempt after Master_Down_Interval{} ({:.1} ms)",
                            b.ip,
                            ms(silent_until - start),
                            if delay > 0 { " + preempt_delay" } else { "" },
                            ms(deadline - start)
                        ),
                    ));
                }
            }
        }
        for (rule, ri, disc, frame, ts, msg) in out {
            self.findings
                .emit(rule, Some(ri), disc, all(E), frame, ts, || msg);
        }
    }

    /// Chooses the concrete profile of a router, with reasons when `auto` chose it.
    fn resolve(&self, rt: &Router) -> (P, Vec<String>) {
        let explicit = |p: P| (p, Vec::new());
        match self.opts.profile {
            Profile::Rfc3768 => return explicit(if rt.version == 3 { P::R5798 } else { P::R3768 }),
            Profile::Rfc5798 => return explicit(if rt.version == 2 { P::R3768 } else { P::R5798 }),
            Profile::Rfc9568 => return explicit(if rt.version == 2 { P::R3768 } else { P::R9568 }),
            Profile::Keepalived => return explicit(P::Ka),
            Profile::Auto => {}
        }
        let ev = &rt.ev;
        let mut reasons = Vec::new();
        if ev.real_mac > 0 && ev.real_mac >= ev.virtual_mac {
            let mac = rt
                .sources
                .iter()
                .find_map(|s| s.mac.filter(|m| !is_vmac(m)));
            reasons.push(format!(
                "adverts come from a real source MAC{} instead of the virtual router MAC (keepalived default, no use_vmac)",
                mac.map(|m| format!(" ({})", fmt_mac(&m))).unwrap_or_default()
            ));
        }
        if ev.v4_adverts > 0 && ev.tos_c0 * 2 > ev.v4_adverts {
            reasons.push("IPv4 TOS 0xc0 on adverts (set by keepalived)".into());
        }
        if rt.unicast {
            reasons.push("unicast adverts (keepalived unicast_peer)".into());
        }
        if ev.legacy_auth > 0 {
            reasons.push("RFC 2338 authentication (keepalived auth_type PASS/AH)".into());
        }
        if ev.v2_over_v6 > 0 {
            reasons.push(
                "VRRPv2 over IPv6, which only keepalived sends (version 2 with IPv6 addresses)"
                    .into(),
            );
        }
        if rt.epochs.iter().any(|ep| ep.garps >= 5) {
            reasons.push(
                "5 or more gratuitous ARPs/NAs per takeover (keepalived garp_master_repeat)".into(),
            );
        }
        if reasons.len() >= 2 {
            return (P::Ka, reasons);
        }
        let mut why = Vec::new();
        let p = if rt.version == 2 {
            why.push("VRRPv2 adverts without a keepalived signature".to_string());
            P::R3768
        } else if rt.key.v6 {
            why.push(
                "VRRPv3 over IPv6: the checksum form is the same under RFC 5798 and RFC 9568, so the RFC 5798 reading is used".to_string(),
            );
            P::R5798
        } else if ev.csum_plain > ev.csum_pseudo {
            why.push(
                "VRRPv3 IPv4 checksum computed without the pseudo-header (RFC 9568 §5.2.8 form)"
                    .to_string(),
            );
            P::R9568
        } else {
            why.push("VRRPv3 IPv4 checksum computed with the IPv4 pseudo-header (RFC 5798 literal reading)".to_string());
            P::R5798
        };
        if !reasons.is_empty() {
            why.push(format!("only one keepalived sign: {}", reasons.join("; ")));
        }
        (p, why)
    }

    fn finish(mut self, name: &str, interfaces: &[Interface]) -> Report {
        for r in &mut self.routers {
            r.hist.flush();
        }
        self.expire(i64::MAX);
        for ri in 0..self.routers.len() {
            if let Some(o) = self.routers[ri].overlap.take() {
                self.close_overlap(ri, o);
            }
        }
        let first = self.first_ts.unwrap_or(0);
        let secs = |ns: i64| ((ns - first) as f64 / 1e9 * 1e6).round() / 1e6;
        let label = |seg: &Segment| -> String {
            let mut s = interfaces
                .get(seg.capture_if as usize)
                .and_then(|i| i.name.clone())
                .unwrap_or_else(|| format!("if{}", seg.capture_if));
            if let Some(ix) = seg.ifindex {
                s.push_str(&format!("@ifindex{ix}"));
            }
            if let Some(v) = seg.vlan {
                s.push_str(&format!(".vlan{v}"));
            }
            s
        };
        let profiles: Vec<(P, Vec<String>)> =
            self.routers.iter().map(|r| self.resolve(r)).collect();

        // Interval field against the observed cadence (V2-SEQ-02): median gap within ε of the field.
        for (ri, rt) in self.routers.iter().enumerate() {
            if let Some(st) = rt.hist.stats() {
                let field_ms = rt.interval_field_ns as f64 / 1e6;
                if st.samples >= 3
                    && (st.median_ms - field_ms).abs() > eps(rt.interval_field_ns) as f64 / 1e6
                {
                    let frame = rt.first_frame;
                    self.findings.emit(
                        if rt.version == 3 { "V3-SEQ-01" } else { "V2-SEQ-02" },
                        Some(ri),
                        99,
                        all(E),
                        frame,
                        first,
                        || {
                            format!(
                                "adverts arrive every {:.1} ms (median) but advertise an interval of {:.1} ms",
                                st.median_ms, field_ms
                            )
                        },
                    );
                }
            }
        }
        let version_mismatch: Vec<(usize, &'static str, String)> = self
            .routers
            .iter()
            .enumerate()
            .filter_map(|(ri, rt)| match (self.opts.profile, rt.version) {
                (Profile::Rfc3768, 3) => Some((
                    ri,
                    "V2-PKT-07",
                    "VRRPv3 adverts, but profile rfc3768 expects VRRPv2".into(),
                )),
                (Profile::Rfc5798 | Profile::Rfc9568, 2) => Some((
                    ri,
                    "V3-PKT-08",
                    format!(
                        "VRRPv2 adverts, but profile {} expects VRRPv3",
                        self.opts.profile.name()
                    ),
                )),
                _ => None,
            })
            .collect();
        for (ri, rule, msg) in version_mismatch {
            let frame = self.routers[ri].first_frame;
            self.findings
                .emit(rule, Some(ri), 77, all(E), frame, first, || msg);
        }

        self.config_cross_checks(first);
        self.event_checks();
        self.liveness_checks(self.last_packet_ns);
        let mut order: Vec<usize> = (0..self.routers.len()).collect();
        order.sort_by_key(|&i| {
            let k = self.routers[i].key;
            (label(&k.seg), k.v6, k.vrid)
        });
        let mut routers = Vec::new();
        for &ri in &order {
            let rt = &self.routers[ri];
            let (p, reasons) = &profiles[ri];
            let mut masters: Vec<&Epoch> = rt.epochs.iter().collect();
            masters.sort_by_key(|e| e.first_ns);
            let checksum_form = if rt.version == 3 && !rt.key.v6 {
                match (rt.ev.csum_pseudo > 0, rt.ev.csum_plain > 0) {
                    (true, false) => Some("pseudo-header"),
                    (false, true) => Some("no-pseudo-header"),
                    (true, true) => Some("mixed"),
                    _ => None,
                }
            } else {
                None
            };
            routers.push(RouterReport {
                interface: label(&rt.key.seg),
                family: if rt.key.v6 { "ipv6" } else { "ipv4" },
                version: rt.version,
                vrid: rt.key.vrid,
                unicast: rt.unicast,
                profile: p.name(),
                profile_reasons: reasons.clone(),
                checksum_form,
                addresses: rt.addrs.iter().map(|a| a.to_string()).collect(),
                adverts: rt.adverts,
                masters: masters
                    .iter()
                    .map(|e| {
                        let s = &rt.sources[e.src];
                        Master {
                            src_ip: s.ip.to_string(),
                            src_mac: s.mac.map(|m| fmt_mac(&m)),
                            first_frame: e.first_frame,
                            last_frame: e.last_frame,
                            first_time: secs(e.first_ns),
                            last_time: secs(e.last_ns),
                            priorities: e.priority_list(),
                            adverts: e.adverts,
                            resigned: e.resigned,
                            garps: e.garps,
                            takeover: e.takeover,
                        }
                    })
                    .collect(),
                advert_interval: rt.hist.stats(),
            });
        }
        let failovers: Vec<Failover> = self
            .failovers
            .iter()
            .map(|(ri, f, ts)| {
                let mut f = f.clone();
                f.interface = label(&self.routers[*ri].key.seg);
                f.time = secs(*ts);
                f
            })
            .collect();
        let split_brain: Vec<SplitBrain> = self
            .splits
            .iter()
            .map(|(ri, s, start, end)| {
                let mut s = s.clone();
                s.interface = label(&self.routers[*ri].key.seg);
                s.from_time = secs(*start);
                s.to_time = secs(*end);
                s
            })
            .collect();

        // Findings under each router's profile.
        let default_p = {
            let mut ps: Vec<P> = profiles.iter().map(|(p, _)| *p).collect();
            ps.dedup();
            match self.opts.profile {
                Profile::Rfc3768 => P::R3768,
                Profile::Rfc5798 => P::R5798,
                Profile::Rfc9568 => P::R9568,
                Profile::Keepalived => P::Ka,
                Profile::Auto if ps.len() == 1 => ps[0],
                Profile::Auto => P::R5798,
            }
        };
        let mut findings = Vec::new();
        let mut summary = Summary::default();
        for agg in &self.findings.list {
            let p = agg.router.map(|ri| profiles[ri].0).unwrap_or(default_p);
            let Some(sev) = agg.sev[p as usize] else {
                continue;
            };
            match sev {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => summary.notes += 1,
            }
            let frame = agg.frame;
            findings.push(Finding {
                rule: agg.rule.to_string(),
                severity: sev,
                frame,
                time: secs(agg.ts),
                message: agg.message.clone(),
                rfc: rfc_of(agg.rule).to_string(),
                count: agg.count,
                frames: agg.frames.clone(),
                router: agg.router.map(|ri| {
                    let k = self.routers[ri].key;
                    format!(
                        "{}/{}/{}",
                        label(&k.seg),
                        if k.v6 { "ipv6" } else { "ipv4" },
                        k.vrid
                    )
                }),
            });
        }
        if self.findings.suppressed > 0 {
            summary.notes += 1;
            findings.push(Finding {
                rule: "CAP-02".into(),
                severity: Severity::Note,
                frame: 0,
                time: 0.0,
                message: format!(
                    "{} further distinct findings were not listed (limit {MAX_FINDINGS})",
                    self.findings.suppressed
                ),
                rfc: String::new(),
                count: self.findings.suppressed,
                frames: Vec::new(),
                router: None,
            });
        }
        findings.sort_by(|a, b| a.frame.cmp(&b.frame).then_with(|| a.rule.cmp(&b.rule)));

        let mut not_checked = Vec::new();
        for rule in RULES {
            let reason = match rule.coverage {
                Coverage::Config => {
                    if self.opts.configs.is_empty() {
                        Some(format!(
                            "needs --config SRC_IP=keepalived.conf for the configured part; {}",
                            rule.how
                        ))
                    } else {
                        None
                    }
                }
                Coverage::Events => {
                    if self.opts.events.is_empty() {
                        Some(format!(
                            "needs the simulator's event log for the event part; {}",
                            rule.how
                        ))
                    } else {
                        None
                    }
                }
                Coverage::Simulator => Some(format!("checked only in the simulator: {}", rule.how)),
                Coverage::NotCheckable => Some(format!("not checkable from traffic: {}", rule.how)),
                Coverage::Capture => {
                    let l2_rule = matches!(
                        rule.id,
                        "V2-PKT-03"
                            | "V2-PKT-06"
                            | "V2-PKT-19"
                            | "V2-PKT-20"
                            | "V2-SEQ-13"
                            | "V3-PKT-03"
                            | "V3-PKT-07"
                            | "V3-PKT-20"
                            | "V3-PKT-21"
                            | "V3-PKT-22"
                            | "V3-PKT-23"
                            | "V3-SEQ-12"
                    );
                    if l2_rule && !self.saw_l2 && self.packets > 0 {
                        Some("the capture has no link-layer header (raw IP)".to_string())
                    } else if matches!(rule.id, "V2-PKT-03" | "V3-PKT-03") && self.saw_sll {
                        Some(
                            "Linux cooked captures (SLL/SLL2) carry no destination MAC".to_string(),
                        )
                    } else {
                        None
                    }
                }
            };
            if let Some(reason) = reason {
                not_checked.push(NotChecked {
                    rule: rule.id.to_string(),
                    reason,
                });
            }
        }
        if self.mld_unchecked > 0 {
            not_checked.push(NotChecked {
                rule: "V3-SEQ-12".into(),
                reason: format!(
                    "the MLD part (a new IPv6 master joins the solicited-node group of each address): {} takeover(s) happened on a segment where the capture carries no MLD report at all (the simulator does not model MLD)",
                    self.mld_unchecked
                ),
            });
        }
        if self.routers_dropped > 0 {
            not_checked.push(NotChecked {
                rule: "COM-03".into(),
                reason: format!(
                    "{} adverts belonged to virtual routers beyond the limit of {MAX_ROUTERS}",
                    self.routers_dropped
                ),
            });
        }

        Report {
            file: name.to_string(),
            link_type: self
                .link_types
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(","),
            profile: self.opts.profile.name(),
            packets: self.packets,
            vrrp_packets: self.vrrp_packets,
            routers,
            failovers,
            split_brain,
            findings,
            not_checked,
            summary,
        }
    }
}

/// True when the event log can vouch for the node sending from `addr`: some event names that address, or
/// it is an IPv4 source (a log names a node at least by its primary IPv4 address). The simulator's log
/// names each node by all its addresses, link-local IPv6 included, and logs every keepalived start.
fn knows_node(events: &[Event], addr: IpAddr) -> bool {
    !events.is_empty() && (addr.is_ipv4() || events.iter().any(|ev| ev.addresses.contains(&addr)))
}

/// True when the event log stops or crashes the node that sends from `addr` within [from, to] (then its
/// silence or lateness is explained).
fn lifecycle_between(events: &[Event], addr: IpAddr, from: i64, to: i64) -> bool {
    events.iter().any(|ev| {
        matches!(
            ev.kind,
            EventKind::NodeStop | EventKind::NodeCrash | EventKind::NodeStart
        ) && ev.addresses.contains(&addr)
            && ev.time_ns >= from
            && ev.time_ns <= to
    })
}

/// The description of an injected fault active during [from, to], from the event log.
fn fault_between(events: &[Event], from: i64, to: i64) -> Option<String> {
    if events.is_empty() {
        return None;
    }
    let mut faults: Vec<(i64, bool, &str)> = Vec::new();
    for ev in events {
        match &ev.kind {
            EventKind::FaultInjected { description } => {
                faults.push((ev.time_ns, true, description))
            }
            EventKind::FaultHealed { description } => faults.push((ev.time_ns, false, description)),
            _ => {}
        }
    }
    fault_during(&faults, from, to).map(str::to_string)
}

/// The first fault whose injected..healed window overlaps [from, to].
fn fault_during<'a>(faults: &[(i64, bool, &'a str)], from: i64, to: i64) -> Option<&'a str> {
    for (i, &(t, injected, d)) in faults.iter().enumerate() {
        if !injected {
            continue;
        }
        let healed = faults[i + 1..]
            .iter()
            .find(|(_, inj, dd)| !inj && *dd == d)
            .map(|(t, _, _)| *t)
            .unwrap_or(i64::MAX);
        if t <= to && healed >= from {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_histogram_is_exact_when_small_and_bounded_when_large() {
        let mut h = Histogram::default();
        for v in [1000, 1000, 1001, 999, 1000] {
            h.add(v * 1000);
        }
        h.flush();
        assert_eq!(h.quantile(0.5), 1000);
        assert_eq!(h.max, 1001);
        let mut h = Histogram::default();
        for v in 0..100_000i64 {
            h.add((1_000 + v) * 1000);
        }
        h.flush();
        assert!(h.buckets.len() <= 4096);
        let med = h.quantile(0.5) as i64;
        assert!((med - 51_000).abs() < 51_000 / 50, "{med}");
        assert_eq!(h.max, 100_999);
    }

    #[test]
    fn memo_key_is_exact_for_segment_source_and_vrid() {
        let seg = |capture_if, ifindex, vlan| Segment {
            capture_if,
            ifindex,
            vlan,
        };
        let v4: IpAddr = Ipv4Addr::new(0, 0, 0, 1).into();
        let v6: IpAddr = Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1).into();
        let keys = [
            memo_key(seg(0, None, None), v4, 1),
            memo_key(seg(0, None, None), v6, 1),
            memo_key(seg(0, None, None), v4, 2),
            memo_key(seg(1, None, None), v4, 1),
            memo_key(seg(0, Some(0), None), v4, 1),
            memo_key(seg(0, None, Some(0)), v4, 1),
            memo_key(seg(0, None, Some(4095)), v4, 1),
            memo_key(seg(0, Some(u32::MAX), Some(4095)), v6, 255),
        ];
        let distinct: BTreeSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
    }

    #[test]
    fn rfc5798_6_1_tolerance_is_a_tenth_of_the_interval_at_least_20_ms() {
        assert_eq!(eps(SECOND), 100 * MS);
        assert_eq!(eps(10 * MS), 20 * MS);
    }
}
