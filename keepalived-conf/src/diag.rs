//! Diagnostics: what is wrong, where (file:line:col), how keepalived itself judges it, and the
//! renderer that prints them with a caret excerpt.
//!
//! Severity follows keepalived: an [`Severity::Error`] is something keepalived refuses or drops
//! (the config or the item does not take effect); a [`Severity::Warning`] is something keepalived
//! logs and goes on with. Lints that keepalived does not make itself carry
//! [`Source::Vrrpsim`] and are never errors.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is, in keepalived's own judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// keepalived refuses the configuration, or drops the item (it has no effect).
    Error,
    /// keepalived logs the problem and goes on (unknown keyword, deprecated alias, ...).
    Warning,
    /// Information: an extension, a default applied, a known deviation.
    Note,
}

impl Severity {
    /// The lower-case name used in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// Who raises a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// keepalived 2.2.7 itself reports this problem (`keepalived -t`).
    Keepalived,
    /// A lint of vrrpsim's own: keepalived is silent about it. Never an error.
    Vrrpsim,
}

/// A location in a configuration file. `line` and `col` are 1-based; `col` and `len` count
/// characters (not bytes), so a caret lines up under UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Span {
    /// The file, as it was named (relative include paths are resolved against the includer).
    pub file: PathBuf,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// Length in characters (at least 1 when rendered).
    pub len: u32,
}

impl Span {
    /// A span covering `len` characters at `line:col` of `file`.
    pub fn new(file: impl Into<PathBuf>, line: u32, col: u32, len: u32) -> Span {
        Span {
            file: file.into(),
            line,
            col,
            len,
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One finding about a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// keepalived's judgement (error = refused/dropped, warning = logged).
    pub severity: Severity,
    /// Whether keepalived reports this itself, or it is a vrrpsim lint.
    pub source: Source,
    /// A stable kebab-case identifier, e.g. `unknown-keyword`, `vrid-range`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What keepalived 2.2.7 does with it at start-up.
    pub keepalived_would: String,
    /// A suggested repair, when there is one.
    pub help: Option<String>,
    /// Where.
    pub span: Span,
}

impl Diagnostic {
    /// A diagnostic that keepalived itself raises.
    pub fn keepalived(
        severity: Severity,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        keepalived_would: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            source: Source::Keepalived,
            code,
            message: message.into(),
            keepalived_would: keepalived_would.into(),
            help: None,
            span,
        }
    }

    /// A vrrpsim lint (always a warning or a note, never an error).
    pub fn vrrpsim(
        severity: Severity,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        keepalived_would: impl Into<String>,
    ) -> Diagnostic {
        let severity = if severity == Severity::Error {
            Severity::Warning
        } else {
            severity
        };
        Diagnostic {
            severity,
            source: Source::Vrrpsim,
            code,
            message: message.into(),
            keepalived_would: keepalived_would.into(),
            help: None,
            span,
        }
    }

    /// Attach a suggested repair.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Render with a caret excerpt, the way compilers do:
    ///
    /// ```text
    /// error[vrid-range]: virtual_router_id 0 is out of range 1..255
    ///   --> keepalived.conf:4:23
    ///    |
    ///  4 |     virtual_router_id 0
    ///    |                       ^
    ///    = keepalived: refuses the vrrp_instance
    /// ```
    ///
    /// `sources` maps file paths to their text; a missing file renders without an excerpt.
    pub fn render(&self, sources: &BTreeMap<PathBuf, String>) -> String {
        let mut out = String::new();
        let origin = match self.source {
            Source::Keepalived => "",
            Source::Vrrpsim => " (vrrpsim lint)",
        };
        let _ = writeln!(
            out,
            "{}[{}]{}: {}",
            self.severity.as_str(),
            self.code,
            origin,
            self.message
        );
        let gutter = " ".repeat(self.span.line.to_string().len() + 1);
        let _ = writeln!(out, "{gutter}--> {}", self.span);
        if let Some(text) = line_text(sources, &self.span.file, self.span.line) {
            let num = self.span.line.to_string();
            let pad = " ".repeat(num.len());
            let shown = visible_line(text);
            let _ = writeln!(out, " {pad} |");
            let _ = writeln!(out, " {num} | {shown}");
            let col = self.span.col.max(1) as usize;
            // Width of the shown prefix (invisible characters are shown as 1-column markers).
            let prefix: String = text.chars().take(col - 1).collect();
            let indent = visible_line(&prefix).chars().count();
            let len = self.span.len.max(1) as usize;
            let _ = writeln!(out, " {pad} | {}{}", " ".repeat(indent), "^".repeat(len));
        }
        let pad = " ".repeat(self.span.line.to_string().len());
        let _ = writeln!(out, " {pad} = keepalived: {}", self.keepalived_would);
        if let Some(help) = &self.help {
            let _ = writeln!(out, " {pad} = help: {help}");
        }
        out
    }
}

fn line_text<'a>(
    sources: &'a BTreeMap<PathBuf, String>,
    file: &Path,
    line: u32,
) -> Option<&'a str> {
    let text = sources.get(file)?;
    let idx = (line as usize).checked_sub(1)?;
    text.split('\n').nth(idx).map(|l| l.trim_end_matches('\r'))
}

/// Shows a line with tabs expanded to one space and invisible characters as `·`, so that the
/// caret below lines up and the user can see where the hidden character is.
fn visible_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' {
                ' '
            } else if crate::invisible::describe(c).is_some() {
                '·'
            } else {
                c
            }
        })
        .collect()
}

/// Sort diagnostics by file, line, column (stable for equal positions).
pub(crate) fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.span.file, a.span.line, a.span.col).cmp(&(&b.span.file, b.span.line, b.span.col))
    });
}
