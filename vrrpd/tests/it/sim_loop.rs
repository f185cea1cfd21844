//! The daemon's event loop on turmoil: deterministic simulated time drives the same
//! `Daemon::run`, `run_script` and shutdown path as production. Adverts ride turmoil's UDP
//! multicast (224.0.0.18, port 112) through [`TurmoilIo`], the test implementation of
//! `VrrpIo`; turmoil carries no IP header, so the adapter reports TTL 255 and the group as
//! destination (the checks of those fields are covered by the interop tests on real sockets).

use std::cell::RefCell;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use keepalived_conf::ParseOptions;
use tokio::sync::mpsc;
use turmoil::net::UdpSocket;
use vrrp::frame::ParsedAdvert;
use vrrp::router::{Mode, State, Transmit};
use vrrp::wire::{self, Family, Version, VrrpPacket, VrrpRepr};
use vrrpd::config::{self, InstanceSpec, InterfaceInfo, ScriptSpec};
use vrrpd::daemon::{Control, Daemon};
use vrrpd::io::{Inbound, VrrpIo};
use vrrpd::scripts::{run_script, ScriptExec};

const PORT: u16 = 112;

#[derive(Clone, Debug, PartialEq, Eq)]
enum What {
    Advert(u8),
    Garp,
    AddVip,
    DelVip,
    State(State),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rec {
    at: Duration,
    node: &'static str,
    what: What,
}

type Log = Rc<RefCell<Vec<Rec>>>;

struct TurmoilIo {
    sock: UdpSocket,
    node: &'static str,
    log: Log,
}

impl TurmoilIo {
    fn rec(&self, what: What) {
        self.log.borrow_mut().push(Rec {
            at: turmoil::sim_elapsed().unwrap_or_default(),
            node: self.node,
            what,
        });
    }
}

impl VrrpIo for TurmoilIo {
    async fn recv(&mut self) -> io::Result<Inbound> {
        let mut buf = [0u8; 1500];
        loop {
            let (n, from) = self.sock.recv_from(&mut buf).await?;
            let Some(bytes) = buf.get(..n) else { continue };
            let src = from.ip();
            let dst = IpAddr::V4(wire::MULTICAST_V4);
            let Ok(pkt) = VrrpPacket::new_checked(bytes) else {
                continue;
            };
            let Ok(repr) = VrrpRepr::parse(&pkt, Family::of(&src)) else {
                continue;
            };
            let checksum = pkt.checksum_form(src, dst);
            let advert = ParsedAdvert {
                src_mac: [2, 0, 0, 0, 0, 0],
                dst_mac: [1, 0, 0x5e, 0, 0, 18],
                vlan: None,
                src_ip: src,
                dst_ip: dst,
                ttl: wire::TTL,
                ipv4_tos: 0,
                ipv4_id: 0,
                ipv4_dont_fragment: false,
                ipv6_traffic_class: 0,
                ipv6_flow_label: 0,
                behind_ah: false,
                checksum,
                vrrp_offset: 0,
                repr,
            };
            return Ok(Inbound {
                interface: "eth0".into(),
                advert,
            });
        }
    }

    fn transmit(&mut self, _inst: &InstanceSpec, tx: &Transmit) -> io::Result<()> {
        match tx {
            Transmit::Advert(a) => {
                let bytes = a.repr.to_bytes(a.src_ip, a.dst_ip, a.checksum_form);
                self.sock.try_send_to(&bytes, (a.dst_ip, PORT))?;
                self.rec(What::Advert(a.repr.priority));
            }
            Transmit::GratuitousArp { .. } | Transmit::UnsolicitedNa { .. } => self.rec(What::Garp),
        }
        Ok(())
    }

    fn set_addresses(&mut self, _: &InstanceSpec, add: bool, addrs: &[IpAddr]) -> io::Result<()> {
        if !addrs.is_empty() {
            self.rec(if add { What::AddVip } else { What::DelVip });
        }
        Ok(())
    }

    fn notify(&mut self, _: &InstanceSpec, state: State, _: u8) {
        self.rec(What::State(state));
    }
}

/// A `vrrp_script` program model: succeeds at once, except inside `[fail_from, fail_to)` of
/// simulated time, where it hangs (so the daemon's timeout is what fails it).
#[derive(Clone, Copy)]
struct ModelExec {
    fail_from: Duration,
    fail_to: Duration,
}

impl ScriptExec for ModelExec {
    async fn run(&self, _spec: &ScriptSpec) -> bool {
        let now = turmoil::sim_elapsed().unwrap_or_default();
        if now >= self.fail_from && now < self.fail_to {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        true
    }
}

struct OneIf(Ipv4Addr);
impl InterfaceInfo for OneIf {
    fn primary_v4(&self, _: &str) -> Option<Ipv4Addr> {
        Some(self.0)
    }
    fn link_local_v6(&self, _: &str) -> Option<std::net::Ipv6Addr> {
        None
    }
}

#[derive(Clone, Copy)]
struct NodeSpec {
    name: &'static str,
    ip: Ipv4Addr,
    prio: u8,
    /// Send Control::Shutdown at this simulated time.
    stop_at: Option<Duration>,
    /// Track a script with weight -150 modelled by this program.
    script: Option<ModelExec>,
}

fn node_conf(n: &NodeSpec) -> String {
    let track = if n.script.is_some() {
        "    track_script {\n        chk\n    }\n"
    } else {
        ""
    };
    format!(
        "vrrp_script chk {{\n    script \"/bin/true\"\n    interval 1\n    timeout 1\n    fall 2\n    rise 2\n    weight -150\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority {}\n    advert_int 1\n    version 3\n    virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n{track}}}\n",
        n.prio
    )
}

fn spawn_node(sim: &mut turmoil::Sim<'_>, n: NodeSpec, log: Log) {
    sim.host(IpAddr::V4(n.ip), move || {
        let log = log.clone();
        async move {
            let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, PORT)).await?;
            sock.join_multicast_v4(wire::MULTICAST_V4, Ipv4Addr::UNSPECIFIED)?;
            sock.set_multicast_loop_v4(false)?;
            let opts = ParseOptions {
                check_scripts: false,
                ..ParseOptions::default()
            };
            let parsed = keepalived_conf::parse_str(&node_conf(&n), Path::new("sim.conf"), &opts);
            let dc = config::build(&parsed.config, Mode::Keepalived, &OneIf(n.ip))?;
            let (tx, rx) = mpsc::channel(16);
            if let Some(exec) = n.script {
                for s in dc.scripts.clone() {
                    tokio::task::spawn_local(run_script(exec, s, tx.clone()));
                }
            }
            if let Some(at) = n.stop_at {
                let tx = tx.clone();
                tokio::task::spawn_local(async move {
                    tokio::time::sleep(at).await;
                    let _ = tx.send(Control::Shutdown).await;
                });
            }
            let io = TurmoilIo {
                sock,
                node: n.name,
                log,
            };
            Daemon::new(io, dc.instances).run(rx).await?;
            // Stay up (silent) until the simulation ends, as a stopped daemon's host would.
            drop(tx);
            std::future::pending::<()>().await;
            Ok(())
        }
    });
}

/// Runs r1 and r2 for `total`, crashing r1 at `crash_r1_at` if given; returns the record.
fn run(r1: NodeSpec, r2: NodeSpec, total: Duration, crash_r1_at: Option<Duration>) -> Vec<Rec> {
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let mut sim = turmoil::Builder::new()
        .simulation_duration(total + Duration::from_secs(5))
        .tick_duration(Duration::from_millis(1))
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(Duration::from_millis(1))
        .rng_seed(7)
        .build();
    spawn_node(&mut sim, r1, log.clone());
    spawn_node(&mut sim, r2, log.clone());
    sim.client(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99)), async move {
        tokio::time::sleep(total).await;
        Ok(())
    });
    let mut crashed = false;
    loop {
        if let Some(t) = crash_r1_at {
            if !crashed && sim.elapsed() >= t {
                sim.crash(IpAddr::V4(r1.ip));
                crashed = true;
            }
        }
        match sim.step() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => panic!("simulation failed: {e}"),
        }
    }
    let out = log.borrow().clone();
    out
}

fn r(name: &'static str, last: u8, prio: u8) -> NodeSpec {
    NodeSpec {
        name,
        ip: Ipv4Addr::new(192, 0, 2, last),
        prio,
        stop_at: None,
        script: None,
    }
}

fn states(log: &[Rec], node: &str) -> Vec<(Duration, State)> {
    log.iter()
        .filter(|r| r.node == node)
        .filter_map(|r| match r.what {
            What::State(s) => Some((r.at, s)),
            _ => None,
        })
        .collect()
}

fn mdi(prio: u8) -> Duration {
    let d = vrrp::master_down_interval(Version::V3, prio, vrrp::time::Duration::from_secs(1));
    Duration::from_nanos(d.as_nanos())
}

fn skew(prio: u8) -> Duration {
    let d = vrrp::skew_time(Version::V3, prio, vrrp::time::Duration::from_secs(1));
    Duration::from_nanos(d.as_nanos())
}

fn near(a: Duration, b: Duration, tol_ms: u64) -> bool {
    a.abs_diff(b) <= Duration::from_millis(tol_ms)
}

#[test]
fn rfc5798_6_4_2_event_loop_elects_and_fails_over_after_crash() {
    let crash = Duration::from_secs(10);
    let log = run(
        r("r1", 11, 200),
        r("r2", 12, 100),
        Duration::from_secs(20),
        Some(crash),
    );
    let s1 = states(&log, "r1");
    let s2 = states(&log, "r2");
    // Both start in Backup; the higher priority's Master_Down_Timer fires first.
    assert_eq!(s1[0].1, State::Backup);
    assert_eq!(s1[1].1, State::Master);
    assert!(near(s1[1].0, mdi(200), 3), "r1 master at {:?}", s1[1].0);
    assert_eq!(s1.len(), 2, "r1 transitions: {s1:?}");
    // r2 stays Backup until r1 is gone, then takes over Master_Down_Interval after r1's last
    // advert (RFC 5798 §6.4.2).
    assert_eq!(s2.len(), 2, "r2 transitions: {s2:?}");
    assert_eq!(s2[1].1, State::Master);
    let last_r1 = log
        .iter()
        .filter(|r| r.node == "r1" && matches!(r.what, What::Advert(_)) && r.at < crash)
        .map(|r| r.at)
        .max()
        .expect("r1 advertised");
    assert!(
        near(s2[1].0, last_r1 + mdi(100), 3),
        "r2 master at {:?}, expected {:?}",
        s2[1].0,
        last_r1 + mdi(100)
    );
    // The new master installs the VIP and announces it.
    assert!(log
        .iter()
        .any(|r| r.node == "r2" && r.what == What::AddVip && r.at >= s2[1].0));
    assert!(log
        .iter()
        .any(|r| r.node == "r2" && r.what == What::Garp && r.at >= s2[1].0));
}

#[test]
fn rfc5798_6_4_3_shutdown_sends_priority_zero_before_removing_vips() {
    let stop = Duration::from_secs(8);
    let mut r1 = r("r1", 11, 200);
    r1.stop_at = Some(stop);
    let log = run(r1, r("r2", 12, 100), Duration::from_secs(12), None);
    let after: Vec<&What> = log
        .iter()
        .filter(|r| r.node == "r1" && r.at >= stop)
        .map(|r| &r.what)
        .collect();
    // Ordering: the priority-0 advert leaves first, then the VIPs go, then the stop notify.
    assert_eq!(
        after,
        vec![
            &What::Advert(0),
            &What::DelVip,
            &What::State(State::Initialize)
        ]
    );
    let zero_at = log
        .iter()
        .find(|r| r.node == "r1" && r.what == What::Advert(0))
        .map(|r| r.at)
        .expect("priority 0 sent");
    // The backup honours it: Master after Skew_Time (RFC 5798 §6.4.2).
    let s2 = states(&log, "r2");
    let master = s2
        .iter()
        .find(|(_, s)| *s == State::Master)
        .expect("r2 took over")
        .0;
    assert!(
        near(master, zero_at + skew(100), 3),
        "r2 master at {master:?}, expected {:?}",
        zero_at + skew(100)
    );
}

#[test]
fn keepalived_vrrp_script_fall_and_rise_move_mastership() {
    let exec = ModelExec {
        fail_from: Duration::from_millis(8_500),
        fail_to: Duration::from_millis(14_500),
    };
    let mut r1 = r("r1", 11, 200);
    r1.script = Some(exec);
    let log = run(r1, r("r2", 12, 100), Duration::from_secs(26), None);
    let s1 = states(&log, "r1");
    let s2 = states(&log, "r2");
    // r1 wins the start; the script fails from 8.5 s: runs at 9 s and 10 s time out (1 s),
    // fall 2 -> down at 11 s, priority 200-150 = 50 < 100. r2 preempts after its
    // Master_Down_Interval of discarding lower-priority adverts.
    assert_eq!(s1[1].1, State::Master);
    let r2_master = s2
        .iter()
        .find(|(_, s)| *s == State::Master)
        .expect("r2 took over")
        .0;
    assert!(
        r2_master >= Duration::from_secs(11)
            && r2_master <= Duration::from_secs(11) + mdi(100) + Duration::from_secs(1),
        "r2 master at {r2_master:?}: {s2:?}"
    );
    let r1_backup = s1
        .iter()
        .find(|(_, s)| *s == State::Backup && s1.len() > 2)
        .map(|x| x.0);
    assert!(r1_backup.is_some());
    // Recovery from 14.5 s: runs at 15 s and 16 s succeed, rise 2 -> up at 16 s; r1 (200)
    // preempts r2 after its own Master_Down_Interval.
    let back = s1
        .iter()
        .rev()
        .find(|(_, s)| *s == State::Master)
        .expect("r1 master again")
        .0;
    assert!(
        back >= Duration::from_secs(16)
            && back <= Duration::from_secs(16) + mdi(200) + Duration::from_secs(1),
        "r1 master again at {back:?}: {s1:?}"
    );
    assert_eq!(s1.last().map(|x| x.1), Some(State::Master));
    assert_eq!(s2.last().map(|x| x.1), Some(State::Backup));
}

#[test]
fn event_loop_is_deterministic() {
    let a = run(
        r("r1", 11, 200),
        r("r2", 12, 100),
        Duration::from_secs(8),
        Some(Duration::from_secs(5)),
    );
    let b = run(
        r("r1", 11, 200),
        r("r2", 12, 100),
        Duration::from_secs(8),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(a, b);
    assert!(a.len() > 10);
}
