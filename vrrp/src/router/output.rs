//! What a [`crate::router::Router`] hands back: frames to send ([`Transmit`]), things that
//! happened ([`Event`]) and its counters ([`Stats`]).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::frame::{self, AdvertFrame, FrameError, MacAddr};
use crate::wire::{ChecksumForm, VrrpRepr};

/// Router state. `Fault` is keepalived's (interface down or a failed zero-weight track); this
/// crate uses it in every mode for "cannot participate" so the RFC modes stay observable.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Not started, or shut down (RFC 5798 §6.4.1).
    Initialize,
    /// RFC 5798 §6.4.2.
    Backup,
    /// RFC 5798 §6.4.3.
    Master,
    /// keepalived FAULT: silent, ignores adverts, owns no VIPs.
    Fault,
}

impl State {
    /// Upper-case name as keepalived logs it (`MASTER`, `BACKUP`, `FAULT`, `INIT`).
    pub const fn name(self) -> &'static str {
        match self {
            State::Initialize => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        }
    }
}

impl core::fmt::Display for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why the state changed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// `start` of a non-owner: Initialize → Backup (RFC 5798 §6.4.1).
    Startup,
    /// `start` of the address owner: Initialize → Master (RFC 5798 §6.4.1).
    OwnerStartup,
    /// Master_Down_Timer fired (RFC 5798 §6.4.2).
    MasterDownTimer,
    /// A master heard a higher priority (RFC 5798 §6.4.3).
    HigherPriority,
    /// A master heard its own priority from a higher primary address (RFC 5798 §6.4.3).
    EqualPriorityHigherAddress,
    /// `shutdown` (RFC 5798 §6.4.3 "Shutdown event").
    Shutdown,
    /// The interface went down.
    InterfaceDown,
    /// The interface came back and no other fault remains.
    InterfaceUp,
    /// A tracked object with weight 0 failed.
    TrackFault,
    /// All failed zero-weight tracks recovered.
    TrackRecovered,
    /// A sync group moved this member with the others.
    SyncGroup,
}

/// Why an advert was discarded (RFC 3768 §7.1, RFC 5798 §7.1, §6.4.2, §6.4.3, keepalived
/// `vrrp_check_packet`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Discard {
    /// Router not running (Initialize or Fault).
    NotRunning,
    /// Checksum did not verify under the configured form.
    BadChecksum,
    /// TTL / hop limit is not 255.
    Ttl(u8),
    /// Version differs from the configured one.
    Version(u8),
    /// VRID differs.
    Vrid(u8),
    /// Address family of the advert differs from the instance's.
    Family,
    /// v2 Auth Type or password differ.
    Auth,
    /// v2 Adver Int differs from the local Advertisement_Interval (RFC 3768 §7.1).
    Interval {
        /// Received, centiseconds.
        received_cs: u16,
        /// Local, centiseconds.
        local_cs: u16,
    },
    /// Address list differs from the configured VIPs.
    AddressList,
    /// Count IPvX Addr is 0 (RFC 9568 erratum 8299).
    ZeroCount,
    /// Max Adver Int is 0 (RFC 9568 erratum 8301).
    ZeroInterval,
    /// First IPv6 address is not link-local (RFC 9568 erratum 8300).
    FirstNotLinkLocal,
    /// The local router is the address owner (RFC 3768 / 5798 §7.1).
    LocalOwner,
    /// Unicast configured but multicast received, or the reverse (keepalived).
    CastMismatch,
    /// keepalived `check_unicast_src`: the source is not a configured unicast peer.
    UnknownPeer,
    /// A master heard its own priority from its own source address (looped back, or another
    /// router with the same address): neither side of the RFC 5798 §6.4.3 tie-break applies.
    OwnAddress,
    /// A lower-priority advert that the state machine discards (preempting backup, master).
    LowerPriority,
}

impl Discard {
    /// Stable short name for counters and reports.
    pub const fn name(&self) -> &'static str {
        match self {
            Discard::NotRunning => "not_running",
            Discard::BadChecksum => "bad_checksum",
            Discard::Ttl(_) => "ttl",
            Discard::Version(_) => "version",
            Discard::Vrid(_) => "vrid",
            Discard::Family => "family",
            Discard::Auth => "auth",
            Discard::Interval { .. } => "interval",
            Discard::AddressList => "address_list",
            Discard::ZeroCount => "zero_count",
            Discard::ZeroInterval => "zero_interval",
            Discard::FirstNotLinkLocal => "first_not_link_local",
            Discard::LocalOwner => "local_owner",
            Discard::CastMismatch => "cast_mismatch",
            Discard::UnknownPeer => "unknown_peer",
            Discard::OwnAddress => "own_address",
            Discard::LowerPriority => "lower_priority",
        }
    }
}

/// Something the caller should know or do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// State transition.
    StateChanged {
        /// Old state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// Configure these virtual addresses (and answer ARP/ND for them) — becoming master.
    AddAddresses(Vec<IpAddr>),
    /// Remove these virtual addresses — leaving master.
    RemoveAddresses(Vec<IpAddr>),
    /// An advert was discarded (also counted in [`Stats`]).
    Discarded {
        /// Sender.
        src: IpAddr,
        /// Why.
        reason: Discard,
    },
    /// RFC 5798 §7.1 "MAY verify ... SHOULD log": an accepted advert whose address list
    /// differs from the configured one.
    AddressListMismatch {
        /// Sender.
        src: IpAddr,
    },
    /// Effective priority changed (tracking, `set_priority`, owner conflict).
    PriorityChanged {
        /// Old effective priority.
        from: u8,
        /// New effective priority.
        to: u8,
    },
    /// keepalived: another router also claims priority 255; this one lowered itself to 254.
    OwnerConflict {
        /// The other owner.
        src: IpAddr,
    },
    /// A sync-group member's Master_Down_Timer fired; it waits for the group (see
    /// [`crate::router::SyncGroup`]).
    WantMaster,
}

/// Source MAC of a transmitted frame.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SrcMac {
    /// The interface's own MAC (keepalived without `use_vmac`).
    Interface,
    /// The virtual router MAC (RFC 5798 §7.3).
    Virtual(MacAddr),
}

impl SrcMac {
    /// Resolves against the interface MAC.
    pub fn resolve(self, interface_mac: MacAddr) -> MacAddr {
        match self {
            SrcMac::Interface => interface_mac,
            SrcMac::Virtual(m) => m,
        }
    }
}

/// An advert to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvertTx {
    /// The message.
    pub repr: VrrpRepr,
    /// IP source.
    pub src_ip: IpAddr,
    /// IP destination: the multicast group or one unicast peer.
    pub dst_ip: IpAddr,
    /// Ethernet source.
    pub src_mac: SrcMac,
    /// IPv4 identification, a per-router counter starting at 1 and skipping 0 as keepalived's.
    pub ipv4_id: u16,
    /// Checksum form where it is open: VRRPv3 over IPv4, VRRPv2 over IPv6 (see [`ChecksumForm`]).
    pub checksum_form: ChecksumForm,
}

/// A frame the router wants sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit {
    /// A VRRP advertisement.
    Advert(AdvertTx),
    /// A gratuitous ARP for an IPv4 VIP.
    GratuitousArp {
        /// The VIP.
        vip: Ipv4Addr,
        /// Ethernet source and ARP sender hardware address.
        src_mac: SrcMac,
    },
    /// An unsolicited Neighbor Advertisement for an IPv6 VIP.
    UnsolicitedNa {
        /// The VIP (target address).
        vip: Ipv6Addr,
        /// IPv6 source (the primary link-local address).
        src_ip: Ipv6Addr,
        /// Ethernet source and Target Link-Layer Address.
        src_mac: SrcMac,
    },
}

impl Transmit {
    /// Builds the Ethernet frame. `interface_mac` resolves [`SrcMac::Interface`]; `dst_mac` is
    /// needed only for unicast adverts (the caller's ARP/ND result; `None` falls back to
    /// broadcast); multicast and broadcast destinations are derived.
    pub fn build_frame(
        &self,
        interface_mac: MacAddr,
        dst_mac: Option<MacAddr>,
    ) -> Result<Vec<u8>, FrameError> {
        match self {
            Transmit::Advert(a) => {
                let src_mac = a.src_mac.resolve(interface_mac);
                let dst = match (frame::multicast_mac(a.dst_ip), dst_mac) {
                    (Some(m), _) => m,
                    (None, Some(m)) => m,
                    (None, None) => frame::BROADCAST_MAC,
                };
                let mut f = AdvertFrame::unicast(src_mac, dst, a.src_ip, a.dst_ip);
                f.ipv4_id = a.ipv4_id;
                f.checksum_form = a.checksum_form;
                f.build(&a.repr)
            }
            Transmit::GratuitousArp { vip, src_mac } => Ok(frame::gratuitous_arp(
                src_mac.resolve(interface_mac),
                *vip,
                None,
            )),
            Transmit::UnsolicitedNa {
                vip,
                src_ip,
                src_mac,
            } => Ok(frame::unsolicited_na(
                src_mac.resolve(interface_mac),
                *src_ip,
                *vip,
                None,
            )),
        }
    }
}

/// Counters (RFC 2787 / RFC 6527 style, and keepalived's `stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Adverts sent (including priority 0).
    pub adverts_sent: u64,
    /// Adverts that passed validation.
    pub adverts_received: u64,
    /// Priority-0 adverts sent.
    pub priority_zero_sent: u64,
    /// Priority-0 adverts received and valid.
    pub priority_zero_received: u64,
    /// Transitions into Master.
    pub become_master: u64,
    /// Transitions out of Master.
    pub release_master: u64,
    /// Gratuitous ARPs / NAs sent.
    pub garps_sent: u64,
    /// Discards by [`Discard::name`].
    pub discards: BTreeMap<&'static str, u64>,
}

impl Stats {
    /// Total discards.
    pub fn total_discards(&self) -> u64 {
        self.discards.values().sum()
    }
}
