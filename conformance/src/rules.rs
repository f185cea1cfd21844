//! The rule catalog: every item of docs/rfc-checklist.md with its RFC section and how (or whether) this
//! checker covers it, plus the checker's own capture-level rules.
//!
//! This module owns rule identity and coverage only. docs/conformance-coverage.md is generated from
//! [`RULES`] (a test keeps it current). The checks themselves live in `engine.rs`.

/// How a checklist item is covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Checked from the capture alone.
    Capture,
    /// Checked when configs are given (`--config` / `CheckOptions::configs`); partly from the capture.
    Config,
    /// Checked when the simulator passes its event log (`CheckOptions::events`); partly from the capture.
    Events,
    /// Needs probes or state only the simulator has; checked by the simulator's expectations, not here.
    Simulator,
    /// Cannot be checked from traffic at all.
    NotCheckable,
}

impl Coverage {
    /// Text used in the coverage table.
    pub fn label(self) -> &'static str {
        match self {
            Coverage::Capture => "checked from the capture",
            Coverage::Config => "checked with configs",
            Coverage::Events => "checked with the simulator's events",
            Coverage::Simulator => "checked only in the simulator",
            Coverage::NotCheckable => "not checkable",
        }
    }
}

/// One rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Checklist ID, e.g. `V2-PKT-04`.
    pub id: &'static str,
    /// RFC and section.
    pub rfc: &'static str,
    /// MUST / SHOULD / ...
    pub level: &'static str,
    /// What the RFC requires.
    pub what: &'static str,
    /// How it is covered.
    pub coverage: Coverage,
    /// What this checker does for it.
    pub how: &'static str,
}

/// Looks a rule up by ID.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The RFC reference of a rule ID (empty when unknown).
pub(crate) fn rfc_of(id: &str) -> &'static str {
    rule(id).map(|r| r.rfc).unwrap_or("")
}

/// Every rule, checklist order, then the capture-level rules (`CAP-*`) and config loading (`CFG-*`).
pub static RULES: &[Rule] = &[
    Rule { id: "V2-PKT-01", rfc: "RFC 3768 §5.2.4, 7.2", level: "MUST", what: "IPv4 protocol field is 112", coverage: Coverage::Capture, how: "VRRP is recognised by IP protocol 112; VRRP behind an IPv4 AH header (RFC 2338 auth type 2) is flagged." },
    Rule { id: "V2-PKT-02", rfc: "RFC 3768 §5.2.2, 7.2", level: "MUST", what: "IPv4 destination is 224.0.0.18 (\"send to the VRRP IP multicast group\")", coverage: Coverage::Capture, how: "Destination other than 224.0.0.18; unicast (keepalived unicast_peer) is recognised and is a note under keepalived." },
    Rule { id: "V2-PKT-03", rfc: "RFC 1112 §6.4 (derived), RFC 3768 §5.2.2", level: "MUST (derived)", what: "Ethernet dst is 01-00-5E-00-00-12 when IP dst is 224.0.0.18", coverage: Coverage::Capture, how: "Ethernet destination MAC against the IP multicast group (Ethernet link type only; SLL has no destination MAC)." },
    Rule { id: "V2-PKT-04", rfc: "RFC 3768 §5.2.3", level: "MUST", what: "TTL = 255", coverage: Coverage::Capture, how: "TTL of every advert." },
    Rule { id: "V2-PKT-05", rfc: "RFC 3768 §5.2.1, 7.2", level: "MUST", what: "IPv4 source = the primary IP address of the sending interface", coverage: Coverage::Config, how: "From the capture: a non-owner (priority < 255) advertising from one of its own virtual addresses. With --config: source against unicast_src_ip / mcast_src_ip." },
    Rule { id: "V2-PKT-06", rfc: "RFC 3768 §7.2, 7.3", level: "MUST", what: "Ethernet source = 00-00-5E-00-01-{VRID}, and its last octet equals the VRID field", coverage: Coverage::Capture, how: "Source MAC against 00-00-5E-00-01-{VRID} (note under keepalived: no use_vmac)." },
    Rule { id: "V2-PKT-07", rfc: "RFC 3768 §5.3.1, 7.1", level: "MUST", what: "Version nibble = 2", coverage: Coverage::Capture, how: "Version nibble; a v2 router checked under a v3 profile is also reported." },
    Rule { id: "V2-PKT-08", rfc: "RFC 3768 §5.3.2", level: "MUST", what: "Type nibble = 1", coverage: Coverage::Capture, how: "Type nibble." },
    Rule { id: "V2-PKT-09", rfc: "RFC 3768 §5.3.3", level: "MUST", what: "VRID in 1–255 and equals the configured VRID of the sender", coverage: Coverage::Config, how: "VRID 0 from the capture; with --config, a VRID that the sender has no vrrp_instance for." },
    Rule { id: "V2-PKT-10", rfc: "RFC 3768 §5.3.4", level: "MUST", what: "Priority semantics: 255 only from the address owner; 1–254 from non-owners; 0 only as a master's \"stopped participating\" message", coverage: Coverage::Config, how: "From the capture: priority 255 from a source that is not one of the advertised addresses, priority 0 from a non-master. With --config: 255 from a config that does not own the addresses." },
    Rule { id: "V2-PKT-11", rfc: "RFC 3768 §5.3.5, 7.1", level: "MUST", what: "Count IP Addrs consistent with length: IP payload = 16 + 4·Count bytes", coverage: Coverage::Capture, how: "IP payload length against 16 + 4 x Count; Count 0 is a warning. VRRPv2 over IPv6 is held to 16 + 16 x Count; keepalived's form without the 8-byte trailer (8 + 16 x Count, vrrp.c vrrp_pkt_len) is a note under keepalived." },
    Rule { id: "V2-PKT-12", rfc: "RFC 3768 §5.3.6", level: "MUST (receiver) / see note", what: "Auth Type is 0; types 1 and 2 are only \"reserved\" for RFC 2338 compatibility; any other value is unknown", coverage: Coverage::Capture, how: "Auth Type 1/2 warning (note under keepalived), >= 3 error." },
    Rule { id: "V2-PKT-13", rfc: "RFC 3768 §5.3.10", level: "SHOULD", what: "With Auth Type 0 the 8-byte Authentication Data is all zero", coverage: Coverage::Capture, how: "Authentication Data all zero when Auth Type is 0." },
    Rule { id: "V2-PKT-14", rfc: "RFC 3768 §5.3.7", level: "MUST (consistency)", what: "Adver Int is whole seconds, non-zero, equal to the VRID's configured interval", coverage: Coverage::Config, how: "Adver Int 0 from the capture; mismatch with advert_int with --config." },
    Rule { id: "V2-PKT-15", rfc: "RFC 3768 §5.3.8, 7.1", level: "MUST", what: "Checksum = 16-bit one's complement of the one's-complement sum of the whole VRRP message \"starting with the version field\", checksum field zeroed, no pseudo-header; covers addresses and the 8 auth bytes", coverage: Coverage::Capture, how: "Checksum over the whole message, no pseudo-header. For VRRPv2 over IPv6, keepalived's kernel-filled checksum with the IPv6 pseudo-header (IPV6_CHECKSUM) is a note under keepalived." },
    Rule { id: "V2-PKT-16", rfc: "RFC 3768 §5.3.9, 7.1", level: "MAY (check)", what: "The address list equals the VIP set configured for the VRID", coverage: Coverage::Config, how: "Advertised addresses against virtual_ipaddress with --config." },
    Rule { id: "V2-PKT-17", rfc: "RFC 3768 §1, 5.1", level: "MUST (scope)", what: "VRRPv2 is IPv4-only", coverage: Coverage::Capture, how: "Version 2 inside IPv6 (note under keepalived, which allows it without strict_mode)." },
    Rule { id: "V2-PKT-18", rfc: "RFC 3768 §5.2.2", level: "MUST NOT", what: "Routers never forward datagrams to 224.0.0.18, whatever the TTL", coverage: Coverage::Capture, how: "TTL < 255 (PKT-04), and the same advert seen on two capture interfaces of one pcapng file." },
    Rule { id: "V2-PKT-19", rfc: "RFC 3768 §6.4.1, 6.4.2, 8.2", level: "MUST (content)", what: "Gratuitous ARP sent on becoming master: ARP for the VIP, sender protocol address = target protocol address = VIP, sender hardware address = virtual router MAC, Ethernet src = virtual MAC, Ethernet dst = broadcast", coverage: Coverage::Capture, how: "Gratuitous ARP for an advertised address: sender MAC and Ethernet source = virtual MAC, broadcast destination (note under keepalived)." },
    Rule { id: "V2-PKT-20", rfc: "RFC 3768 §6.4.3, 8.2", level: "MUST / MUST NOT", what: "An ARP reply for a VIP carries the virtual router MAC, never the physical MAC", coverage: Coverage::Capture, how: "ARP reply for an advertised address carries the virtual MAC (note under keepalived)." },
    Rule { id: "V3-PKT-01", rfc: "RFC 5798 §5.1.1.4, 5.1.2.4, 7.2", level: "MUST", what: "IPv4 protocol / IPv6 Next Header = 112 (no extension headers expected)", coverage: Coverage::Capture, how: "IPv6 extension headers before VRRP are a note." },
    Rule { id: "V3-PKT-02", rfc: "RFC 5798 §5.1.1.2, 5.1.2.2, 7.2", level: "MUST", what: "Destination 224.0.0.18 (IPv4) or ff02::12 (IPv6)", coverage: Coverage::Capture, how: "As V2-PKT-02 with ff02::12 for IPv6." },
    Rule { id: "V3-PKT-03", rfc: "RFC 1112 §6.4, RFC 2464 §7 (derived), RFC 5798 §5.1", level: "MUST (derived)", what: "Ethernet dst 01-00-5E-00-00-12 / 33-33-00-00-00-12", coverage: Coverage::Capture, how: "As V2-PKT-03 with 33-33-00-00-00-12." },
    Rule { id: "V3-PKT-04", rfc: "RFC 5798 §5.1.1.3, 5.1.2.3", level: "MUST", what: "IPv4 TTL = 255; IPv6 Hop Limit = 255", coverage: Coverage::Capture, how: "TTL / Hop Limit of every advert." },
    Rule { id: "V3-PKT-05", rfc: "RFC 5798 §5.1.1.1, 7.2", level: "MUST", what: "IPv4 source = primary IPv4 address of the sending interface", coverage: Coverage::Config, how: "As V2-PKT-05." },
    Rule { id: "V3-PKT-06", rfc: "RFC 5798 §5.1.2.1, 7.2", level: "MUST", what: "IPv6 source = the link-local address of the sending interface", coverage: Coverage::Capture, how: "IPv6 source outside fe80::/10." },
    Rule { id: "V3-PKT-07", rfc: "RFC 5798 §7.2, 7.3", level: "MUST", what: "Ethernet src = 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID} (IPv6)", coverage: Coverage::Capture, how: "Source MAC against 00-00-5E-00-01/02-{VRID} by family." },
    Rule { id: "V3-PKT-08", rfc: "RFC 5798 §5.2.1, 7.1", level: "MUST", what: "Version = 3", coverage: Coverage::Capture, how: "Version nibble." },
    Rule { id: "V3-PKT-09", rfc: "RFC 5798 §5.2.2", level: "MUST", what: "Type = 1", coverage: Coverage::Capture, how: "Type nibble." },
    Rule { id: "V3-PKT-10", rfc: "RFC 5798 §5.2.3", level: "MUST", what: "VRID 1–255 (no default)", coverage: Coverage::Config, how: "VRID 0 from the capture; unconfigured VRID with --config. IPv4 and IPv6 instances are tracked separately." },
    Rule { id: "V3-PKT-11", rfc: "RFC 5798 §5.2.4", level: "MUST", what: "Priority: owner sends 255, backups configured 1–254 (default 100), 0 = master relinquishing", coverage: Coverage::Config, how: "As V2-PKT-10." },
    Rule { id: "V3-PKT-12", rfc: "RFC 5798 §5.2.5", level: "MUST", what: "Count ≥ 1 (\"minimum value is 1\"), and length = 8 + 4·n (IPv4) / 8 + 16·n (IPv6) exactly", coverage: Coverage::Capture, how: "Count 0 and length against 8 + 4n / 8 + 16n (including a v2-style auth trailer)." },
    Rule { id: "V3-PKT-13", rfc: "RFC 5798 §5.2.6", level: "MUST", what: "The 4 reserved bits are zero on transmit", coverage: Coverage::Capture, how: "Reserved nibble." },
    Rule { id: "V3-PKT-14", rfc: "RFC 5798 §5.2.7", level: "MUST (consistency)", what: "Max Adver Int in centiseconds, 1–4095, equal to the sender's configured Advertisement_Interval", coverage: Coverage::Config, how: "Max Adver Int 0 from the capture; mismatch with advert_int with --config (warning)." },
    Rule { id: "V3-PKT-15", rfc: "RFC 5798 §5.2.8, 7.1", level: "MUST", what: "Checksum = one's complement sum over the VRRP message plus the pseudo-header of RFC 2460 §8.1 with next header 112, checksum field zeroed", coverage: Coverage::Capture, how: "Both IPv4 forms computed; rfc5798 wants the pseudo-header form, rfc9568 the message-only form, keepalived accepts both; the form is reported per router." },
    Rule { id: "V3-PKT-16", rfc: "RFC 5798 §5.2.9", level: "MUST NOT", what: "One address family per message, equal to the IP header's family", coverage: Coverage::Capture, how: "Addresses that cannot be a virtual address of that family (unspecified, multicast, IPv4-mapped)." },
    Rule { id: "V3-PKT-17", rfc: "RFC 5798 §5.2.9, 6.1", level: "must (lc) → MUST [9568]", what: "For IPv6 the first address is the virtual router's link-local address", coverage: Coverage::Capture, how: "First IPv6 address not link-local: error under rfc9568, warning under rfc5798, note under keepalived." },
    Rule { id: "V3-PKT-18", rfc: "RFC 5798 §7.1", level: "MAY (check), SHOULD (log)", what: "Address list equals the configured VIP set", coverage: Coverage::Config, how: "Advertised addresses against virtual_ipaddress with --config (warning)." },
    Rule { id: "V3-PKT-19", rfc: "RFC 5798 §5.1.1.2, 5.1.2.2", level: "MUST NOT", what: "No forwarding of 224.0.0.18 / ff02::12", coverage: Coverage::Capture, how: "As V2-PKT-18." },
    Rule { id: "V3-PKT-20", rfc: "RFC 5798 §6.4.1, 6.4.2 (+ [9568] errata 7947/7949)", level: "MUST (content)", what: "IPv4 GARP on becoming master: sender/target protocol address = VIP, sender HW = virtual MAC 00-00-5E-00-01-{VRID}, Ethernet dst broadcast", coverage: Coverage::Capture, how: "As V2-PKT-19." },
    Rule { id: "V3-PKT-21", rfc: "RFC 5798 §6.4.1, 6.4.2", level: "MUST (content)", what: "IPv6 unsolicited Neighbor Advertisement for each IPv6 VIP: ICMPv6 type 136, Router flag R=1, Solicited S=0, Override O=1, target = VIP, Target Link-Layer Address option = virtual MAC 00-00-5E-00-02-{VRID}; Hop Limit 255 and dst ff02::1 come from RFC 4861 (unsolicited NA), not RFC 5798", coverage: Coverage::Capture, how: "Unsolicited NA for an advertised IPv6 address: R=1, S=0, O=1, TLLA = virtual MAC, Hop Limit 255, destination ff02::1. R=0 and a physical TLLA are notes under keepalived (it sets R only when IPv6 forwarding is on, vrrp_ndisc.c)." },
    Rule { id: "V3-PKT-22", rfc: "RFC 5798 §6.4.3, 8.2.2", level: "MUST / MUST NOT", what: "Master's replies to ARP requests / Neighbor Solicitations for a VIP carry the virtual MAC, never the physical MAC; [9568] NA to an NS has R=1", coverage: Coverage::Capture, how: "ARP reply / solicited NA for an advertised address with a physical MAC." },
    Rule { id: "V3-PKT-23", rfc: "RFC 5798 §8.2.2", level: "MUST / MUST NOT", what: "An NS the master sends for a host, if it includes a Source Link-Layer Address option, uses the virtual MAC, not the physical one", coverage: Coverage::Capture, how: "NS sourced from an advertised address with a physical source link-layer address." },
    Rule { id: "V3-PKT-24", rfc: "RFC 5798 §7.4", level: "MUST NOT", what: "IPv6 interface identifiers are not derived from the virtual MAC (no EUI-64 from 00-00-5E-00-02-xx)", coverage: Coverage::Capture, how: "Any IPv6 source address whose interface identifier is the EUI-64 of a virtual MAC." },
    Rule { id: "V2-SEQ-01", rfc: "RFC 3768 §6.4.3", level: "MUST", what: "While master, adverts are sent every Advertisement_Interval (Adver_Timer reset after each send)", coverage: Coverage::Capture, how: "Gap between consecutive adverts of the current master against its advertised interval (early adverts explained by another source are allowed)." },
    Rule { id: "V2-SEQ-02", rfc: "RFC 3768 §5.3.7, 6.4.3", level: "MUST (consistency)", what: "The Adver Int field equals the observed cadence", coverage: Coverage::Capture, how: "Median advert interval against the Adver Int field." },
    Rule { id: "V2-SEQ-03", rfc: "RFC 3768 §6.1, 6.4.2", level: "MUST", what: "Master-down takeover timing: after the last advert from master M at t0 (no priority 0; M crashed or partitioned), backup B's first advert appears at t0 + 3A + (256 − p_B)/256 s", coverage: Coverage::Capture, how: "Premature takeover: new master earlier than 3 x interval + skew (from its advertised priority) after the old master's last advert. A late takeover needs to know the backup was alive: simulator." },
    Rule { id: "V2-SEQ-04", rfc: "RFC 3768 §6.1", level: "MUST (consequence)", what: "With several backups, the highest-priority one times out first; the others see its advert before their own timers expire and stay silent", coverage: Coverage::Capture, how: "A lower-priority backup that starts advertising after a higher-priority one has taken over." },
    Rule { id: "V2-SEQ-05", rfc: "RFC 3768 §6.4.2", level: "MUST", what: "On a priority-0 advert, backups set Master_Down_Timer to Skew_Time: new master's first advert at t0 + (256 − p_B)/256 s", coverage: Coverage::Capture, how: "New master's first advert at Skew_Time after the priority-0 advert." },
    Rule { id: "V2-SEQ-06", rfc: "RFC 3768 §6.4.3", level: "MUST", what: "Graceful shutdown of a master: cancel Adver_Timer, send one advert with priority 0, go to Initialize (no further adverts)", coverage: Coverage::Events, how: "From the capture: adverts after a priority-0 advert, priority 0 from a non-master. With events: a graceful stop of a master without a priority-0 advert." },
    Rule { id: "V2-SEQ-07", rfc: "RFC 3768 §6.4.3", level: "MUST", what: "A master that receives a priority-0 advert (another master leaving) immediately sends an advert and resets its Adver_Timer", coverage: Coverage::Capture, how: "A master that sees another source's priority-0 advert sends an advert at once." },
    Rule { id: "V2-SEQ-08", rfc: "RFC 3768 §6.4.2, 6.4.3", level: "MUST", what: "Preemption (Preempt_Mode True, the default): a backup with higher priority than the master discards the master's lower-priority adverts, so it times out and advertises after MDI; the old master, on receiving a higher-priority advert, cancels Adver_Timer and becomes Backup", coverage: Coverage::Capture, how: "(b) the old master advertising after a higher-priority advert. (a) needs configs and start times: simulator." },
    Rule { id: "V2-SEQ-09", rfc: "RFC 3768 §6.4.3", level: "MUST", what: "Equal-priority tie-break: a master receiving an advert with its own priority steps down iff the sender's primary IP address is numerically greater than its own (unsigned 32-bit, network order); otherwise it discards the advert", coverage: Coverage::Capture, how: "Equal priority: the lower source address keeps advertising after the higher one." },
    Rule { id: "V2-SEQ-10", rfc: "RFC 3768 §6.1, 6.4.2", level: "MUST", what: "Preempt_Mode False: a backup resets its timer on every advert regardless of priority, so a higher-priority backup never takes over a live lower-priority master. Exception: the owner (255) always preempts", coverage: Coverage::Config, how: "With --config: a higher-priority non-owner configured nopreempt taking over from a live master." },
    Rule { id: "V2-SEQ-11", rfc: "RFC 3768 §6.4.1", level: "MUST", what: "Startup of the owner (priority 255): send an advert, broadcast GARP for each VIP, become Master immediately", coverage: Coverage::Events, how: "With events: an owner (priority 255) whose first advert is not immediately after its start." },
    Rule { id: "V2-SEQ-12", rfc: "RFC 3768 §6.4.1", level: "MUST", what: "Startup of a non-owner: enter Backup, arm Master_Down_Timer = MDI; never advertise before MDI elapses without hearing a master", coverage: Coverage::Events, how: "From the capture: a backup advertising while a winning master advertises on time. With events: a non-owner advertising sooner than Master_Down_Interval after its start." },
    Rule { id: "V2-SEQ-13", rfc: "RFC 3768 §6.4.2", level: "MUST", what: "Becoming master after Master_Down_Timer: send an advert, broadcast GARP for each VIP, arm Adver_Timer", coverage: Coverage::Capture, how: "A gratuitous ARP per advertised address within 1 s of each observed takeover; counts are reported per master. A GARP is credited to the master of the moment (open epoch, adverts not stopped), so routers sharing a virtual MAC (use_vmac) are told apart; one sent just before a takeover is the new master's." },
    Rule { id: "V2-SEQ-14", rfc: "RFC 3768 §6.4 (state machine)", level: "MUST (invariant)", what: "Only masters advertise; in steady state at most one master per VRID/segment", coverage: Coverage::Events, how: "Split-brain windows from the capture (error); with events, windows during an injected fault are notes." },
    Rule { id: "V2-SEQ-15", rfc: "RFC 3768 §6.4.2", level: "MUST NOT / MUST", what: "Backup does not answer ARP for VIPs, discards frames addressed to the virtual MAC, does not accept packets to VIPs", coverage: Coverage::Simulator, how: "Needs the harness to send ARP requests / pings to a backup." },
    Rule { id: "V2-SEQ-16", rfc: "RFC 3768 §6.4.3", level: "MUST", what: "Master answers ARP for VIPs (with virtual MAC, V2-PKT-20) and forwards frames sent to the virtual MAC", coverage: Coverage::Simulator, how: "Needs probes and the simulator's forwarding log." },
    Rule { id: "V2-SEQ-17", rfc: "RFC 3768 §6.4.3", level: "MUST NOT / MUST", what: "A non-owner master does not accept packets addressed to the VIPs (v2 has no Accept_Mode); the owner does", coverage: Coverage::Simulator, how: "Needs pings to the virtual address from the harness." },
    Rule { id: "V2-SEQ-18", rfc: "RFC 3768 §7.1", level: "MUST (discard)", what: "Receivers discard adverts that fail: TTL ≠ 255, version ≠ 2, incomplete, bad checksum, VRID not configured / local router is owner, Auth Type mismatch, Adver Int ≠ local", coverage: Coverage::Simulator, how: "Needs injected one-defect adverts." },
    Rule { id: "V2-SEQ-19", rfc: "RFC 3768 §7.1", level: "MUST (drop)", what: "An advert whose address list does not match the configured VIPs and whose sender is not the owner (priority ≠ 255) is dropped; from the owner it is processed", coverage: Coverage::Simulator, how: "Needs injected adverts with a mismatching address list." },
    Rule { id: "V2-SEQ-20", rfc: "RFC 3768 §8.2", level: "SHOULD NOT / should (lc)", what: "After boot, no ARP with the physical MAC for owned VIPs; GARP/ARP replies delayed until the VIP and virtual MAC are configured", coverage: Coverage::Simulator, how: "Needs node start times and per-node ARP tables: the simulator checks it." },
    Rule { id: "V2-SEQ-21", rfc: "RFC 3768 §8.4", level: "SHOULD NOT", what: "A non-owner master does not forward packets addressed to the VIPs (loop risk)", coverage: Coverage::Simulator, how: "Needs traffic to the virtual address from the harness." },
    Rule { id: "V3-SEQ-01", rfc: "RFC 5798 §6.4.3", level: "MUST", what: "Master advertises every Advertisement_Interval (centiseconds)", coverage: Coverage::Capture, how: "As V2-SEQ-01 in centiseconds." },
    Rule { id: "V3-SEQ-02", rfc: "RFC 5798 §6.4.2 (445–460)", level: "MUST", what: "A backup accepting an advert (Preempt_Mode False, or advert priority ≥ local) sets Master_Adver_Interval = the advert's Max Adver Int, recomputes Master_Down_Interval, resets the timer", coverage: Coverage::Capture, how: "Premature takeover using Master_Adver_Interval learned from the old master's last advert." },
    Rule { id: "V3-SEQ-03", rfc: "RFC 5798 §6.4.2", level: "MUST", what: "Priority-0 advert → backup timer = Skew_Time (interval-proportional)", coverage: Coverage::Capture, how: "As V2-SEQ-05 with the interval-proportional skew." },
    Rule { id: "V3-SEQ-04", rfc: "RFC 5798 §6.4.3", level: "MUST", what: "Graceful shutdown: one priority-0 advert, then silence", coverage: Coverage::Events, how: "As V2-SEQ-06." },
    Rule { id: "V3-SEQ-05", rfc: "RFC 5798 §6.4.3", level: "MUST", what: "Master receiving priority 0 → immediate advert + reset Adver_Timer", coverage: Coverage::Capture, how: "As V2-SEQ-07." },
    Rule { id: "V3-SEQ-06", rfc: "RFC 5798 §6.4.3", level: "MUST", what: "Master receiving an advert with higher priority, or equal priority and a greater sender primary IPvX address ([9568]: unsigned compare in network byte order; IPv6 compares the link-local sources), cancels Adver_Timer, adopts the advert's interval, recomputes Skew_Time and Master_Down_Interval, becomes Backup", coverage: Coverage::Capture, how: "The loser (higher priority seen, or equal priority and greater source address) keeps advertising." },
    Rule { id: "V3-SEQ-07", rfc: "RFC 5798 §6.4.3", level: "MUST (discard) / **[9568] MUST also send an advert**", what: "Master receiving a lower-priority (or losing tie) advert discards it. RFC 9568 adds: immediately send an advert so learning bridges relearn the segment", coverage: Coverage::Capture, how: "Under rfc9568 a master must answer a lower-priority advert at once (error if not); under rfc5798 an immediate answer is a note." },
    Rule { id: "V3-SEQ-08", rfc: "RFC 5798 §6.1, 6.4.2", level: "MUST", what: "Preempt_Mode semantics (default True); owner always preempts", coverage: Coverage::Config, how: "As V2-SEQ-10." },
    Rule { id: "V3-SEQ-09", rfc: "RFC 5798 §6.1, 6.4.3 (650/655)", level: "MUST / MUST NOT", what: "Accept_Mode (default False): a non-owner master with Accept_Mode False does not accept packets addressed to the VIPs; with True it does; the owner always does. IPv6 NS/NA \"MUST NOT be dropped\" even when Accept_Mode is False", coverage: Coverage::Simulator, how: "Needs pings / NS to the virtual address from the harness." },
    Rule { id: "V3-SEQ-10", rfc: "RFC 5798 §6.4.1", level: "MUST", what: "Owner startup: advert + GARP per IPv4 VIP / unsolicited NA per IPv6 VIP, immediately Master", coverage: Coverage::Events, how: "As V2-SEQ-11." },
    Rule { id: "V3-SEQ-11", rfc: "RFC 5798 §6.4.1", level: "MUST", what: "Non-owner startup: Master_Adver_Interval := own Advertisement_Interval, Backup, wait MDI", coverage: Coverage::Events, how: "As V2-SEQ-12." },
    Rule { id: "V3-SEQ-12", rfc: "RFC 5798 §6.4.2", level: "MUST", what: "Becoming master: advert; IPv4: GARP per VIP; IPv6: join the Solicited-Node group of each VIP and send an unsolicited NA per VIP", coverage: Coverage::Capture, how: "A gratuitous ARP (IPv4) / unsolicited NA (IPv6) per advertised address within 1 s of each observed takeover. MLD is not checked." },
    Rule { id: "V3-SEQ-13", rfc: "RFC 5798 §6.4.2", level: "MUST NOT / MUST", what: "Backup: no ARP replies, no NA replies to NS for VIPs, no Router Advertisements for the virtual router, discard frames to the virtual MAC, accept nothing addressed to VIPs", coverage: Coverage::Simulator, how: "Needs the state of each node (Backup) and probes." },
    Rule { id: "V3-SEQ-14", rfc: "RFC 5798 §6.4.3", level: "MUST", what: "Master: answers ARP, is in the Solicited-Node group, answers NS, sends ND Router Advertisements for the virtual router, forwards frames to the virtual MAC", coverage: Coverage::Simulator, how: "Needs probes (NS) and Router Advertisement expectations per profile." },
    Rule { id: "V3-SEQ-15", rfc: "RFC 5798 §6.4", level: "MUST (invariant)", what: "At most one master per (VRID, family, segment) in steady state", coverage: Coverage::Events, how: "As V2-SEQ-14." },
    Rule { id: "V3-SEQ-16", rfc: "RFC 5798 §7.1", level: "MUST (discard)", what: "Receivers discard: TTL/Hop Limit ≠ 255, version ≠ 3, incomplete, bad checksum, VRID not configured, local router is owner. [9568] erratum 8298: owner-receives-advert becomes SHOULD log, not discard; errata 8299/8300/8301 add count = 0, first IPv6 address not link-local, interval = 0 as discard reasons", coverage: Coverage::Simulator, how: "Needs injected one-defect adverts." },
    Rule { id: "V3-SEQ-17", rfc: "RFC 5798 §8.4.2", level: "MAY (mode) → MUST / SHOULD", what: "Optional v2/v3 dual mode: a master so configured sends both v2 and v3 adverts at the configured rate even if sub-second; a backup times out from the master's advertised rate (converting v2 seconds to centiseconds; [9568] MUST) and ignores v2 adverts from a master that also sends v3", coverage: Coverage::Capture, how: "v2 and v3 adverts for the same virtual router (permanent mixed operation is NOT RECOMMENDED): warning." },
    Rule { id: "V3-SEQ-18", rfc: "RFC 5798 §8.3.2", level: "should (lc)", what: "At most one router per VRID with priority 255 ([9568]: log if several seen)", coverage: Coverage::Capture, how: "Two sources advertising priority 255 for the same virtual router." },
    Rule { id: "V3-SEQ-19", rfc: "RFC 5798 §8.3.2", level: "should (lc)", what: "Backup priorities distinct enough that backups do not promote together", coverage: Coverage::Config, how: "With --config: two backups configured with the same priority." },
    Rule { id: "V3-SEQ-20", rfc: "RFC 5798 §8.2.2", level: "must (lc) / SHOULD NOT", what: "At boot: ND messages delayed until the IPv6 address and virtual MAC are configured; no ND with physical MAC for owned addresses", coverage: Coverage::Simulator, how: "Needs node start times and per-node ND state." },
    Rule { id: "V3-SEQ-21", rfc: "RFC 5798 §8.3.1", level: "SHOULD NOT", what: "Non-owner master does not forward packets addressed to VIPs", coverage: Coverage::Simulator, how: "Needs traffic to the virtual address from the harness." },
    Rule { id: "V3-SEQ-22", rfc: "RFC 5798 §2.5 [9568]", level: "SHOULD (log)", what: "With small intervals, queueing delay can cause flapping; log it", coverage: Coverage::Events, how: "Three or more master changes within 60 s: warning; with events, changes near an injected fault are excused." },
    Rule { id: "COM-01", rfc: "RFC 3768 §7.1 / RFC 5798 §7.1", level: "SHOULD (log)", what: "Failed receive checks are logged", coverage: Coverage::NotCheckable, how: "Concerns the implementation's own logs and counters, which a capture does not contain." },
    Rule { id: "COM-02", rfc: "RFC 3768 §7.1 / RFC 5798 §7.1", level: "MAY", what: "Address list consistency across all routers of a VRID", coverage: Coverage::Capture, how: "Two sources on one virtual router advertising different address sets." },
    Rule { id: "COM-03", rfc: "RFC 5798 §1", level: "MUST (model)", what: "IPv4 and IPv6 instances with the same VRID are independent", coverage: Coverage::Capture, how: "By construction: routers are keyed by (interface, family, VRID)." },
    Rule { id: "COM-04", rfc: "RFC 9568 §5.2.9", level: "SHOULD", what: "Address list sent in the same (configured) order by all routers", coverage: Coverage::Capture, how: "Same address set in a different order: note." },
    Rule { id: "COM-05", rfc: "RFC 3768 §5.3.4 / RFC 5798 §5.2.4", level: "MUST", what: "Priority changes at run time (tracking) are legal; the priority field must always equal the node's current effective priority, never 255 for a non-owner and never < 255 for the owner", coverage: Coverage::Simulator, how: "Needs the effective-priority log of each node (tracking)." },
    Rule { id: "CAP-01", rfc: "pcap / pcapng format", level: "-", what: "The capture ends inside a record", coverage: Coverage::Capture, how: "Reported as an error; the records before it are checked." },
    Rule { id: "CAP-02", rfc: "pcap / pcapng format", level: "-", what: "A record header is corrupt (length beyond limits, unknown interface)", coverage: Coverage::Capture, how: "Reported as an error; reading stops there, the records before it are checked." },
    Rule { id: "CAP-03", rfc: "pcap / pcapng format", level: "-", what: "A VRRP frame was cut by the capture's snap length", coverage: Coverage::Capture, how: "Note; length and checksum rules are skipped for that frame." },
    Rule { id: "CAP-04", rfc: "pcap / pcapng format", level: "-", what: "A pcapng interface after the first one has a link type the checker does not decode", coverage: Coverage::Capture, how: "Note with the count of its frames; they keep their frame numbers and the other interfaces are checked. An unsupported link type on the first interface (or in a pcap header) makes the file unreadable (exit 2)." },
    Rule { id: "CFG-01", rfc: "keepalived.conf", level: "-", what: "A --config file has errors or names no vrrp_instance for the capture", coverage: Coverage::Config, how: "Config diagnostics are reported as findings." },
];
