//! The L2 network: segments that behave like learning switches, and the links that attach NICs to them.
//!
//! A frame travels NIC → link (egress direction) → switch → link (ingress direction) → NIC. Each direction of
//! each link applies [`LinkOptions`] with its own random stream. The switch learns source MACs per port and
//! floods broadcast, multicast and unknown unicast, within the port's partition group.
//!
//! [`LinkOptions`] is the whole impairment vocabulary for a link in one struct; the scenario file's `link:`
//! blocks and the `SetLink` fault deserialize straight into it.

use crate::rng::{SimRng, Stream};
use crate::time::{serde_dur, Duration, Instant};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A MAC address.
pub type Mac = [u8; 6];

/// Everything that can be wrong with a link, in one struct (the scenario's `link:` mirrors it one to one).
///
/// Probabilities are per frame, in 0..=1. "out" is the node → switch direction, "in" is switch → node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkOptions {
    /// Carrier: a down link passes nothing in either direction (the node sees its interface go down).
    pub up: bool,
    /// One-way delay of each direction.
    #[serde(with = "serde_dur")]
    pub latency: Duration,
    /// Extra delay, uniform in 0..=jitter, drawn per frame and direction (frames may overtake each other).
    #[serde(with = "serde_dur")]
    pub jitter: Duration,
    /// Loss probability in both directions.
    pub loss: f64,
    /// Extra loss node → switch only (one-way loss).
    pub loss_out: f64,
    /// Extra loss switch → node only (one-way loss).
    pub loss_in: f64,
    /// Probability that a frame is delivered twice.
    pub duplicate: f64,
    /// Probability that a frame is held back by `reorder_delay`, so later frames overtake it.
    pub reorder: f64,
    /// How long a reordered frame is held back.
    #[serde(with = "serde_dur")]
    pub reorder_delay: Duration,
    /// A firewall on the node drops incoming IP protocol 112 (VRRP), as `iptables -A INPUT -p vrrp -j DROP`
    /// would: the node's own adverts still leave, but it hears no peer. The classic cause of split brain.
    pub block_vrrp: bool,
    /// Gratuitous ARPs the node sends are lost (node → switch).
    pub drop_garp: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            up: true,
            latency: Duration::from_micros(50),
            jitter: Duration::ZERO,
            loss: 0.0,
            loss_out: 0.0,
            loss_in: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::from_millis(1),
            block_vrrp: false,
            drop_garp: false,
        }
    }
}

/// Direction of travel on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Node → switch.
    Out,
    /// Switch → node.
    In,
}

/// What a link does to one frame: deliver copies after these delays, or drop it (empty).
pub type Deliveries = smallvec_like::Delays;

/// A tiny fixed-capacity list of delays (a frame yields at most two copies), so the hot path does not allocate.
pub mod smallvec_like {
    use crate::time::Duration;

    /// Up to two delays.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Delays {
        items: [Duration; 2],
        len: u8,
    }

    impl Delays {
        /// Adds a delay (a third one is ignored: duplication yields at most two copies).
        pub fn push(&mut self, d: Duration) {
            if (self.len as usize) < self.items.len() {
                self.items[self.len as usize] = d;
                self.len += 1;
            }
        }
        /// The delays, in order.
        pub fn as_slice(&self) -> &[Duration] {
            &self.items[..self.len as usize]
        }
    }
}

/// One port of a segment: the attachment of one NIC, with its two directions' random streams.
pub struct Port {
    /// The node owning the NIC.
    pub node: usize,
    /// The segment it plugs into.
    pub segment: usize,
    /// Current impairments.
    pub options: LinkOptions,
    rng_out: SimRng,
    rng_in: SimRng,
    /// Latest delivery time handed out per direction: a wire is a FIFO, so jitter never reorders frames
    /// (only `reorder` and `duplicate` do).
    last_out: Instant,
    last_in: Instant,
}

/// Classifies a frame for the filters that look inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameKind {
    /// Destination MAC is broadcast or multicast.
    pub group_dst: bool,
    /// IPv4/IPv6 carrying protocol 112.
    pub vrrp: bool,
    /// An ARP whose sender and target IP are equal (gratuitous), or an unsolicited NA.
    pub garp: bool,
}

impl FrameKind {
    /// Looks at the Ethernet, ARP and IP headers; anything too short is "none of the above".
    pub fn of(frame: &[u8]) -> FrameKind {
        let group_dst = frame.first().is_some_and(|b| b & 1 == 1);
        let ethertype = match (frame.get(12), frame.get(13)) {
            (Some(&a), Some(&b)) => u16::from_be_bytes([a, b]),
            _ => {
                return FrameKind {
                    group_dst,
                    vrrp: false,
                    garp: false,
                }
            }
        };
        let payload = frame.get(14..).unwrap_or(&[]);
        match ethertype {
            0x0800 => FrameKind {
                group_dst,
                vrrp: payload.get(9) == Some(&112),
                garp: false,
            },
            0x86dd => {
                let next = payload.get(6).copied();
                // ICMPv6 type 136 (NA) to a multicast destination is an unsolicited NA.
                let garp = next == Some(58) && payload.get(40) == Some(&136) && group_dst;
                FrameKind {
                    group_dst,
                    vrrp: next == Some(112),
                    garp,
                }
            }
            0x0806 => {
                let spa = payload.get(14..18);
                let tpa = payload.get(24..28);
                FrameKind {
                    group_dst,
                    vrrp: false,
                    garp: spa.is_some() && spa == tpa,
                }
            }
            _ => FrameKind {
                group_dst,
                vrrp: false,
                garp: false,
            },
        }
    }
}

impl Port {
    /// A port for `node` on `segment`, with random streams split from `seed` by the port's index.
    pub fn new(index: usize, node: usize, segment: usize, options: LinkOptions, seed: u64) -> Port {
        Port {
            node,
            segment,
            options,
            rng_out: SimRng::split(seed, Stream::LinkEgress, index as u32),
            rng_in: SimRng::split(seed, Stream::LinkIngress, index as u32),
            last_out: Instant::ZERO,
            last_in: Instant::ZERO,
        }
    }

    /// Decides the fate of one frame entering this link in `dir` at `now`: the delays after which its
    /// copies come out (none if it is lost).
    pub fn transit(&mut self, now: Instant, dir: Dir, kind: FrameKind) -> Deliveries {
        let o = &self.options;
        let mut out = Deliveries::default();
        if !o.up {
            return out;
        }
        let (rng, one_way, last) = match dir {
            Dir::Out => (&mut self.rng_out, o.loss_out, &mut self.last_out),
            Dir::In => (&mut self.rng_in, o.loss_in, &mut self.last_in),
        };
        if dir == Dir::In && o.block_vrrp && kind.vrrp {
            return out;
        }
        if dir == Dir::Out && o.drop_garp && kind.garp {
            return out;
        }
        if rng.chance(o.loss) || rng.chance(one_way) {
            return out;
        }
        let copies = if rng.chance(o.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            let mut d = o.latency + Duration::from_nanos(rng.upto(o.jitter.as_nanos()));
            if rng.chance(o.reorder) {
                // Held back past later frames: deliberately outside the FIFO rule.
                d += o.reorder_delay;
            } else {
                let at = (now + d).max(*last);
                *last = at;
                d = at - now;
            }
            out.push(d);
        }
        out
    }
}

/// Segment-wide settings (the scenario's `segments:` entries).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentOptions {
    /// The switch drops every multicast frame (broadcast still passes), like a switch with broken IGMP
    /// snooping: VRRP adverts to 224.0.0.18 vanish.
    pub drop_multicast: bool,
}

/// A learning switch.
pub struct Segment {
    /// The segment's name (also the capture interface's name).
    pub name: String,
    /// Current settings.
    pub options: SegmentOptions,
    /// Ports in attachment order.
    pub ports: Vec<usize>,
    /// Partition group per port index; ports in different groups cannot reach each other. Empty = no partition.
    pub groups: BTreeMap<usize, u32>,
    mac_table: BTreeMap<Mac, usize>,
}

impl Segment {
    /// An empty segment.
    pub fn new(name: String, options: SegmentOptions) -> Segment {
        Segment {
            name,
            options,
            ports: vec![],
            groups: BTreeMap::new(),
            mac_table: BTreeMap::new(),
        }
    }

    fn group(&self, port: usize) -> u32 {
        self.groups.get(&port).copied().unwrap_or(0)
    }

    /// Learns the source MAC of `frame` arriving on `from`, and lists the ports it must leave on.
    pub fn forward(&mut self, from: usize, frame: &[u8], kind: FrameKind, out: &mut Vec<usize>) {
        out.clear();
        let (Some(dst), Some(src)) = (frame.get(0..6), frame.get(6..12)) else {
            return;
        };
        let mut src_mac = [0u8; 6];
        src_mac.copy_from_slice(src);
        if src_mac[0] & 1 == 0 {
            self.mac_table.insert(src_mac, from);
        }
        let is_bcast = dst.iter().all(|&b| b == 0xff);
        if kind.group_dst && !is_bcast && self.options.drop_multicast {
            return;
        }
        let from_group = self.group(from);
        let mut dst_mac = [0u8; 6];
        dst_mac.copy_from_slice(dst);
        if !kind.group_dst {
            if let Some(&p) = self.mac_table.get(&dst_mac) {
                if p != from && self.group(p) == from_group {
                    out.push(p);
                }
                return;
            }
        }
        for &p in &self.ports {
            if p != from && self.group(p) == from_group {
                out.push(p);
            }
        }
    }

    /// Forgets learned MACs (after a topology change such as a partition, as a switch's flush would).
    pub fn flush(&mut self) {
        self.mac_table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(dst: Mac, src: Mac) -> Vec<u8> {
        let mut f = dst.to_vec();
        f.extend_from_slice(&src);
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[0u8; 46]);
        f
    }

    #[test]
    fn switch_floods_unknown_then_forwards_learned_unicast() {
        let mut s = Segment::new("lan".into(), SegmentOptions::default());
        s.ports = vec![0, 1, 2];
        let a = [2, 0, 0, 0, 0, 0xa];
        let b = [2, 0, 0, 0, 0, 0xb];
        let mut out = vec![];
        let f = eth(b, a);
        s.forward(0, &f, FrameKind::of(&f), &mut out);
        assert_eq!(out, vec![1, 2], "unknown unicast floods");
        let f = eth(a, b);
        s.forward(1, &f, FrameKind::of(&f), &mut out);
        assert_eq!(out, vec![0], "learned unicast goes to one port");
        let f = eth([0x01, 0, 0x5e, 0, 0, 0x12], a);
        s.forward(0, &f, FrameKind::of(&f), &mut out);
        assert_eq!(out, vec![1, 2], "multicast floods");
    }

    #[test]
    fn partition_and_multicast_drop() {
        let mut s = Segment::new(
            "lan".into(),
            SegmentOptions {
                drop_multicast: true,
            },
        );
        s.ports = vec![0, 1, 2];
        s.groups.insert(0, 1);
        let a = [2, 0, 0, 0, 0, 0xa];
        let mut out = vec![];
        let f = eth([0xff; 6], a);
        s.forward(0, &f, FrameKind::of(&f), &mut out);
        assert_eq!(out, Vec::<usize>::new(), "port 0 is alone in its group");
        s.forward(1, &f, FrameKind::of(&f), &mut out);
        assert_eq!(out, vec![2], "broadcast passes within the group");
        let f = eth([0x01, 0, 0x5e, 0, 0, 0x12], [2, 0, 0, 0, 0, 1]);
        s.forward(1, &f, FrameKind::of(&f), &mut out);
        assert_eq!(out, Vec::<usize>::new(), "multicast dropped by the switch");
    }

    #[test]
    fn link_down_loss_and_vrrp_firewall() {
        let mut p = Port::new(0, 0, 0, LinkOptions::default(), 1);
        let vrrp = FrameKind {
            group_dst: true,
            vrrp: true,
            garp: false,
        };
        assert_eq!(
            p.transit(Instant::ZERO, Dir::In, vrrp).as_slice(),
            &[Duration::from_micros(50)]
        );
        p.options.block_vrrp = true;
        assert!(p
            .transit(Instant::ZERO, Dir::In, vrrp)
            .as_slice()
            .is_empty());
        assert_eq!(
            p.transit(Instant::ZERO, Dir::Out, vrrp).as_slice().len(),
            1,
            "the firewall only drops incoming"
        );
        p.options.up = false;
        assert!(p
            .transit(Instant::ZERO, Dir::Out, vrrp)
            .as_slice()
            .is_empty());
        p.options = LinkOptions {
            loss_in: 1.0,
            ..LinkOptions::default()
        };
        assert!(p
            .transit(Instant::ZERO, Dir::In, vrrp)
            .as_slice()
            .is_empty());
        assert_eq!(
            p.transit(Instant::ZERO, Dir::Out, vrrp).as_slice().len(),
            1,
            "one-way loss"
        );
        p.options = LinkOptions {
            duplicate: 1.0,
            ..LinkOptions::default()
        };
        assert_eq!(p.transit(Instant::ZERO, Dir::Out, vrrp).as_slice().len(), 2);
    }
}
