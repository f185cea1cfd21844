//! The keyword grammar, for documentation and tools: every block keepalived 2.2.7 knows, the
//! keywords in it, and the keywords that later keepalived versions added (recognised by vrrpsim
//! and tagged with the version that introduced them; keepalived 2.2.7 ignores them with
//! "Unknown keyword").

use crate::grammar::CONTEXTS;
use crate::tree::KwKind;

/// How a keyword takes its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Words on its own line only.
    Plain,
    /// A `{ ... }` block of raw value lines.
    ValueBlock,
    /// A `{ ... }` block of nested keywords (the block path is given).
    Block(&'static str),
}

/// One keyword of keepalived 2.2.7's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// The block it appears in: `<top>`, `global_defs`, `vrrp_instance`,
    /// `virtual_server.real_server.HTTP_GET.url`, ...
    pub block: &'static str,
    /// The keyword.
    pub name: &'static str,
    /// How it takes content.
    pub kind: Kind,
}

/// Every keyword of keepalived 2.2.7, block by block, in keepalived's registration order.
pub fn all() -> Vec<Keyword> {
    let mut out = Vec::new();
    for c in CONTEXTS {
        for &(name, kind) in c.keywords {
            let kind = match kind {
                KwKind::Plain => Kind::Plain,
                KwKind::ValueBlock => Kind::ValueBlock,
                KwKind::Block(i) => Kind::Block(CONTEXTS.get(i).map_or("", |c| c.path)),
            };
            out.push(Keyword {
                block: c.path,
                name,
                kind,
            });
        }
    }
    out
}

/// Keywords added after keepalived 2.2.7: (version, block, keyword).
pub const LATER: &[(&str, &str, &str)] = &[
    ("2.2.8", "bfd_instance", "multihop"),
    ("2.2.8", "global_defs", "json_version"),
    ("2.2.8", "global_defs", "v3_checksum_as_v2"),
    (
        "2.2.8",
        "virtual_server.real_server.HTTP_GET",
        "tls_compliant",
    ),
    (
        "2.2.8",
        "virtual_server.real_server.HTTP_GET.url",
        "tls_compliant",
    ),
    (
        "2.2.8",
        "virtual_server.real_server.SSL_GET",
        "tls_compliant",
    ),
    (
        "2.2.8",
        "virtual_server.real_server.SSL_GET.url",
        "tls_compliant",
    ),
    ("2.2.8", "vrrp_instance", "no_virtual_ipaddress"),
    ("2.2.8", "vrrp_instance", "timer_expired_backup"),
    ("2.2.8", "vrrp_instance", "v3_checksum_as_v2"),
    ("2.3.0", "global_defs", "dbus_no_interface_name"),
    ("2.3.0", "global_defs", "snmp_rs_stats_update_interval"),
    ("2.3.0", "global_defs", "snmp_vs_stats_update_interval"),
    ("2.3.0", "global_defs", "use_symlink_paths"),
    ("2.3.2", "global_defs", "iproute_etc_dir"),
    ("2.3.2", "global_defs", "iproute_usr_dir"),
    ("2.3.2", "vrrp_instance", "thread_timer_expired"),
    ("2.3.3", "global_defs", "json_dump_file"),
    ("2.3.3", "global_defs", "state_dump_file"),
    ("2.3.3", "global_defs", "stats_dump_file"),
    ("2.3.3", "global_defs", "vrrp_owner_ignore_adverts"),
    ("2.3.3", "vrrp_instance", "owner_ignore_adverts"),
];

/// Later keywords that the model records although keepalived 2.2.7 ignores them (still reported as
/// `keyword-too-new`), so that a caller modelling a newer keepalived can apply them: (block, keyword).
pub const RECORDED_LATER: &[(&str, &str)] = &[
    ("global_defs", "v3_checksum_as_v2"),
    ("vrrp_instance", "v3_checksum_as_v2"),
];

/// The version that introduced `name` in `block`, for keywords newer than 2.2.7.
pub fn introduced_after_227(block: &str, name: &str) -> Option<&'static str> {
    LATER
        .iter()
        .find(|(_, b, k)| *b == block && *k == name)
        .map(|(v, _, _)| *v)
}
