//! A throw-away lab of Linux network namespaces for the interop tests: one namespace holding
//! a bridge `br0`, one namespace per node with `eth0` (a veth whose peer sits on the bridge),
//! documentation addresses only (192.0.2.0/24, 2001:db8::/32, fe80::), no route outside.
//! Processes started here are tracked by PID and killed by PID; everything (processes,
//! namespaces) is removed by `Drop`, also when a test fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

static SEQ: AtomicU32 = AtomicU32::new(0);
/// One lab at a time: timing is measured against the RFC bounds, and two labs' daemons
/// competing for two cores would blur it.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn uid_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn have(prog: &str) -> bool {
    if prog.starts_with('/') {
        return Path::new(prog).exists();
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(prog).exists()))
        .unwrap_or(false)
}

/// Should the interop tests run here? Yes when root, `ip netns` works and every tool exists.
/// Under `CI=true` a missing prerequisite fails the test instead of skipping it.
pub fn gate(tools: &[&str]) -> bool {
    let mut missing = Vec::new();
    if !uid_is_root() {
        missing.push("root".to_string());
    }
    let netns = Command::new("ip")
        .args(["netns", "list"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !netns {
        missing.push("ip netns".to_string());
    }
    for t in tools {
        if !have(t) {
            missing.push((*t).to_string());
        }
    }
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("interop test prerequisites missing under CI=true: {missing:?}");
    }
    eprintln!("skipping interop test, missing: {missing:?}");
    false
}

/// One node: its namespace and addresses.
#[derive(Clone, Debug)]
pub struct Node {
    /// Namespace name.
    pub ns: String,
    /// eth0 IPv4 address.
    pub ipv4: String,
    /// eth0 global IPv6 address.
    pub ipv6: String,
    /// eth0 MAC.
    pub mac: String,
}

/// The lab.
pub struct Lab {
    /// Namespace of the bridge.
    pub br_ns: String,
    /// The nodes, in the order given.
    pub nodes: Vec<Node>,
    /// Scratch directory (configs, logs, capture).
    pub dir: PathBuf,
    children: Vec<(String, Child)>,
    capture: Option<Child>,
    _serial: std::sync::MutexGuard<'static, ()>,
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn must(args: &[&str]) {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Lab {
    /// Creates the bridge namespace and `n` nodes (node i: 192.0.2.(11+i)/24,
    /// 2001:db8::(11+i)/64, MAC 02:00:00:00:00:(11+i)).
    pub fn new(case: &str, n: usize) -> Lab {
        // A failed test poisons the lock; the next lab still runs.
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let id = format!(
            "vd{}{}",
            std::process::id() % 100_000,
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let dir = std::env::temp_dir().join(format!("vrrpd-interop-{id}-{case}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        let mut lab = Lab {
            br_ns: format!("{id}-br"),
            nodes: Vec::new(),
            dir,
            children: Vec::new(),
            capture: None,
            _serial: serial,
        };
        must(&["ip", "netns", "add", &lab.br_ns]);
        let br = lab.br_ns.clone();
        must(&["ip", "-n", &br, "link", "set", "lo", "up"]);
        must(&["ip", "-n", &br, "link", "add", "br0", "type", "bridge"]);
        // No STP/forward delay: ports forward at once.
        must(&[
            "ip",
            "-n",
            &br,
            "link",
            "set",
            "br0",
            "type",
            "bridge",
            "forward_delay",
            "0",
        ]);
        must(&["ip", "-n", &br, "link", "set", "br0", "up"]);
        for i in 0..n {
            let host = 11 + i;
            let node = Node {
                ns: format!("{id}-n{i}"),
                ipv4: format!("192.0.2.{host}"),
                ipv6: format!("2001:db8::{host}"),
                mac: format!("02:00:00:00:00:{host:02}"),
            };
            // Push first so Drop deletes the namespace even if a step below fails.
            lab.nodes.push(node.clone());
            must(&["ip", "netns", "add", &node.ns]);
            let port = format!("p{i}");
            must(&[
                "ip", "-n", &node.ns, "link", "add", "eth0", "address", &node.mac, "type", "veth",
                "peer", "name", &port, "netns", &br,
            ]);
            must(&["ip", "-n", &br, "link", "set", &port, "master", "br0"]);
            must(&["ip", "-n", &br, "link", "set", &port, "up"]);
            must(&["ip", "-n", &node.ns, "link", "set", "lo", "up"]);
            must(&[
                "ip",
                "netns",
                "exec",
                &node.ns,
                "sysctl",
                "-qw",
                "net.ipv6.conf.eth0.accept_dad=0",
            ]);
            // VRRP nodes are routers: keepalived sets the NA Router flag only when forwarding
            // is on (RFC 5798 §6.4.1 wants it set). No route leads anywhere outside the lab.
            must(&[
                "ip",
                "netns",
                "exec",
                &node.ns,
                "sysctl",
                "-qw",
                "net.ipv6.conf.all.forwarding=1",
            ]);
            must(&["ip", "-n", &node.ns, "link", "set", "eth0", "up"]);
            must(&[
                "ip",
                "-n",
                &node.ns,
                "addr",
                "add",
                &format!("{}/24", node.ipv4),
                "dev",
                "eth0",
            ]);
            must(&[
                "ip",
                "-n",
                &node.ns,
                "addr",
                "add",
                &format!("{}/64", node.ipv6),
                "dev",
                "eth0",
                "nodad",
            ]);
        }
        // Wait for the IPv6 link-local addresses (the VRRPv3/IPv6 source address).
        let deadline = Instant::now() + Duration::from_secs(5);
        for node in lab.nodes.clone() {
            while !lab.has_link_local(&node.ns) && Instant::now() < deadline {
                sleep(Duration::from_millis(20));
            }
        }
        lab
    }

    fn has_link_local(&self, ns: &str) -> bool {
        let out = run(&[
            "ip", "-n", ns, "-6", "addr", "show", "dev", "eth0", "scope", "link",
        ]);
        let s = String::from_utf8_lossy(&out.stdout);
        s.contains("fe80::") && !s.contains("tentative")
    }

    /// Starts tcpdump on the bridge; returns once it is writing.
    pub fn start_capture(&mut self) -> PathBuf {
        let path = self.dir.join("capture.pcap");
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.br_ns,
                "tcpdump",
                "-i",
                "br0",
                "-U",
                "-s",
                "0",
                "-w",
            ])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tcpdump");
        self.capture = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if fs::metadata(&path).map(|m| m.len() >= 24).unwrap_or(false) {
                break;
            }
            sleep(Duration::from_millis(20));
        }
        // tcpdump writes the file header right after activating the capture.
        sleep(Duration::from_millis(200));
        path
    }

    /// Stops tcpdump (SIGTERM to its PID) and waits for it to flush.
    pub fn stop_capture(&mut self) {
        if let Some(mut c) = self.capture.take() {
            signal(c.id(), libc::SIGTERM);
            let _ = c.wait();
        }
    }

    /// Writes `text` to the scratch directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        fs::write(&p, text).expect("write");
        p
    }

    /// Starts `argv` inside node `i`'s namespace, output to `<label>.log`. Returns its PID.
    pub fn spawn(&mut self, i: usize, label: &str, argv: &[&str]) -> u32 {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{label}.log")))
            .expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.nodes[i].ns])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
        let pid = child.id();
        self.children.push((label.to_string(), child));
        pid
    }

    /// SIGKILL to `pid` and every descendant (keepalived forks a VRRP child), by PID.
    pub fn kill9(&mut self, pid: u32) {
        for p in descendants(pid) {
            signal(p, libc::SIGKILL);
        }
        signal(pid, libc::SIGKILL);
        self.reap(pid);
    }

    /// SIGTERM to `pid`, then waits up to 5 s for it to exit.
    pub fn term(&mut self, pid: u32) {
        signal(pid, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some((_, c)) = self.children.iter_mut().find(|(_, c)| c.id() == pid) {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
            }
            sleep(Duration::from_millis(10));
        }
        self.kill9(pid);
    }

    fn reap(&mut self, pid: u32) {
        if let Some(pos) = self.children.iter().position(|(_, c)| c.id() == pid) {
            let (_, mut c) = self.children.remove(pos);
            let _ = c.wait();
        }
    }

    /// Does node `i` have `addr` on any interface?
    pub fn has_addr(&self, i: usize, addr: &str) -> bool {
        let out = run(&["ip", "-n", &self.nodes[i].ns, "addr", "show"]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    }

    /// Polls `f` every 10 ms until it holds or `limit` passes; returns the time it took.
    pub fn wait_until(&self, limit: Duration, mut f: impl FnMut(&Lab) -> bool) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if f(self) {
                return Some(start.elapsed());
            }
            sleep(Duration::from_millis(10));
        }
        None
    }

    /// The log a process wrote.
    pub fn log(&self, label: &str) -> String {
        fs::read_to_string(self.dir.join(format!("{label}.log"))).unwrap_or_default()
    }
}

fn signal(pid: u32, sig: i32) {
    if let Ok(p) = i32::try_from(pid) {
        // SAFETY: kill(2) on a PID this lab started; no memory is involved.
        unsafe {
            libc::kill(p, sig);
        }
    }
}

/// Every descendant PID of `pid` (from /proc/PID/task/*/children).
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        let Ok(tasks) = fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let Ok(s) = fs::read_to_string(t.path().join("children")) else {
                continue;
            };
            for c in s.split_whitespace().filter_map(|x| x.parse::<u32>().ok()) {
                out.push(c);
                stack.push(c);
            }
        }
    }
    out
}

impl Drop for Lab {
    fn drop(&mut self) {
        let pids: Vec<u32> = self.children.iter().map(|(_, c)| c.id()).collect();
        for pid in pids {
            self.kill9(pid);
        }
        self.stop_capture();
        for n in &self.nodes {
            let _ = run(&["ip", "netns", "del", &n.ns]);
        }
        let _ = run(&["ip", "netns", "del", &self.br_ns]);
        if std::env::var_os("VRRPD_KEEP_LAB").is_none() && !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl Lab {
    /// Node `i`'s eth0 IPv6 link-local address.
    pub fn link_local(&self, i: usize) -> String {
        let out = run(&[
            "ip",
            "-n",
            &self.nodes[i].ns,
            "-6",
            "addr",
            "show",
            "dev",
            "eth0",
            "scope",
            "link",
        ]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .find(|w| w.starts_with("fe80::"))
            .and_then(|w| w.split('/').next())
            .unwrap_or_default()
            .to_string()
    }
}
