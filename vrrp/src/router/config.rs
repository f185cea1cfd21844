//! Router configuration: plain data, no behaviour. [`RouterConfig::new`] fills every field with
//! the defaults of the chosen [`Mode`]; callers (the keepalived.conf loader, tests) then
//! override what their configuration says.

use std::net::IpAddr;

use crate::time::Duration;
use crate::wire::{Auth, ChecksumForm, Family, Version};

/// Which specification the router follows where they differ (DESIGN.md names: `rfc3768`,
/// `rfc5798`, `rfc9568`, `keepalived`). See `router/keepalived.rs` for every keepalived
/// deviation with its reason.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// RFC 3768 (VRRPv2) read literally.
    Rfc3768,
    /// RFC 5798 (VRRPv3) read literally.
    Rfc5798,
    /// RFC 9568 (VRRPv3 with the errata folded in).
    Rfc9568,
    /// keepalived 2.2.7's behaviour, as seen in `pcaps/keepalived/` and its source.
    Keepalived,
}

impl Mode {
    /// The DESIGN.md name.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Rfc3768 => "rfc3768",
            Mode::Rfc5798 => "rfc5798",
            Mode::Rfc9568 => "rfc9568",
            Mode::Keepalived => "keepalived",
        }
    }
    /// Parses a DESIGN.md name.
    pub fn from_name(s: &str) -> Option<Mode> {
        match s {
            "rfc3768" => Some(Mode::Rfc3768),
            "rfc5798" => Some(Mode::Rfc5798),
            "rfc9568" => Some(Mode::Rfc9568),
            "keepalived" => Some(Mode::Keepalived),
            _ => None,
        }
    }
}

impl core::fmt::Display for Mode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// keepalived's `state` keyword: where the instance wants to be at start. Only an address
/// owner (priority 255) with `Master` starts as master at once; everyone else starts in Backup
/// and waits Master_Down_Interval (keepalived `vrrp_init_state`, RFC 5798 §6.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum InitialState {
    /// `state BACKUP` (the RFC behaviour for non-owners).
    #[default]
    Backup,
    /// `state MASTER`.
    Master,
}

/// What a tracked object contributes to the effective priority (keepalived `track_script`,
/// `track_interface`, `track_file`, `track_process`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackConfig {
    /// Name used in [`crate::router::Router::set_track`].
    pub id: String,
    /// keepalived weight. 0: failure puts the router in FAULT. > 0: added while up.
    /// < 0: added (subtracted) while down. For `track_file` values: value × weight, and
    /// weight 0 means a non-zero value is a FAULT.
    pub weight: i32,
    /// `weight ... reverse`: the up/down meaning is inverted.
    pub reverse: bool,
}

/// Everything a [`crate::router::Router`] needs to know; plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterConfig {
    /// Behaviour where specifications differ.
    pub mode: Mode,
    /// VRRP version spoken and accepted.
    pub version: Version,
    /// Virtual Router ID, 1-255.
    pub vrid: u8,
    /// Configured priority: 1-254, or 255 for the address owner.
    pub priority: u8,
    /// Advertisement_Interval. v2 carries whole seconds, v3 centiseconds; finer values are
    /// truncated on the wire.
    pub adver_int: Duration,
    /// The interface's primary address (IPv4) or link-local address (IPv6): the advert source
    /// and the tie-break address (RFC 5798 §5.1.1.1, §6.4.3). keepalived `mcast_src_ip` /
    /// `unicast_src_ip` replace it.
    pub primary_ip: IpAddr,
    /// The virtual addresses, in advert order. Their family is the instance's family.
    pub virtual_addresses: Vec<IpAddr>,
    /// keepalived `virtual_ipaddress_excluded`: addresses the master configures and announces
    /// with gratuitous ARP / NA like the VIPs, but never lists in adverts (so they are not part
    /// of the address-list check either).
    pub excluded_addresses: Vec<IpAddr>,
    /// v2 authentication (keepalived `authentication`); [`Auth::None`] for v3.
    pub auth: Auth,
    /// Preempt_Mode (keepalived: `nopreempt` clears it). The owner always preempts.
    pub preempt: bool,
    /// keepalived `preempt_delay`: how long a backup that could preempt keeps accepting
    /// lower-priority adverts.
    pub preempt_delay: Duration,
    /// Accept_Mode (RFC 5798 §6.1); the owner always accepts. Reported through
    /// [`crate::router::Router::accepts_vip_traffic`].
    pub accept_mode: bool,
    /// Send from the virtual MAC (RFC) instead of the interface MAC (keepalived default).
    pub use_vmac: bool,
    /// keepalived `vmac_xmit_base`: with `use_vmac`, adverts still leave from the interface MAC
    /// (gratuitous ARPs keep the virtual MAC).
    pub vmac_xmit_base: bool,
    /// keepalived `check_unicast_src`: in unicast mode, discard adverts whose source is not one
    /// of `unicast_peers`.
    pub check_unicast_src: bool,
    /// keepalived `unicast_peer`: send adverts to each of these instead of the multicast
    /// group, and expect unicast adverts.
    pub unicast_peers: Vec<IpAddr>,
    /// Multicast destination override (keepalived `mcast_dst_ip`); `None` = 224.0.0.18 / ff02::12.
    pub mcast_dst: Option<IpAddr>,
    /// keepalived `garp_master_delay`: a second burst of gratuitous ARPs / NAs this long after
    /// becoming master; zero disables it.
    pub garp_master_delay: Duration,
    /// keepalived `garp_master_repeat`: messages per VIP in each burst.
    pub garp_master_repeat: u32,
    /// keepalived `garp_master_refresh`: repeat the messages this often while master (checked
    /// when an advert is sent, as keepalived does); zero disables it.
    pub garp_master_refresh: Duration,
    /// keepalived `garp_master_refresh_repeat`.
    pub garp_master_refresh_repeat: u32,
    /// keepalived `garp_lower_prio_repeat`: a master that hears a lower-priority advert sends
    /// this many gratuitous ARPs / NAs per VIP (keepalived `vrrp_state_master_rx`). keepalived's
    /// effective default is `garp_master_repeat` (5); [`RouterConfig::new`] leaves it 0 (off)
    /// and a keepalived.conf loader sets it.
    pub garp_lower_prio_repeat: u32,
    /// keepalived `garp_lower_prio_delay`: the burst is repeated this long afterwards (keepalived
    /// default `garp_master_delay`); zero disables the repeat.
    pub garp_lower_prio_delay: Duration,
    /// keepalived `state`.
    pub initial_state: InitialState,
    /// keepalived `vrrp_startup_delay` (global): for this long after [`Router::start`](crate::router::Router::start)
    /// the router does not become master; a Backup's Master_Down_Timer armed during the delay runs from its end
    /// (keepalived `vrrp_init_instance_sands`). Zero (the default) disables it.
    pub startup_delay: Duration,
    /// keepalived `down_timer_adverts` (the 3 in Master_Down_Interval).
    pub down_timer_adverts: u32,
    /// keepalived `lower_prio_no_advert`: a master does NOT answer a lower-priority advert.
    pub lower_prio_no_advert: bool,
    /// keepalived `higher_prio_send_advert`: a master sends one advert before yielding.
    pub higher_prio_send_advert: bool,
    /// keepalived `skip_check_adv_addr`: skip the address-list check for adverts from the
    /// current master.
    pub skip_check_adv_addr: bool,
    /// VRRPv3-over-IPv4 checksum form sent and accepted (VRRPv2 over IPv6 follows the mode, see
    /// [`RouterConfig::wire_checksum_form`]).
    pub checksum_form: ChecksumForm,
    /// Tracked objects and their weights.
    pub tracks: Vec<TrackConfig>,
}

impl RouterConfig {
    /// A configuration with `mode`'s defaults: priority 100, interval 1 s, preempt on, no
    /// authentication, and
    /// - `rfc3768`: version 2, virtual MAC, one gratuitous ARP, accept off;
    /// - `rfc5798`: version 3, virtual MAC, one message per VIP, accept off;
    /// - `rfc9568`: as `rfc5798` plus the RFC 9568 checksum form;
    /// - `keepalived`: version 2 for IPv4 and 3 for IPv6 (keepalived's `vrrp_version`
    ///   default), interface MAC, `garp_master_delay 5`, `garp_master_repeat 5`, accept on.
    pub fn new(mode: Mode, vrid: u8, primary_ip: IpAddr, virtual_addresses: Vec<IpAddr>) -> Self {
        let family = virtual_addresses
            .first()
            .map(Family::of)
            .unwrap_or(Family::of(&primary_ip));
        let (version, use_vmac, garp_delay, garp_rep, accept, form) = match mode {
            Mode::Rfc3768 => (
                Version::V2,
                true,
                Duration::ZERO,
                1,
                false,
                ChecksumForm::Rfc5798,
            ),
            Mode::Rfc5798 => (
                Version::V3,
                true,
                Duration::ZERO,
                1,
                false,
                ChecksumForm::Rfc5798,
            ),
            Mode::Rfc9568 => (
                Version::V3,
                true,
                Duration::ZERO,
                1,
                false,
                ChecksumForm::Rfc9568,
            ),
            Mode::Keepalived => {
                let v = if family == Family::V6 {
                    Version::V3
                } else {
                    Version::V2
                };
                (
                    v,
                    false,
                    Duration::from_secs(5),
                    5,
                    true,
                    ChecksumForm::Rfc5798,
                )
            }
        };
        RouterConfig {
            mode,
            version,
            vrid,
            priority: 100,
            adver_int: Duration::from_secs(1),
            primary_ip,
            virtual_addresses,
            excluded_addresses: Vec::new(),
            auth: Auth::None,
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept_mode: accept,
            use_vmac,
            vmac_xmit_base: false,
            check_unicast_src: false,
            unicast_peers: Vec::new(),
            mcast_dst: None,
            garp_master_delay: garp_delay,
            garp_master_repeat: garp_rep,
            garp_master_refresh: Duration::ZERO,
            garp_master_refresh_repeat: 1,
            garp_lower_prio_repeat: 0,
            garp_lower_prio_delay: Duration::ZERO,
            initial_state: InitialState::Backup,
            startup_delay: Duration::ZERO,
            down_timer_adverts: 3,
            lower_prio_no_advert: mode != Mode::Keepalived && mode != Mode::Rfc9568,
            higher_prio_send_advert: false,
            skip_check_adv_addr: false,
            checksum_form: form,
            tracks: Vec::new(),
        }
    }

    /// The checksum form this router writes and accepts: `checksum_form`, except for VRRPv2 over
    /// IPv6, which no RFC defines: keepalived mode includes the IPv6 pseudo-header as keepalived
    /// 2.2.7's kernel socket does (`pcaps/own/keepalived-vrrpv2-ipv6.pcap`), the RFC modes keep
    /// RFC 3768 §5.3.8's sum over the message alone (see [`ChecksumForm`]).
    pub fn wire_checksum_form(&self) -> ChecksumForm {
        match (self.version, self.family(), self.mode) {
            (Version::V2, Family::V6, Mode::Keepalived) => ChecksumForm::Rfc5798,
            (Version::V2, Family::V6, _) => ChecksumForm::Rfc9568,
            _ => self.checksum_form,
        }
    }

    /// The instance's address family (of the first VIP, else of the primary address).
    pub fn family(&self) -> Family {
        self.virtual_addresses
            .first()
            .map(Family::of)
            .unwrap_or(Family::of(&self.primary_ip))
    }

    /// The advert interval as it goes on the wire, in centiseconds (v2: whole seconds × 100).
    pub fn adver_int_cs(&self) -> u16 {
        let cs = self.adver_int.as_centis();
        match self.version {
            Version::V2 => ((cs / 100).clamp(1, 255) * 100) as u16,
            Version::V3 => cs.clamp(1, 4095) as u16,
        }
    }

    /// Is this router the address owner (priority 255)?
    pub fn is_owner(&self) -> bool {
        self.priority == 255
    }
}
