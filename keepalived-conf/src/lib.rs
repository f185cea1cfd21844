//! keepalived-conf reads keepalived.conf files (keepalived 2.x syntax, the grammar of Debian's
//! keepalived 2.2.7) into a typed [`Config`] plus a list of [`Diagnostic`]s that say, with
//! file:line:col, what keepalived itself would do with each problem: refuse or drop (error), log
//! and go on (warning). It also catches the silent traps keepalived does not explain (invisible
//! characters pasted from web pages, track scripts that need a shell, weights that can never
//! change the master, ...), marked as vrrpsim's own lints, and prints a config back in canonical
//! form ([`format::format_config`]). It never panics on any input, never runs a script and
//! never touches the network; the only file-system access is reading the config and its
//! includes, and (unless turned off in [`ParseOptions`]) checking whether script programs exist.
//!
//! # Public API
//!
//! - [`parse_file`] / [`parse_str`] → [`Parsed`] `{ config, diagnostics, sources }`.
//! - [`ParseOptions`]: `config_id` (keepalived's `-i`, for `@id` lines), `check_scripts`.
//! - [`Config`] and the block types in [`model`]: `Option` for every unset keyword, helper
//!   methods for keepalived's effective defaults ([`VrrpInstance::effective_version`],
//!   [`VrrpInstance::effective_priority`], [`VrrpInstance::effective_advert_int`], ...).
//! - [`VrrpScript::keepalived_disables`]: would keepalived disable this script at start-up,
//!   given the caller's notion of which files exist?
//! - [`Diagnostic`] (`severity`, `source`, `code`, `message`, `keepalived_would`, `help`,
//!   `span`) and [`Diagnostic::render`] for a caret excerpt; [`Parsed::render_diagnostics`].
//! - [`format::format_config`] (canonical keepalived.conf) and [`invisible::repair`] /
//!   [`format::repair_text`] (the repair mode for pasted invisible characters).
//! - [`lint_cluster`]: cross-node lints for the configs of one cluster (weights that can never
//!   move the master).
//! - [`router::router_config`]: a `vrrp_instance` as the `vrrp` crate's `RouterConfig` (the one
//!   mapping the simulator and the daemon share).
//! - [`keywords`]: the keepalived 2.2.7 grammar (every block and keyword) and the keywords of
//!   later versions with the version that introduced them.
//!
//! Diagnostic codes are stable kebab-case strings (`unknown-keyword`, `vrid-range`,
//! `script-disabled`, `invisible-character`, ...); `source` tells keepalived's own verdicts from
//! vrrpsim's lints, which are never errors.
//!
//! ```
//! use keepalived_conf::{parse_str, ParseOptions};
//! use std::path::Path;
//! let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n";
//! let parsed = parse_str(text, Path::new("keepalived.conf"), &ParseOptions::default());
//! assert!(parsed.diagnostics.iter().all(|d| d.severity != keepalived_conf::Severity::Error));
//! assert_eq!(parsed.config.vrrp_instances[0].virtual_router_id, Some(51));
//! ```

#![warn(missing_docs, unreachable_pub)]

mod build;
pub mod diag;
pub mod format;
mod glob;
mod grammar;
pub mod invisible;
pub mod keywords;
mod lexer;
mod lint;
pub mod model;
pub mod router;
mod tree;

pub use diag::{Diagnostic, Severity, Source, Span};
pub use lint::cluster as lint_cluster;
pub use model::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Options for parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// keepalived's `--config-id` / `-i`: lines starting `@ID` are kept only when ID matches,
    /// lines starting `@^ID` only when it does not. keepalived defaults it to the host name;
    /// vrrpsim defaults to none (every `@` line is skipped, every `@^` line kept).
    pub config_id: Option<String>,
    /// Check whether the programs of `vrrp_script`s (and notify scripts) exist, as
    /// `keepalived -t` does on the machine it runs on. Off, only the shell-syntax check runs.
    pub check_scripts: bool,
    /// With `check_scripts`: the executable files that exist, instead of this machine's file
    /// system (a simulator or a test passes its own notion of the node's files).
    pub script_files: Option<BTreeSet<PathBuf>>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            config_id: None,
            check_scripts: true,
            script_files: None,
        }
    }
}

/// The result of parsing: the model and everything found wrong with it.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The typed configuration (items keepalived would drop are left out).
    pub config: Config,
    /// Diagnostics, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file read (the main file and its includes), for rendering excerpts.
    pub sources: BTreeMap<PathBuf, String>,
}

impl Parsed {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Whether any diagnostic is a warning.
    pub fn has_warnings(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning)
    }

    /// All diagnostics rendered with caret excerpts, one after the other.
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Reads and parses a keepalived.conf file (and its includes). An unreadable file gives an
/// empty config and one error diagnostic.
pub fn parse_file(path: &Path, opts: &ParseOptions) -> Parsed {
    match std::fs::read(path) {
        Ok(bytes) => parse_bytes(&bytes, path, opts),
        Err(e) => Parsed {
            config: Config::default(),
            diagnostics: vec![Diagnostic::keepalived(
                Severity::Error,
                "unreadable-file",
                Span::new(path, 1, 1, 1),
                format!("cannot read {}: {e}", path.display()),
                "reports \"Unable to find configuration file\" and exits",
            )],
            sources: BTreeMap::new(),
        },
    }
}

/// Parses configuration text. `name` is used in diagnostics and to resolve relative
/// `include`s (relative to its directory).
pub fn parse_str(text: &str, name: &Path, opts: &ParseOptions) -> Parsed {
    parse_bytes(text.as_bytes(), name, opts)
}

fn parse_bytes(bytes: &[u8], name: &Path, opts: &ParseOptions) -> Parsed {
    let mut lx = lexer::Lexer::new(opts.config_id.as_deref());
    lx.read_file(name, bytes, None);
    let mut diags = std::mem::take(&mut lx.diags);
    let nodes = tree::build(&lx.lines, &mut diags);
    let mut b = build::Builder::new();
    b.top(&nodes);
    diags.append(&mut b.diags);
    let config = b.cfg;
    lint::run(&config, &lx.sources, opts, &mut diags);
    diag::sort(&mut diags);
    Parsed {
        config,
        diagnostics: diags,
        sources: lx.sources,
    }
}
