//! The keepalived.conf parser (`keepalived_conf::parse_str` / `parse_file`) on arbitrary text.
//!
//! The input's length picks the options (`config_id` set or not, script checks on or off), so
//! a config file from the repository is a seed as it is. The config "lives" in a private temporary directory holding two small include files, so
//! relative `include`s (globs, braces, cycles) run against a fixed, tiny file tree. Includes
//! must not reach the rest of this machine: an input that could name a path with a `/` in an
//! include (it spells `include`, even with other bytes in between, or uses `$` parameters or
//! `\` continuations, and contains a `/`) is skipped. Script existence is checked against a
//! fixed set of files, never the real file system.
//!
//! Beyond the parse it renders the diagnostics, prints the model back
//! ([`keepalived_conf::format::format_config`]) and parses that output again, runs the
//! cluster lint, and scans for invisible characters: none of these may panic either.
#![no_main]

use keepalived_conf::{format, invisible, lint_cluster, parse_file, parse_str, ParseOptions};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The private directory the fuzzed config is "in", with two includable files.
fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vrrpsim-fuzz-kc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        std::fs::write(
            dir.join("a.conf"),
            "vrrp_instance VI_A {\n interface eth0\n virtual_router_id 7\n priority 90\n virtual_ipaddress {\n  192.0.2.7\n }\n}\n",
        )
        .expect("write a.conf");
        // Includes itself: the cycle detection runs whenever a fuzzed config includes it.
        std::fs::write(dir.join("b.conf"), "include b.conf\n$X=1\nglobal_defs {\n router_id $X\n}\n")
            .expect("write b.conf");
        dir
    })
}

/// Whether an include in `text` could name a path outside [`home`].
fn could_escape(text: &str) -> bool {
    if !text.contains('/') {
        return false;
    }
    let letters: String = text.chars().filter(char::is_ascii_alphabetic).collect();
    letters.contains("include") || text.contains('$') || text.contains('\\')
}

fn options(pick: u8) -> ParseOptions {
    ParseOptions {
        config_id: (pick & 1 == 1).then(|| "fuzz".to_string()),
        check_scripts: pick & 2 == 2,
        script_files: Some(BTreeSet::from([
            PathBuf::from("/usr/bin/true"),
            PathBuf::from("/etc/keepalived/check.sh"),
        ])),
    }
}

fuzz_target!(|data: &[u8]| {
    let rest = data;
    let text = String::from_utf8_lossy(rest);
    if could_escape(&text) {
        return;
    }
    let name = home().join("keepalived.conf");
    let opts = options((rest.len() % 4) as u8);
    let parsed = match std::str::from_utf8(rest) {
        Ok(text) => parse_str(text, &name, &opts),
        // Invalid UTF-8 reaches the lexer only through a file.
        Err(_) => {
            let file = home().join("raw.conf");
            if std::fs::write(&file, rest).is_err() {
                return;
            }
            parse_file(&file, &opts)
        }
    };
    let _ = parsed.render_diagnostics();
    let _ = parsed.has_errors();
    let printed = format::format_config(&parsed.config);
    if !could_escape(&printed) {
        let _ = parse_str(&printed, &name, &opts);
    }
    let _ = lint_cluster(&[
        (name.as_path(), &parsed.config),
        (name.as_path(), &parsed.config),
    ]);
    let _ = invisible::scan(&text);
    let _ = invisible::repair(&text);
    let _ = format::repair_text(&text);
});
