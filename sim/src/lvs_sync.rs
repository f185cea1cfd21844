//! keepalived's `lvs_sync_daemon` on a simulated director: the kernel's IPVS sync threads, run as master while
//! the named VRRP instance is MASTER and as backup otherwise, exchanging real UDP datagrams (version 1 sync
//! messages from [`lvs::sync`]) to the sync group (224.0.0.81:8848 by default) on the capture.
//!
//! What this module owns: the role rule (keepalived 2.2.7 `vrrp_init_state` starts the daemon in the state the
//! instance starts in, `vrrp_state_become_master` calls `ipvs_syncd_master`, `vrrp_state_leave_master` calls
//! `ipvs_syncd_backup`), the syncid default (the instance's `virtual_router_id` when `id` is not given), framing
//! the master's messages as Ethernet/IPv4/UDP multicast (TTL `ttl`, default 1, as the kernel's
//! `set_mcast_ttl`), and handing datagrams the backup receives to [`lvs::Ipvs::process_sync_message`]. The
//! sync rules themselves (which connection is sent when, what the backup creates) live in `lvs`.

use crate::host::stack::{ethernet, Stack};
use crate::net::Mac;
use crate::time::Instant;
use keepalived_conf::model::Config as KaConfig;
use lvs::keepalived::SyncDaemonPlan;
use lvs::Ipvs;
use std::net::{IpAddr, Ipv4Addr};

/// Which kernel sync thread runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncRole {
    /// None (keepalived not running, or stopped).
    Off,
    /// The master thread: sends the table's changes.
    Master,
    /// The backup thread: applies what the master sends.
    Backup,
}

/// The UDP source port of the master's socket. The kernel binds its send socket to port 0, so the port is an
/// ephemeral one; a fixed one keeps runs identical.
const SYNC_SRC_PORT: u16 = 40848;
const ETHERTYPE_IPV4: u16 = 0x0800;
/// Ethernet MTU − IPv4 − UDP headers: the kernel's default `sync_maxlen` (`get_max_sync_msg_len`).
const DEFAULT_MAXLEN: usize = 1500 - 20 - 8;

/// One director's sync daemon.
pub struct SyncDaemon {
    plan: SyncDaemonPlan,
    group: Ipv4Addr,
    syncid: u8,
    role: SyncRole,
    ip_id: u16,
}

impl SyncDaemon {
    /// The daemon for `plan` on a director running `config`; `None` when keepalived would drop the setting (the
    /// named VRRP instance does not exist: "vrrp instance ... not found for lvs_syncd - clearing lvs_syncd
    /// config") or the group is not IPv4 (this simulator's hosts are IPv4 only).
    pub fn new(plan: &SyncDaemonPlan, config: &KaConfig) -> Option<SyncDaemon> {
        let inst = config
            .vrrp_instances
            .iter()
            .find(|i| i.name == plan.vrrp_instance)?;
        let IpAddr::V4(group) = plan.group else {
            return None;
        };
        let syncid = plan.syncid.or(inst.virtual_router_id).unwrap_or(0);
        Some(SyncDaemon {
            plan: plan.clone(),
            group,
            syncid,
            role: SyncRole::Off,
            ip_id: 0,
        })
    }

    /// The VRRP instance whose state picks the role.
    pub fn instance(&self) -> &str {
        &self.plan.vrrp_instance
    }

    /// The sync id messages carry and the backup accepts.
    pub fn syncid(&self) -> u8 {
        self.syncid
    }

    /// The running thread.
    pub fn role(&self) -> SyncRole {
        self.role
    }

    /// Switch threads (`ipvs_syncd_master` / `ipvs_syncd_backup` / stop). Returns true when the role changed.
    /// Leaving master drops the unsent buffer, as stopping the kernel thread does.
    pub fn set_role(&mut self, role: SyncRole, ipvs: &mut Ipvs) -> bool {
        if role == self.role {
            return false;
        }
        if self.role == SyncRole::Master {
            ipvs.disable_sync_master();
        }
        if role == SyncRole::Master {
            ipvs.enable_sync_master(self.syncid, self.plan.maxlen.unwrap_or(DEFAULT_MAXLEN));
        }
        self.role = role;
        true
    }

    /// The master's finished messages as multicast frames from `stack`'s address. Returns how many entries they
    /// carried.
    pub fn send(&mut self, ipvs: &mut Ipvs, stack: &Stack, out: &mut Vec<Vec<u8>>) -> usize {
        let mut entries = 0;
        while let Some(msg) = ipvs.poll_sync_message() {
            entries += usize::from(msg.get(4).copied().unwrap_or(0));
            let packet = self.udp_packet(stack.ip, &msg);
            out.push(ethernet(
                multicast_mac(self.group),
                stack.mac,
                ETHERTYPE_IPV4,
                &packet,
            ));
        }
        entries
    }

    /// A received frame: `None` when it is not a datagram to the sync group and port (or this daemon is not the
    /// backup, so no socket listens); otherwise how many entries the backup applied (0 for a message it could not
    /// decode or whose syncid differs, as the kernel drops those).
    pub fn receive(&mut self, now: Instant, frame: &[u8], ipvs: &mut Ipvs) -> Option<usize> {
        if self.role != SyncRole::Backup {
            return None;
        }
        let payload = sync_payload(frame, self.group, self.plan.port)?;
        let at = lvs::Instant::from_nanos(now.as_nanos());
        Some(
            ipvs.process_sync_message(at, payload, self.syncid)
                .unwrap_or(0),
        )
    }

    fn udp_packet(&mut self, src: Ipv4Addr, msg: &[u8]) -> Vec<u8> {
        let udp_len = 8 + msg.len();
        let total = 20 + udp_len;
        self.ip_id = self.ip_id.wrapping_add(1);
        let mut p = Vec::with_capacity(total);
        p.extend_from_slice(&[0x45, 0]);
        p.extend_from_slice(&(total as u16).to_be_bytes());
        p.extend_from_slice(&self.ip_id.to_be_bytes());
        // DF, as Linux sets it on UDP sockets under the default path-MTU discovery.
        p.extend_from_slice(&[0x40, 0, self.plan.ttl, 17, 0, 0]);
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&self.group.octets());
        let ip_sum = checksum(&[&p[..20]]);
        p[10..12].copy_from_slice(&ip_sum.to_be_bytes());
        let mut udp = Vec::with_capacity(udp_len);
        udp.extend_from_slice(&SYNC_SRC_PORT.to_be_bytes());
        udp.extend_from_slice(&self.plan.port.to_be_bytes());
        udp.extend_from_slice(&(udp_len as u16).to_be_bytes());
        udp.extend_from_slice(&[0, 0]);
        udp.extend_from_slice(msg);
        let pseudo = [
            &src.octets()[..],
            &self.group.octets()[..],
            &[0, 17],
            &(udp_len as u16).to_be_bytes()[..],
        ];
        let mut sum = checksum(&[pseudo[0], pseudo[1], pseudo[2], pseudo[3], &udp]);
        if sum == 0 {
            // RFC 768: a computed zero is sent as all ones.
            sum = 0xffff;
        }
        udp[6..8].copy_from_slice(&sum.to_be_bytes());
        p.extend_from_slice(&udp);
        p
    }
}

/// RFC 1071 one's-complement sum over the concatenation of `parts` (each of even length except the last).
pub(crate) fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        for c in part.chunks(2) {
            sum += u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// RFC 1112 §6.4: 01:00:5e and the group's low 23 bits.
fn multicast_mac(group: Ipv4Addr) -> Mac {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

/// The UDP payload of an Ethernet/IPv4/UDP frame to `group:port`.
fn sync_payload(frame: &[u8], group: Ipv4Addr, port: u16) -> Option<&[u8]> {
    if frame.get(12..14)? != ETHERTYPE_IPV4.to_be_bytes() {
        return None;
    }
    let ip = frame.get(14..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    if *ip.get(9)? != 17 || ip.get(16..20)? != group.octets() || total > ip.len() || ihl < 20 {
        return None;
    }
    let udp = ip.get(ihl..total)?;
    let dport = u16::from_be_bytes([*udp.get(2)?, *udp.get(3)?]);
    let len = usize::from(u16::from_be_bytes([*udp.get(4)?, *udp.get(5)?]));
    if dport != port || len < 8 || len > udp.len() {
        return None;
    }
    udp.get(8..len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> KaConfig {
        keepalived_conf::parse_str(
            text,
            std::path::Path::new("test.conf"),
            &keepalived_conf::ParseOptions::default(),
        )
        .config
    }

    fn daemon(syncid: Option<u8>) -> SyncDaemon {
        let conf = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  192.0.2.200\n }\n}\n";
        let config = parse(conf);
        let plan = SyncDaemonPlan {
            interface: "eth0".into(),
            vrrp_instance: "VI_1".into(),
            syncid,
            maxlen: None,
            port: 8848,
            ttl: 1,
            group: IpAddr::V4(lvs::sync::SYNC_GROUP_V4),
        };
        SyncDaemon::new(&plan, &config).expect("instance exists")
    }

    #[test]
    fn keepalived_syncid_defaults_to_the_instance_vrid() {
        assert_eq!(daemon(None).syncid(), 51);
        assert_eq!(daemon(Some(7)).syncid(), 7);
    }

    #[test]
    fn keepalived_lvs_syncd_with_unknown_instance_is_cleared() {
        let config = parse("");
        let plan = SyncDaemonPlan {
            interface: "eth0".into(),
            vrrp_instance: "VI_9".into(),
            syncid: None,
            maxlen: None,
            port: 8848,
            ttl: 1,
            group: IpAddr::V4(lvs::sync::SYNC_GROUP_V4),
        };
        assert!(SyncDaemon::new(&plan, &config).is_none());
    }

    #[test]
    fn sync_datagram_is_udp_multicast_with_valid_checksums_and_round_trips() {
        let mut d = daemon(None);
        let msg = lvs::sync::encode(51, &[]);
        let packet = d.udp_packet(Ipv4Addr::new(192, 0, 2, 1), &msg);
        assert_eq!(checksum(&[&packet[..20]]), 0, "IPv4 header checksum");
        assert_eq!(packet[8], 1, "TTL 1");
        let frame = ethernet(
            multicast_mac(d.group),
            [2, 0, 0, 0, 0, 1],
            ETHERTYPE_IPV4,
            &packet,
        );
        assert_eq!(&frame[..6], &[0x01, 0x00, 0x5e, 0x00, 0x00, 0x51]);
        assert_eq!(sync_payload(&frame, d.group, 8848), Some(&msg[..]));
        assert_eq!(sync_payload(&frame, d.group, 8849), None);
        let udp = &packet[20..];
        let pseudo_sum = checksum(&[
            &packet[12..16],
            &packet[16..20],
            &[0, 17],
            &(udp.len() as u16).to_be_bytes(),
            udp,
        ]);
        assert_eq!(pseudo_sum, 0, "UDP checksum verifies");
    }

    #[test]
    fn only_the_backup_thread_receives() {
        let mut d = daemon(None);
        let mut ipvs = Ipvs::new(lvs::IpvsSettings::default(), 1);
        let msg = lvs::sync::encode(51, &[]);
        let packet = d.udp_packet(Ipv4Addr::new(192, 0, 2, 1), &msg);
        let frame = ethernet(
            multicast_mac(d.group),
            [2, 0, 0, 0, 0, 1],
            ETHERTYPE_IPV4,
            &packet,
        );
        assert_eq!(d.receive(Instant::ZERO, &frame, &mut ipvs), None);
        assert!(d.set_role(SyncRole::Backup, &mut ipvs));
        assert_eq!(d.receive(Instant::ZERO, &frame, &mut ipvs), Some(0));
        assert!(!d.set_role(SyncRole::Backup, &mut ipvs));
    }
}
