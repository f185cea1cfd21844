//! The line reader: turns files into keepalived's logical lines of words, exactly as keepalived
//! 2.2.7's `read_line()` does, keeping every word's file:line:col.
//!
//! It owns comments (`!`, `#`, with `\!`/`\#` escapes), `@id` / `@^id` conditional lines,
//! `$NAME=value` parameter definitions (single and multi-line) and their substitution
//! (`$NAME`, `${NAME}`), `include` (globs, relative paths, cycle detection) and the splitting of a
//! line at its first `{` or `}` (keepalived processes `a {` as the two lines `a` and `{`).
//! Words are split on ASCII white space only, as keepalived does: a U+00A0 stays inside a word.

use crate::diag::{Diagnostic, Severity, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// keepalived's MAXBUF: a line longer than this is cut by fgets into several lines.
const MAXBUF: usize = 1024;
const WHITE: &[u8] = b" \t\x0c\n\r\x0b";

/// One word of a logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    pub text: String,
    pub span: Span,
}

/// One logical line: the words keepalived hands to a keyword handler.
#[derive(Debug, Clone)]
pub(crate) struct LLine {
    pub toks: Vec<Tok>,
}

/// A byte of a line being processed, with the byte offset it came from in the physical line
/// (synthesised bytes from a parameter substitution carry the offset of the `$`).
#[derive(Clone)]
struct Buf {
    b: Vec<u8>,
    off: Vec<usize>,
}

impl Buf {
    fn from(bytes: &[u8]) -> Buf {
        Buf {
            b: bytes.to_vec(),
            off: (0..bytes.len()).collect(),
        }
    }
    fn len(&self) -> usize {
        self.b.len()
    }
    fn is_empty(&self) -> bool {
        self.b.is_empty()
    }
    fn slice(&self, from: usize, to: usize) -> Buf {
        Buf {
            b: self.b[from..to].to_vec(),
            off: self.off[from..to].to_vec(),
        }
    }
    fn remove(&mut self, i: usize) {
        self.b.remove(i);
        self.off.remove(i);
    }
    fn truncate(&mut self, n: usize) {
        self.b.truncate(n);
        self.off.truncate(n);
    }
    fn trim_start(&mut self, set: &[u8]) {
        let n = self.b.iter().take_while(|c| set.contains(c)).count();
        self.b.drain(..n);
        self.off.drain(..n);
    }
    fn trim_end(&mut self, set: &[u8]) {
        while self.b.last().is_some_and(|c| set.contains(c)) {
            self.b.pop();
            self.off.pop();
        }
    }
    fn starts_with(&self, p: &[u8]) -> bool {
        self.b.starts_with(p)
    }
}

/// A parameter definition (`$NAME=value`).
#[derive(Clone)]
struct Def {
    name: String,
    /// Lines of the value (more than one for a multi-line definition).
    lines: Vec<Vec<u8>>,
    multiline: bool,
}

/// A physical line being read from a file, before the logical-line processing.
struct Phys<'a> {
    file: &'a Path,
    line_no: u32,
    text: &'a [u8],
}

pub(crate) struct Lexer<'o> {
    config_id: Option<&'o str>,
    pub diags: Vec<Diagnostic>,
    pub sources: BTreeMap<PathBuf, String>,
    pub lines: Vec<LLine>,
    /// Files whose text was read, in order.
    pub files: Vec<PathBuf>,
    defs: Vec<Def>,
    multiline_def: Option<usize>,
    stack: Vec<PathBuf>,
    /// The files of `stack` as they were named (for messages).
    names: Vec<PathBuf>,
    /// The include that opened each file of `stack` (None for the top file).
    sites: Vec<Option<Span>>,
    /// Re-reading a file of an include cycle once, as keepalived does before it fails.
    replaying: bool,
    block_depth: i64,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

impl<'o> Lexer<'o> {
    pub(crate) fn new(config_id: Option<&'o str>) -> Lexer<'o> {
        let mut lx = Lexer {
            config_id,
            diags: Vec::new(),
            sources: BTreeMap::new(),
            lines: Vec::new(),
            files: Vec::new(),
            defs: Vec::new(),
            multiline_def: None,
            stack: Vec::new(),
            names: Vec::new(),
            sites: Vec::new(),
            replaying: false,
            block_depth: 0,
        };
        // keepalived's standard definitions that have a fixed value.
        for (n, v) in [("_HASH", "#"), ("_BANG", "!")] {
            lx.defs.push(Def {
                name: n.to_string(),
                lines: vec![v.as_bytes().to_vec()],
                multiline: false,
            });
        }
        // keepalived's _INSTANCE is the config id (which defaults to the host name; a simulated
        // node has none unless --config-id is given).
        lx.defs.push(Def {
            name: "_INSTANCE".to_string(),
            lines: vec![config_id.unwrap_or("").as_bytes().to_vec()],
            multiline: false,
        });
        lx
    }

    /// Reads a whole file (the top-level file or an include).
    pub(crate) fn read_file(&mut self, path: &Path, bytes: &[u8], include_span: Option<&Span>) {
        let key = canonical(path);
        if let Some(pos) = self.stack.iter().position(|p| *p == key) {
            if self.replaying {
                return;
            }
            let chain: Vec<String> = self.names[pos..]
                .iter()
                .map(|p| p.display().to_string())
                .chain(std::iter::once(path.display().to_string()))
                .collect();
            // Every include of the loop is to blame; report at each of them.
            let mut sites: Vec<Span> = self.sites[pos + 1..].iter().flatten().cloned().collect();
            if let Some(s) = include_span {
                sites.push(s.clone());
            }
            for span in sites {
                self.diags.push(
                    Diagnostic::keepalived(
                        Severity::Error,
                        "include-cycle",
                        span,
                        format!("include cycle: {}", chain.join(" -> ")),
                        "has no cycle check: it opens the files again and again until it runs out of file descriptors (\"open problem (Too many open files)\"), reading their definitions many times",
                    )
                    .with_help("remove the include that points back to an including file"),
                );
            }
            // keepalived reads the file again before it fails; so do we, once, so that the
            // duplicate definitions it then reports show up too.
            self.replaying = true;
            self.read_file_inner(path, bytes, include_span, key);
            self.replaying = false;
            return;
        }
        self.read_file_inner(path, bytes, include_span, key);
    }

    fn read_file_inner(
        &mut self,
        path: &Path,
        bytes: &[u8],
        include_span: Option<&Span>,
        key: PathBuf,
    ) {
        let text = String::from_utf8_lossy(bytes).into_owned();
        if std::str::from_utf8(bytes).is_err() {
            self.diags.push(Diagnostic::vrrpsim(
                Severity::Warning,
                "invalid-utf8",
                Span::new(path, 1, 1, 1),
                "the file is not valid UTF-8; invalid bytes are shown as U+FFFD",
                "keepalived reads bytes and does not care about the encoding",
            ));
        }
        self.sources.insert(path.to_path_buf(), text);
        self.files.push(path.to_path_buf());
        // ${_PWD}: the directory of the file being read.
        let pwd = canonical(path)
            .parent()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let saved_pwd = self.set_def("_PWD", pwd);
        self.stack.push(key);
        self.names.push(path.to_path_buf());
        self.sites.push(include_span.cloned());
        let mut line_no = 0u32;
        let mut rest: &[u8] = bytes;
        while !rest.is_empty() {
            let (mut line, next) = match rest.iter().position(|&c| c == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            line_no += 1;
            while let Some((&b'\r', head)) = line.split_last() {
                line = head;
            }
            // fgets() with keepalived's MAXBUF cuts an over-long line; report it.
            if line.len() >= MAXBUF - 1 {
                self.diags.push(Diagnostic::vrrpsim(
                    Severity::Warning,
                    "line-too-long",
                    Span::new(path, line_no, 1, 1),
                    format!(
                        "line is {} bytes long; keepalived reads at most {}",
                        line.len(),
                        MAXBUF - 2
                    ),
                    "keepalived splits the line and reads the rest as a new line",
                ));
            }
            self.physical(Phys {
                file: path,
                line_no,
                text: line,
            });
        }
        self.stack.pop();
        self.names.pop();
        self.sites.pop();
        if let Some(old) = saved_pwd {
            self.set_def("_PWD", old);
        }
        // A multi-line definition ends with its file.
        self.multiline_def = None;
    }

    /// Sets a one-line definition; returns the previous value.
    fn set_def(&mut self, name: &str, value: String) -> Option<String> {
        let def = Def {
            name: name.to_string(),
            lines: vec![value.into_bytes()],
            multiline: false,
        };
        match self.defs.iter().position(|d| d.name == name) {
            Some(k) => {
                let old = std::mem::replace(&mut self.defs[k], def);
                Some(String::from_utf8_lossy(&old.lines.concat()).into_owned())
            }
            None => {
                self.defs.push(def);
                None
            }
        }
    }

    fn span_of(&self, p: &Phys<'_>, off: usize, len_bytes: usize) -> Span {
        // Characters, not bytes: count the bytes that start a UTF-8 sequence.
        let chars = |b: &[u8]| b.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u32;
        let off = off.min(p.text.len());
        let end = (off + len_bytes).min(p.text.len());
        let col = chars(&p.text[..off]) + 1;
        let len = chars(&p.text[off..end]);
        Span::new(p.file, p.line_no, col, len.max(1))
    }

    fn physical(&mut self, p: Phys<'_>) {
        if p.text.is_empty() {
            if let Some(d) = self.multiline_def.take() {
                if self.defs[d].lines.iter().all(|l| l.is_empty()) {
                    self.defs[d].multiline = false;
                }
            }
            return;
        }
        let mut buf = Buf::from(p.text);
        let cont = self.decomment(&mut buf, &p);
        if let Some(d) = self.multiline_def {
            // Continuation lines of a multi-line $NAME=... definition.
            let mut b = buf.b.clone();
            if cont {
                while b.last().is_some_and(|&c| is_blank(c)) {
                    b.pop();
                }
            } else {
                self.multiline_def = None;
            }
            if !b.is_empty() {
                self.defs[d].lines.push(b);
            }
            return;
        }
        if buf.is_empty() {
            return;
        }
        if cont {
            // decomment() leaves the '\' in place; outside a definition it is an ordinary char.
            buf.b.push(b'\\');
            buf.off.push(p.text.len().saturating_sub(1));
        }
        let mut pending = vec![buf];
        let mut guard = 0;
        while let Some(buf) = pending.pop() {
            guard += 1;
            if guard > 10_000 {
                break;
            }
            self.logical(buf, &p, &mut pending);
        }
    }

    /// keepalived's decomment(): strips leading blanks, comments and trailing blanks. Returns
    /// whether the line ends with a continuation `\`.
    fn decomment(&mut self, buf: &mut Buf, p: &Phys<'_>) -> bool {
        buf.trim_start(b" \t");
        let mut quote = false;
        let mut cont = false;
        let mut skip: Option<usize> = None;
        let mut i = 0;
        while i < buf.len() {
            let c = buf.b[i];
            match c {
                b'"' => {
                    if skip.is_none() {
                        quote = !quote;
                    }
                    i += 1;
                }
                b'\\' => {
                    if i + 1 < buf.len() {
                        let n = buf.b[i + 1];
                        if !quote && (n == b'#' || n == b'!') {
                            buf.remove(i);
                            i += 1;
                        } else {
                            i += 2;
                        }
                    } else {
                        buf.truncate(i);
                        cont = true;
                        break;
                    }
                }
                b'!' | b'#' => {
                    if !quote && skip.is_none() {
                        skip = Some(i);
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        if quote {
            let off = buf
                .b
                .iter()
                .position(|&c| c == b'"')
                .map_or(0, |i| buf.off[i]);
            self.diags.push(
                Diagnostic::keepalived(
                    Severity::Warning,
                    "unterminated-quote",
                    self.span_of(p, off, 1),
                    "unterminated quote: the closing '\"' is missing",
                    "logs \"Unterminated quote\", reads the rest of the line (comments included) as quoted text",
                )
                .with_help("add the closing '\"'"),
            );
        }
        if let Some(s) = skip {
            buf.truncate(s);
        }
        buf.trim_end(b" \t");
        cont
    }

    /// The part of read_line() after a physical line is decommented: conditionals, definitions,
    /// substitution, include, brace splitting.
    fn logical(&mut self, mut buf: Buf, p: &Phys<'_>, pending: &mut Vec<Buf>) {
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > 32 {
                self.diags.push(Diagnostic::vrrpsim(
                    Severity::Warning,
                    "param-recursion",
                    self.span_of(p, 0, p.text.len()),
                    "parameter substitution does not terminate",
                    "keepalived keeps substituting until the line exceeds its maximum length",
                ));
                return;
            }
            if buf.starts_with(b"@") {
                let (rev, ofs) = if buf.b.get(1) == Some(&b'^') {
                    (true, 2)
                } else {
                    (false, 1)
                };
                let Some(ws) = buf.b[ofs..]
                    .iter()
                    .position(|&c| is_blank(c))
                    .map(|i| i + ofs)
                else {
                    return;
                };
                let id = &buf.b[ofs..ws];
                let matches = self.config_id.is_some_and(|c| c.as_bytes() == id);
                if matches == rev {
                    return;
                }
                let mut start = ws;
                while start < buf.len() && is_blank(buf.b[start]) {
                    start += 1;
                }
                buf = buf.slice(start, buf.len());
            }
            if buf.starts_with(b"$") && self.check_definition(&buf) {
                return;
            }
            if buf.starts_with(b"~SEQ") {
                self.seq(&buf, p);
                return;
            }
            if buf.starts_with(b"~LST") {
                self.diags.push(Diagnostic::vrrpsim(
                    Severity::Warning,
                    "lst-unsupported",
                    self.span_of(p, buf.off.first().copied().unwrap_or(0), 4),
                    "~LST line generators are not expanded by vrrpsim; the line is skipped",
                    "repeats the rest of the line for each listed value",
                ));
                return;
            }
            if buf.starts_with(b"~") {
                break;
            }
            let has_defs = self.defs.iter().any(|d| !d.name.starts_with('_'));
            if (has_defs || buf.b.windows(2).any(|w| w == b"$_")) && buf.b.contains(&b'$') {
                if let Some((new, more)) = self.replace_params(&buf) {
                    buf = new;
                    // Lines 2.. of a multi-line definition follow this one.
                    for extra in more.into_iter().rev() {
                        pending.push(extra);
                    }
                    let mut tmp = buf.clone();
                    self.decomment(&mut tmp, p);
                    buf = tmp;
                    if buf.starts_with(b"@") || buf.b.contains(&b'$') {
                        continue;
                    }
                }
            }
            break;
        }
        if buf.is_empty() {
            return;
        }
        if self.check_include(&buf, p) {
            return;
        }
        // Split at the first '{' or '}' outside double quotes.
        let mut split: Option<usize> = None;
        if buf.b[0] == b'{' || buf.b[0] == b'}' {
            split = Some(0);
        } else {
            let mut i = 0;
            while i < buf.len() {
                match buf.b[i] {
                    b'{' | b'}' => {
                        split = Some(i);
                        break;
                    }
                    b'"' => match buf.b[i + 1..].iter().position(|&c| c == b'"') {
                        Some(j) => i = i + 1 + j + 1,
                        None => break,
                    },
                    _ => i += 1,
                }
            }
        }
        if let Some(s) = split {
            let skip = if s == 0 {
                1 + buf.b[1..].iter().take_while(|&&c| is_blank(c)).count()
            } else {
                0
            };
            if s + skip < buf.len() {
                let mut residue = buf.slice(s + skip, buf.len());
                residue.trim_end(b" \t");
                if !residue.is_empty() {
                    pending.push(residue);
                }
                buf.truncate(s + skip);
            }
        }
        buf.trim_end(b" \t");
        if buf.b == b"{" {
            self.block_depth += 1;
        } else if buf.b == b"}" {
            self.block_depth -= 1;
            if self.block_depth < 0 {
                self.diags.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "extra-close-brace",
                    self.span_of(p, buf.off[0], 1),
                    "extra '}': there is no block open here",
                    "logs \"Extra '}' found\" and ignores it",
                ));
                self.block_depth = 0;
            }
        }
        let toks = self.tokenize(&buf, p);
        if !toks.is_empty() {
            self.lines.push(LLine { toks });
        }
    }

    /// `~SEQ(var, [start, [step,]] end) rest` / `~SEQx(...)`: the rest of the line once per
    /// value, with `$var` set (in hexadecimal for `~SEQx`), as keepalived's add_seq() does.
    fn seq(&mut self, buf: &Buf, p: &Phys<'_>) {
        let b = &buf.b;
        let span = self.span_of(p, buf.off.first().copied().unwrap_or(0), b.len());
        let invalid = |lx: &mut Self, why: &str| {
            lx.diags.push(Diagnostic::keepalived(
                Severity::Error,
                "invalid-seq",
                span.clone(),
                format!("invalid ~SEQ definition: {why}"),
                "logs \"Invalid ~SEQ definition\" and skips the line",
            ));
        };
        let mut i = 4;
        let hex = b.get(i) == Some(&b'x');
        if hex {
            i += 1;
        }
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'(') {
            return invalid(self, "'(' expected");
        }
        i += 1;
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        let vs = i;
        while i < b.len() && !b" \t,)".contains(&b[i]) {
            i += 1;
        }
        let var = String::from_utf8_lossy(&b[vs..i]).into_owned();
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if var.is_empty() || b.get(i) != Some(&b',') {
            return invalid(self, "a variable and at least one number are needed");
        }
        let Some(close) = b[i..].iter().position(|&c| c == b')').map(|k| k + i) else {
            return invalid(self, "')' expected");
        };
        let params = buf.slice(i + 1, close);
        let params = self.replace_params(&params).map_or(params, |(x, _)| x);
        let text = String::from_utf8_lossy(&params.b).into_owned();
        let nums: Vec<Option<i64>> = text.split(',').map(|t| strtol(t.trim())).collect();
        if nums.iter().any(Option::is_none) || nums.is_empty() || nums.len() > 3 {
            return invalid(self, "numbers expected");
        }
        let n: Vec<i64> = nums.into_iter().flatten().collect();
        let (start, step, end) = match n.as_slice() {
            [end] => (
                if *end < 0 { -1 } else { 1 },
                if *end < 1 { -1 } else { 1 },
                *end,
            ),
            [start, end] => (*start, if start <= end { 1 } else { -1 }, *end),
            [start, step, end] => (*start, *step, *end),
            _ => return invalid(self, "numbers expected"),
        };
        if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
            return invalid(self, "the step does not lead from start to end");
        }
        if hex && (start < 0 || end < 0) {
            return invalid(self, "~SEQx is only valid for positive numbers");
        }
        let mut r = close + 1;
        while r < b.len() && is_blank(b[r]) {
            r += 1;
        }
        let rest = buf.slice(r, b.len());
        let mut v = start;
        let mut count = 0;
        while (step > 0 && v <= end) || (step < 0 && v >= end) {
            count += 1;
            if count > 10_000 {
                self.diags.push(Diagnostic::vrrpsim(
                    Severity::Warning,
                    "seq-too-long",
                    span.clone(),
                    "~SEQ expands to more than 10000 lines; vrrpsim stops there",
                    "expands every value",
                ));
                break;
            }
            let value = if hex { format!("{v:x}") } else { v.to_string() };
            let def = Def {
                name: var.clone(),
                lines: vec![value.into_bytes()],
                multiline: false,
            };
            match self.defs.iter().position(|d| d.name == var) {
                Some(k) => self.defs[k] = def,
                None => self.defs.push(def),
            }
            let mut local = vec![rest.clone()];
            while let Some(x) = local.pop() {
                self.logical(x, p, &mut local);
            }
            v += step;
        }
    }

    /// keepalived's alloc_strvec_r(): words split on white space; `"..."` is one word without
    /// its quotes (no escapes).
    fn tokenize(&mut self, buf: &Buf, p: &Phys<'_>) -> Vec<Tok> {
        let mut toks = Vec::new();
        let mut i = 0;
        let b = &buf.b;
        while i < b.len() {
            while i < b.len() && WHITE.contains(&b[i]) {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let start = i;
            let (text, end) = if b[i] == b'"' {
                match b[i + 1..].iter().position(|&c| c == b'"') {
                    Some(j) => (&b[i + 1..i + 1 + j], i + 1 + j + 1),
                    None => {
                        self.diags.push(Diagnostic::keepalived(
                            Severity::Warning,
                            "unmatched-quote",
                            self.span_of(p, buf.off[i], 1),
                            "unmatched quote",
                            "logs \"Unmatched quote\" and drops the rest of the line",
                        ));
                        break;
                    }
                }
            } else {
                let j = b[i..]
                    .iter()
                    .position(|c| WHITE.contains(c) || *c == b'"')
                    .map_or(b.len(), |j| i + j);
                (&b[i..j], j)
            };
            let off0 = buf.off[start];
            let off1 = buf.off[end - 1] + 1;
            let span = self.span_of(p, off0, off1.saturating_sub(off0));
            toks.push(Tok {
                text: String::from_utf8_lossy(text).into_owned(),
                span,
            });
            i = end;
        }
        toks
    }

    fn check_definition(&mut self, buf: &Buf) -> bool {
        let b = &buf.b;
        if b.len() < 2 || !(b[1].is_ascii_alphabetic() || b[1] == b'_') {
            return false;
        }
        let mut p = 2;
        while p < b.len() && b[p] != b'=' {
            if !(b[p].is_ascii_alphanumeric() || b[p] == b'_') {
                break;
            }
            p += 1;
        }
        let name_end = p;
        while p < b.len() && is_blank(b[p]) {
            p += 1;
        }
        if p >= b.len() || b[p] != b'=' {
            return false;
        }
        let name = String::from_utf8_lossy(&b[1..name_end]).into_owned();
        p += 1;
        while p < b.len() && is_blank(b[p]) {
            p += 1;
        }
        let mut value = b[p..].to_vec();
        let multiline = value.last() == Some(&b'\\');
        if multiline {
            value.pop();
            while value.last().is_some_and(|&c| is_blank(c)) {
                value.pop();
            }
        }
        let def = Def {
            name: name.clone(),
            lines: if value.is_empty() && multiline {
                vec![]
            } else {
                vec![value]
            },
            multiline,
        };
        let idx = match self.defs.iter().position(|d| d.name == name) {
            Some(i) => {
                self.defs[i] = def;
                i
            }
            None => {
                self.defs.push(def);
                self.defs.len() - 1
            }
        };
        if multiline {
            self.multiline_def = Some(idx);
        }
        true
    }

    /// Substitutes `$NAME` and `${NAME}`. Returns the new first line and, for a multi-line
    /// definition, the following lines; `None` when nothing was substituted.
    fn replace_params(&self, buf: &Buf) -> Option<(Buf, Vec<Buf>)> {
        let mut out = Buf {
            b: Vec::new(),
            off: Vec::new(),
        };
        let mut more: Vec<Buf> = Vec::new();
        let mut found = false;
        let b = &buf.b;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' && i + 1 < b.len() {
                let braces = b[i + 1] == b'{';
                let ns = if braces { i + 2 } else { i + 1 };
                let mut ne = ns;
                if ne < b.len() && (b[ne].is_ascii_alphabetic() || b[ne] == b'_') {
                    ne += 1;
                    while ne < b.len() && (b[ne].is_ascii_alphanumeric() || b[ne] == b'_') {
                        ne += 1;
                    }
                }
                let ok_end = if braces {
                    b.get(ne) == Some(&b'}')
                } else {
                    ne == b.len() || matches!(b[ne], b' ' | b'\t' | b',' | b')')
                };
                let name = &b[ns..ne];
                let whole_line = (if braces { ne + 1 } else { ne }) == b.len();
                let def = if ne > ns && ok_end {
                    self.defs
                        .iter()
                        .find(|d| d.name.as_bytes() == name && (whole_line || !d.multiline))
                } else {
                    None
                };
                if let Some(d) = def {
                    found = true;
                    let off = buf.off[i];
                    let first = d.lines.first().cloned().unwrap_or_default();
                    out.off.extend(std::iter::repeat_n(off, first.len()));
                    out.b.extend_from_slice(&first);
                    for l in d.lines.iter().skip(1) {
                        more.push(Buf {
                            b: l.clone(),
                            off: vec![off; l.len()],
                        });
                    }
                    i = if braces { ne + 1 } else { ne };
                    continue;
                }
            }
            out.b.push(b[i]);
            out.off.push(buf.off[i]);
            i += 1;
        }
        if found {
            Some((out, more))
        } else {
            None
        }
    }

    fn check_include(&mut self, buf: &Buf, p: &Phys<'_>) -> bool {
        let b = &buf.b;
        if !b.starts_with(b"include") || b.len() < 9 {
            return false;
        }
        let rest_at = if b[7].is_ascii_whitespace() {
            8
        } else if b"rmwba".contains(&b[7]) && b[8].is_ascii_whitespace() {
            9
        } else {
            return false;
        };
        let mut s = rest_at;
        while s < b.len() && is_blank(b[s]) {
            s += 1;
        }
        let pattern = String::from_utf8_lossy(&b[s..]).into_owned();
        let span = self.span_of(p, buf.off.get(s).copied().unwrap_or(0), b.len() - s);
        let base = p.file.parent().map(Path::to_path_buf).unwrap_or_default();
        let full = if Path::new(&pattern).is_absolute() {
            PathBuf::from(&pattern)
        } else {
            base.join(&pattern)
        };
        let wildcard = pattern.contains(['*', '?', '[', '{']);
        let matches = crate::glob::glob(&full);
        if matches.is_empty() {
            let (code, msg) = if wildcard {
                (
                    "include-no-match",
                    format!("no config files matched '{pattern}'"),
                )
            } else {
                (
                    "include-missing",
                    format!("config file '{pattern}' is missing"),
                )
            };
            self.diags.push(
                Diagnostic::keepalived(
                    Severity::Warning,
                    code,
                    span,
                    msg,
                    "logs \"Config files missing\" and goes on without the file (an error only with `includet` or -e)",
                )
                .with_help(format!("looked for {}", full.display())),
            );
            return true;
        }
        for m in matches {
            match std::fs::read(&m) {
                Ok(bytes) => self.read_file(&m, &bytes, Some(&span)),
                Err(e) => self.diags.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "include-unreadable",
                    span.clone(),
                    format!("configuration file '{}' cannot be read: {e}", m.display()),
                    "skips the file",
                )),
            }
        }
        true
    }
}

/// strtol with base 0: optional sign, `0x` hexadecimal, leading-`0` octal, else decimal.
fn strtol(t: &str) -> Option<i64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i64::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
