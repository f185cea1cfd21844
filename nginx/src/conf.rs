//! nginx configuration text → typed [`NginxConf`]: the `upstream` blocks and the proxy settings of each
//! `server` / `location` that `proxy_pass`es to one, with every error located as file:line:col.
//!
//! The lexer follows `ngx_conf_read_token`: white space separates words, `;` ends a directive, `{` and `}` open
//! and close blocks, `#` starts a comment at the start of a word, and `"…"` / `'…'` quote a word with `\`
//! escapes. The seed file is a snippet meant for `include` inside `http { }`, so `upstream` and `server` are
//! accepted at the top level as well as inside `http`. Directives this model does not act on (`root`,
//! `index`, `worker_processes`, …) are skipped; every directive it does act on is validated as nginx's own
//! handler validates it, with nginx's wording where it has one. Bad input never panics.

use crate::upstream::Method;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// A configuration error at file:line:col (1-based).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfError {
    /// The file name as given to [`parse`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// A position in the text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// One `server` line of an `upstream` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConf {
    /// The address as written (`192.0.2.1:80`); the consistent hash ring hashes this text.
    pub name: String,
    /// The address it resolves to (a literal IP; port 80 when none is written).
    pub addr: SocketAddr,
    /// `weight=` (default 1).
    pub weight: u32,
    /// `max_fails=` (default 1; 0 disables failure accounting).
    pub max_fails: u32,
    /// `fail_timeout=` in whole seconds (default 10 s; nginx parses it as seconds).
    pub fail_timeout_s: u64,
    /// `max_conns=` (default 0, unlimited).
    pub max_conns: u32,
    /// `backup`.
    pub backup: bool,
    /// `down`.
    pub down: bool,
    /// Where the line is.
    pub loc: Loc,
}

/// An `upstream NAME { … }` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamConf {
    /// Its name.
    pub name: String,
    /// Its servers in order.
    pub servers: Vec<ServerConf>,
    /// The balancer (`ip_hash`, `least_conn`, `hash`; round robin when none is given).
    pub method: Method,
    /// Where the block starts.
    pub loc: Loc,
}

/// The proxy settings in effect where a `proxy_pass` names an upstream (inherited http → server → location).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxySettings {
    /// `proxy_next_upstream` as a bit mask of [`next`] flags (default `error timeout`).
    pub next_upstream: u32,
    /// `proxy_next_upstream_tries` (0 = no limit besides the number of servers).
    pub next_upstream_tries: u32,
    /// `proxy_next_upstream_timeout` in ms (0 = no limit).
    pub next_upstream_timeout_ms: u64,
    /// `proxy_connect_timeout` in ms (default 60 s).
    pub connect_timeout_ms: u64,
    /// `proxy_read_timeout` in ms (default 60 s).
    pub read_timeout_ms: u64,
    /// `proxy_send_timeout` in ms (default 60 s).
    pub send_timeout_ms: u64,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            next_upstream: next::ERROR | next::TIMEOUT,
            next_upstream_tries: 0,
            next_upstream_timeout_ms: 0,
            connect_timeout_ms: 60_000,
            read_timeout_ms: 60_000,
            send_timeout_ms: 60_000,
        }
    }
}

/// `proxy_next_upstream` flags (`NGX_HTTP_UPSTREAM_FT_*`).
pub mod next {
    /// `error`: connecting, sending the request or reading the header failed.
    pub const ERROR: u32 = 0x2;
    /// `timeout`.
    pub const TIMEOUT: u32 = 0x4;
    /// `invalid_header`.
    pub const INVALID_HEADER: u32 = 0x8;
    /// `http_500`.
    pub const HTTP_500: u32 = 0x10;
    /// `http_502`.
    pub const HTTP_502: u32 = 0x20;
    /// `http_503`.
    pub const HTTP_503: u32 = 0x40;
    /// `http_504`.
    pub const HTTP_504: u32 = 0x80;
    /// `http_403`.
    pub const HTTP_403: u32 = 0x100;
    /// `http_404`.
    pub const HTTP_404: u32 = 0x200;
    /// `http_429`.
    pub const HTTP_429: u32 = 0x400;
    /// `updating` (only meaningful with a cache; accepted and inert here).
    pub const UPDATING: u32 = 0x800;
    /// `non_idempotent`: also retry POST, LOCK and PATCH once the request was sent.
    pub const NON_IDEMPOTENT: u32 = 0x4000;
    /// `off`.
    pub const OFF: u32 = 0x1;

    /// Flag of a `proxy_next_upstream` word.
    pub fn from_word(w: &str) -> Option<u32> {
        Some(match w {
            "error" => ERROR,
            "timeout" => TIMEOUT,
            "invalid_header" => INVALID_HEADER,
            "http_500" => HTTP_500,
            "http_502" => HTTP_502,
            "http_503" => HTTP_503,
            "http_504" => HTTP_504,
            "http_403" => HTTP_403,
            "http_404" => HTTP_404,
            "http_429" => HTTP_429,
            "updating" => UPDATING,
            "non_idempotent" => NON_IDEMPOTENT,
            "off" => OFF,
            _ => return None,
        })
    }
}

/// A `location` (or a `server` with a direct `proxy_pass`) that proxies to an upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRoute {
    /// The `listen` port of its server block (80 when none is given).
    pub listen: u16,
    /// The location prefix (`/` for a server-level `proxy_pass`).
    pub location: String,
    /// The upstream name from `proxy_pass http://NAME`.
    pub upstream: String,
    /// Settings in effect there.
    pub settings: ProxySettings,
    /// Where the `proxy_pass` is.
    pub loc: Loc,
}

/// What this model reads from an nginx configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NginxConf {
    /// The `upstream` blocks in order.
    pub upstreams: Vec<UpstreamConf>,
    /// Every `proxy_pass` to an upstream, with its settings.
    pub routes: Vec<ProxyRoute>,
}

impl NginxConf {
    /// The upstream named `name`.
    pub fn upstream(&self, name: &str) -> Option<&UpstreamConf> {
        self.upstreams.iter().find(|u| u.name == name)
    }

    /// The first route listening on `port`.
    pub fn route_for_port(&self, port: u16) -> Option<&ProxyRoute> {
        self.routes.iter().find(|r| r.listen == port)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String, Loc),
    Semi(Loc),
    Open(Loc),
    Close(Loc),
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    col: usize,
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn loc(&self) -> Loc {
        Loc {
            line: self.line,
            col: self.col,
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn lex(file: &str, text: &str) -> Result<Vec<Tok>, ConfError> {
    let err = |loc: Loc, message: String| located(file, loc, message);
    let mut lx = Lexer {
        chars: text.chars().peekable(),
        line: 1,
        col: 1,
    };
    let mut out = vec![];
    while let Some(&c) = lx.chars.peek() {
        let loc = lx.loc();
        match c {
            c if is_space(c) => {
                lx.bump();
            }
            '#' => {
                while let Some(&c) = lx.chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    lx.bump();
                }
            }
            ';' => {
                lx.bump();
                out.push(Tok::Semi(loc));
            }
            '{' => {
                lx.bump();
                out.push(Tok::Open(loc));
            }
            '}' => {
                lx.bump();
                out.push(Tok::Close(loc));
            }
            '"' | '\'' => {
                let q = c;
                lx.bump();
                let mut w = String::new();
                loop {
                    match lx.bump() {
                        None => {
                            return Err(err(
                                loc,
                                "unexpected end of file, expecting \";\" or \"}\"".into(),
                            ))
                        }
                        Some('\\') => match lx.bump() {
                            Some('t') => w.push('\t'),
                            Some('r') => w.push('\r'),
                            Some('n') => w.push('\n'),
                            Some(x) if x == q || x == '\\' => w.push(x),
                            Some(x) => {
                                w.push('\\');
                                w.push(x);
                            }
                            None => {
                                return Err(err(
                                    loc,
                                    "unexpected end of file, expecting \";\" or \"}\"".into(),
                                ))
                            }
                        },
                        Some(x) if x == q => break,
                        Some(x) => w.push(x),
                    }
                }
                if let Some(&n) = lx.chars.peek() {
                    if !is_space(n) && !matches!(n, ';' | '{' | '}') {
                        return Err(err(lx.loc(), format!("unexpected \"{n}\"")));
                    }
                }
                out.push(Tok::Word(w, loc));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = lx.chars.peek() {
                    if is_space(c) || matches!(c, ';' | '{' | '}') {
                        break;
                    }
                    w.push(c);
                    lx.bump();
                }
                out.push(Tok::Word(w, loc));
            }
        }
    }
    Ok(out)
}

/// One directive with its arguments and block.
#[derive(Clone, Debug)]
struct Directive {
    name: String,
    args: Vec<(String, Loc)>,
    block: Option<Vec<Directive>>,
    loc: Loc,
}

struct TreeParser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    file: &'a str,
    eof: Loc,
}

fn located(file: &str, loc: Loc, message: String) -> ConfError {
    ConfError {
        file: file.to_string(),
        line: loc.line,
        col: loc.col,
        message,
    }
}

impl TreeParser<'_> {
    fn err(&self, loc: Loc, message: String) -> ConfError {
        located(self.file, loc, message)
    }

    /// Directives until `}` (nested) or the end of input (top level).
    fn block(&mut self, nested: Option<Loc>) -> Result<Vec<Directive>, ConfError> {
        let mut out = vec![];
        loop {
            let Some(t) = self.toks.get(self.pos).cloned() else {
                return match nested {
                    Some(_) => {
                        Err(self.err(self.eof, "unexpected end of file, expecting \"}\"".into()))
                    }
                    None => Ok(out),
                };
            };
            self.pos += 1;
            match t {
                Tok::Close(loc) => {
                    return match nested {
                        Some(_) => Ok(out),
                        None => Err(self.err(loc, "unexpected \"}\"".into())),
                    }
                }
                Tok::Semi(loc) => return Err(self.err(loc, "unexpected \";\"".into())),
                Tok::Open(loc) => return Err(self.err(loc, "unexpected \"{\"".into())),
                Tok::Word(name, loc) => {
                    let mut args = vec![];
                    loop {
                        let Some(t) = self.toks.get(self.pos).cloned() else {
                            return Err(self.err(
                                self.eof,
                                "unexpected end of file, expecting \";\" or \"}\"".into(),
                            ));
                        };
                        self.pos += 1;
                        match t {
                            Tok::Word(w, l) => args.push((w, l)),
                            Tok::Semi(_) => {
                                out.push(Directive {
                                    name,
                                    args,
                                    block: None,
                                    loc,
                                });
                                break;
                            }
                            Tok::Open(l) => {
                                let inner = self.block(Some(l))?;
                                out.push(Directive {
                                    name,
                                    args,
                                    block: Some(inner),
                                    loc,
                                });
                                break;
                            }
                            Tok::Close(l) => {
                                return Err(self.err(l, "unexpected \"}\"".into()));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Parses nginx configuration text. `file` names the text in error locations.
pub fn parse(file: &str, text: &str) -> Result<NginxConf, ConfError> {
    let toks = lex(file, text)?;
    let lines = text.split('\n').count();
    let last_col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let mut p = TreeParser {
        toks,
        pos: 0,
        file,
        eof: Loc {
            line: lines.max(1),
            col: last_col,
        },
    };
    let tree = p.block(None)?;
    let mut b = Builder {
        file,
        conf: NginxConf::default(),
        location_stack: vec![],
    };
    b.level(&tree, &ProxySettings::default(), Level::Main)?;
    for r in &b.conf.routes {
        if b.conf.upstream(&r.upstream).is_none() {
            return Err(b.err(
                r.loc,
                format!(
                    "no upstream \"{}\" for proxy_pass http://{}",
                    r.upstream, r.upstream
                ),
            ));
        }
    }
    Ok(b.conf)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Main,
    Http,
    Server(u16),
    Location(u16),
}

struct Builder<'a> {
    file: &'a str,
    conf: NginxConf,
    /// Prefixes of the enclosing `location` blocks, innermost last.
    location_stack: Vec<String>,
}

impl Builder<'_> {
    fn err(&self, loc: Loc, message: String) -> ConfError {
        located(self.file, loc, message)
    }

    fn nargs(&self, d: &Directive, ok: impl Fn(usize) -> bool) -> Result<(), ConfError> {
        if ok(d.args.len()) {
            Ok(())
        } else {
            Err(self.err(
                d.loc,
                format!("invalid number of arguments in \"{}\" directive", d.name),
            ))
        }
    }

    fn no_block(&self, d: &Directive) -> Result<(), ConfError> {
        if d.block.is_some() {
            return Err(self.err(
                d.loc,
                format!("directive \"{}\" has no opening \"{{\"", d.name),
            ));
        }
        Ok(())
    }

    fn level(
        &mut self,
        ds: &[Directive],
        inherited: &ProxySettings,
        lvl: Level,
    ) -> Result<(), ConfError> {
        // Settings at this level apply to the whole block, wherever they appear in it (nginx merges after
        // reading the block).
        let mut settings = inherited.clone();
        for d in ds {
            self.proxy_setting(d, &mut settings)?;
        }
        let mut listen = match lvl {
            Level::Server(p) | Level::Location(p) => p,
            _ => 80,
        };
        if matches!(lvl, Level::Server(_)) {
            for d in ds.iter().filter(|d| d.name == "listen") {
                self.nargs(d, |n| n >= 1)?;
                listen = parse_listen(&d.args[0].0).ok_or_else(|| {
                    self.err(
                        d.args[0].1,
                        format!(
                            "invalid port in \"{}\" of the \"listen\" directive",
                            d.args[0].0
                        ),
                    )
                })?;
            }
        }
        for d in ds {
            match (d.name.as_str(), lvl) {
                ("http", Level::Main) => {
                    let block = self.block_of(d)?;
                    self.nargs(d, |n| n == 0)?;
                    self.level(block, &settings, Level::Http)?;
                }
                ("upstream", Level::Main | Level::Http) => {
                    let block = self.block_of(d)?;
                    self.nargs(d, |n| n == 1)?;
                    let name = d.args[0].0.clone();
                    if self.conf.upstream(&name).is_some() {
                        return Err(self.err(d.args[0].1, format!("duplicate upstream \"{name}\"")));
                    }
                    let u = self.upstream(name, block, d.loc)?;
                    self.conf.upstreams.push(u);
                }
                ("server", Level::Main | Level::Http) => {
                    let block = self.block_of(d)?;
                    self.nargs(d, |n| n == 0)?;
                    self.level(block, &settings, Level::Server(80))?;
                }
                ("location", Level::Server(_) | Level::Location(_)) => {
                    let block = self.block_of(d)?;
                    self.nargs(d, |n| n == 1 || n == 2)?;
                    self.location_stack
                        .push(d.args.last().map(|a| a.0.clone()).unwrap_or_default());
                    let r = self.level(block, &settings, Level::Location(listen));
                    self.location_stack.pop();
                    r?;
                }
                ("proxy_pass", Level::Server(_) | Level::Location(_)) => {
                    self.no_block(d)?;
                    self.nargs(d, |n| n == 1)?;
                    let (url, uloc) = &d.args[0];
                    let rest = url
                        .strip_prefix("http://")
                        .or_else(|| url.strip_prefix("https://"))
                        .ok_or_else(|| {
                            self.err(*uloc, format!("invalid URL prefix in \"{url}\""))
                        })?;
                    let host = rest.split(['/', '?']).next().unwrap_or("");
                    // A literal address or host:port is a direct proxy, not an upstream; this model only
                    // follows upstream names.
                    if host.parse::<SocketAddr>().is_ok() || host.parse::<IpAddr>().is_ok() {
                        continue;
                    }
                    self.conf.routes.push(ProxyRoute {
                        listen,
                        location: if matches!(lvl, Level::Server(_)) {
                            "/".into()
                        } else {
                            self.location_stack
                                .last()
                                .cloned()
                                .unwrap_or_else(|| "/".into())
                        },
                        upstream: host.to_string(),
                        settings: settings.clone(),
                        loc: d.loc,
                    });
                }
                ("upstream" | "server" | "http", _) if d.block.is_some() => {
                    return Err(self.err(
                        d.loc,
                        format!("\"{}\" directive is not allowed here", d.name),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn block_of<'d>(&self, d: &'d Directive) -> Result<&'d [Directive], ConfError> {
        d.block.as_deref().ok_or_else(|| {
            self.err(
                d.loc,
                format!("directive \"{}\" has no opening \"{{\"", d.name),
            )
        })
    }

    fn proxy_setting(&self, d: &Directive, s: &mut ProxySettings) -> Result<(), ConfError> {
        let ms = |b: &Self, d: &Directive| -> Result<u64, ConfError> {
            b.no_block(d)?;
            b.nargs(d, |n| n == 1)?;
            parse_time_ms(&d.args[0].0).ok_or_else(|| {
                b.err(
                    d.args[0].1,
                    format!("\"{}\" directive invalid value", d.name),
                )
            })
        };
        match d.name.as_str() {
            "proxy_next_upstream" => {
                self.no_block(d)?;
                self.nargs(d, |n| n >= 1)?;
                let mut mask = 0;
                for (w, l) in &d.args {
                    let f = next::from_word(w)
                        .ok_or_else(|| self.err(*l, format!("invalid value \"{w}\"")))?;
                    mask |= f;
                }
                if mask & next::OFF != 0 && mask != next::OFF {
                    return Err(self.err(
                        d.args[0].1,
                        "invalid value \"off\" with other values".into(),
                    ));
                }
                s.next_upstream = if mask == next::OFF { 0 } else { mask };
            }
            "proxy_next_upstream_tries" => {
                self.no_block(d)?;
                self.nargs(d, |n| n == 1)?;
                s.next_upstream_tries = d.args[0].0.parse().map_err(|_| {
                    self.err(
                        d.args[0].1,
                        "\"proxy_next_upstream_tries\" directive invalid value".into(),
                    )
                })?;
            }
            "proxy_next_upstream_timeout" => s.next_upstream_timeout_ms = ms(self, d)?,
            "proxy_connect_timeout" => s.connect_timeout_ms = ms(self, d)?,
            "proxy_read_timeout" => s.read_timeout_ms = ms(self, d)?,
            "proxy_send_timeout" => s.send_timeout_ms = ms(self, d)?,
            _ => {}
        }
        Ok(())
    }

    fn upstream(
        &self,
        name: String,
        ds: &[Directive],
        loc: Loc,
    ) -> Result<UpstreamConf, ConfError> {
        let mut method: Option<(Method, Loc)> = None;
        let mut servers: Vec<ServerConf> = vec![];
        for d in ds {
            let mut set_method = |m: Method, b: &Self| -> Result<(), ConfError> {
                if method.is_some() {
                    return Err(b.err(d.loc, "load balancing method redefined".into()));
                }
                method = Some((m, d.loc));
                Ok(())
            };
            match d.name.as_str() {
                "server" => {
                    self.no_block(d)?;
                    self.nargs(d, |n| n >= 1)?;
                    servers.push(self.server(d)?);
                }
                "ip_hash" => {
                    self.no_block(d)?;
                    self.nargs(d, |n| n == 0)?;
                    set_method(Method::IpHash, self)?;
                }
                "least_conn" => {
                    self.no_block(d)?;
                    self.nargs(d, |n| n == 0)?;
                    set_method(Method::LeastConn, self)?;
                }
                "hash" => {
                    self.no_block(d)?;
                    self.nargs(d, |n| n == 1 || n == 2)?;
                    let key = crate::upstream::KeyExpr::parse(&d.args[0].0)
                        .map_err(|m| self.err(d.args[0].1, m))?;
                    let consistent = match d.args.get(1) {
                        None => false,
                        Some((w, _)) if w == "consistent" => true,
                        Some((w, l)) => {
                            return Err(self.err(*l, format!("invalid parameter \"{w}\"")))
                        }
                    };
                    set_method(Method::Hash { key, consistent }, self)?;
                }
                // Connection caching and shared-memory zones change nothing in which peer is chosen by one
                // worker; they are accepted so real configs load.
                "keepalive" | "keepalive_requests" | "keepalive_time" | "keepalive_timeout"
                | "zone" => {
                    self.no_block(d)?;
                }
                "random" => {
                    return Err(self.err(
                        d.loc,
                        "the \"random\" balancer is not modelled (see nginx/FIDELITY.md)".into(),
                    ))
                }
                other => {
                    return Err(
                        self.err(d.loc, format!("unknown directive \"{other}\" in upstream"))
                    )
                }
            }
        }
        if servers.is_empty() {
            return Err(self.err(loc, format!("no servers are inside upstream \"{name}\"")));
        }
        let method = method.map(|m| m.0).unwrap_or(Method::RoundRobin);
        if matches!(method, Method::IpHash | Method::Hash { .. }) {
            if let Some(s) = servers.iter().find(|s| s.backup) {
                return Err(self.err(s.loc, "invalid parameter \"backup\": the hash balancers do not support backup servers".into()));
            }
        }
        Ok(UpstreamConf {
            name,
            servers,
            method,
            loc,
        })
    }

    fn server(&self, d: &Directive) -> Result<ServerConf, ConfError> {
        let (addr_text, aloc) = &d.args[0];
        let addr = parse_addr(addr_text).ok_or_else(|| {
            self.err(
                *aloc,
                format!("invalid address \"{addr_text}\" (this model takes literal IP addresses: it has no resolver)"),
            )
        })?;
        let mut s = ServerConf {
            name: addr_text.clone(),
            addr,
            weight: 1,
            max_fails: 1,
            fail_timeout_s: 10,
            max_conns: 0,
            backup: false,
            down: false,
            loc: d.loc,
        };
        for (w, l) in &d.args[1..] {
            let bad = || self.err(*l, format!("invalid parameter \"{w}\""));
            if let Some(v) = w.strip_prefix("weight=") {
                s.weight = v.parse().ok().filter(|&x: &u32| x >= 1).ok_or_else(bad)?;
            } else if let Some(v) = w.strip_prefix("max_fails=") {
                s.max_fails = v.parse().map_err(|_| bad())?;
            } else if let Some(v) = w.strip_prefix("fail_timeout=") {
                s.fail_timeout_s = parse_time_s(v).ok_or_else(bad)?;
            } else if let Some(v) = w.strip_prefix("max_conns=") {
                s.max_conns = v.parse().map_err(|_| bad())?;
            } else if w == "backup" {
                s.backup = true;
            } else if w == "down" {
                s.down = true;
            } else {
                return Err(bad());
            }
        }
        Ok(s)
    }
}

fn parse_listen(text: &str) -> Option<u16> {
    // "80", "192.0.2.1:80", "[2001:db8::1]:80", "*:80".
    let port = match text.rsplit_once(':') {
        Some((_, p)) => p,
        None => text,
    };
    port.parse().ok().filter(|&p| p != 0)
}

fn parse_addr(text: &str) -> Option<SocketAddr> {
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Some(a);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, 80));
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, 80))
}

/// `ngx_parse_time`: "1m30s", "500ms", "30" (seconds). Returns milliseconds, or None when malformed.
fn parse_time(text: &str, seconds_only: bool) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let b = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_rank = usize::MAX;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: u64 = text[start..i].parse().ok()?;
        let (unit_ms, rank, len) = match &b[i..] {
            [b'm', b's', ..] => (1, 0, 2),
            [b'y', ..] => (365 * 86_400_000, 7, 1),
            [b'M', ..] => (30 * 86_400_000, 6, 1),
            [b'w', ..] => (7 * 86_400_000, 5, 1),
            [b'd', ..] => (86_400_000, 4, 1),
            [b'h', ..] => (3_600_000, 3, 1),
            [b'm', ..] => (60_000, 2, 1),
            [b's', ..] => (1000, 1, 1),
            [] => (1000, 1, 0),
            _ => return None,
        };
        // Units must come in decreasing order, each once ("1m30s", not "30s1m").
        if rank >= last_rank || (seconds_only && rank == 0) {
            return None;
        }
        last_rank = rank;
        i += len;
        total = total.checked_add(n.checked_mul(unit_ms)?)?;
    }
    Some(total)
}

/// A time value in milliseconds (`ngx_conf_set_msec_slot`).
pub fn parse_time_ms(text: &str) -> Option<u64> {
    parse_time(text, false)
}

/// A time value in whole seconds (`fail_timeout=`, parsed by nginx with `ngx_parse_time(.., 1)`).
pub fn parse_time_s(text: &str) -> Option<u64> {
    parse_time(text, true).map(|ms| ms / 1000)
}
