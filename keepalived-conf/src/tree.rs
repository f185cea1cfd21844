//! The block structure: logical lines become a tree of keyword nodes, following keepalived
//! 2.2.7's `process_stream()` to the letter, so that a stray or missing brace nests the
//! following lines the way keepalived nests them.
//!
//! The grammar (which keyword opens a block, which reads a value block) comes from
//! [`crate::grammar`]. Unknown keywords are reported and skipped (their own `{` is then
//! "unexpected" and their contents are read as keywords of the enclosing block, as in keepalived).

use crate::diag::{Diagnostic, Severity, Span};
use crate::grammar::CONTEXTS;
use crate::lexer::{LLine, Tok};

/// How a keyword takes its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KwKind {
    /// Only the words on its own line.
    Plain,
    /// A `{ ... }` block whose lines are raw values (virtual_ipaddress, track_script, ...).
    ValueBlock,
    /// A `{ ... }` block of nested keywords; the index is into [`CONTEXTS`].
    Block(usize),
}

/// The keywords one block knows.
pub(crate) struct Context {
    pub path: &'static str,
    pub keywords: &'static [(&'static str, KwKind)],
}

/// One keyword occurrence with its content.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kw: Tok,
    pub args: Vec<Tok>,
    pub children: Vec<Node>,
    pub values: Vec<Vec<Tok>>,
    /// The closing `}` of a block, where keepalived runs the block's end handler.
    pub close: Option<Span>,
    /// Whether the keyword opens a block (nested keywords or a value block).
    pub is_block: bool,
}

impl Node {
    pub(crate) fn name(&self) -> &str {
        &self.kw.text
    }
}

struct Builder<'a> {
    lines: &'a [LLine],
    pos: usize,
    diags: &'a mut Vec<Diagnostic>,
    /// Blocks still open, for the missing-'}' report at end of input.
    open: Vec<Span>,
}

/// Builds the tree of the top-level context.
pub(crate) fn build(lines: &[LLine], diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    let mut b = Builder {
        lines,
        pos: 0,
        diags,
        open: Vec::new(),
    };
    let (nodes, _) = b.process(0, false, 0);
    nodes
}

impl Builder<'_> {
    fn next(&mut self) -> Option<&LLine> {
        let l = self.lines.get(self.pos)?;
        self.pos += 1;
        Some(l)
    }

    fn eof_in_block(&mut self) {
        if let Some(span) = self.open.first().cloned() {
            let n = self.open.len();
            self.diags.push(
                Diagnostic::keepalived(
                    Severity::Error,
                    "missing-close-brace",
                    span,
                    format!("this block is never closed: {n} '}}' missing at end of file"),
                    format!("reports \"There are {n} missing '}}'s or extra '{{'s\" and refuses the configuration"),
                )
                .with_help("add the missing '}'"),
            );
            self.open.clear();
        }
    }

    /// keepalived's process_stream(). Returns the nodes of this block and the span of the `}`
    /// that closed it (None at end of input).
    fn process(&mut self, ctx: usize, mut need_bob: bool, level: u32) -> (Vec<Node>, Option<Span>) {
        let mut nodes = Vec::new();
        let keywords = CONTEXTS.get(ctx).map_or(&[][..], |c| c.keywords);
        while let Some(line) = self.next() {
            let line = line.clone();
            let Some(first) = line.toks.first() else {
                continue;
            };
            let s = first.text.as_str();
            if need_bob {
                need_bob = false;
                if s == "{" && level > 0 {
                    continue;
                }
                self.diags.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "missing-open-brace",
                    first.span.clone(),
                    "missing '{' at the beginning of this block",
                    "logs \"Missing '{' at beginning of configuration block\" and reads the following lines as the block's keywords",
                ));
            } else if s == "{" {
                self.diags.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "unexpected-open-brace",
                    first.span.clone(),
                    "unexpected '{': no block starts here (the keyword before it is unknown or takes no block)",
                    "logs \"Unexpected '{' - ignoring\" and reads the block's lines as keywords of the enclosing block",
                ));
                continue;
            }
            if s == "}" && level > 0 {
                return (nodes, Some(first.span.clone()));
            }
            let Some(&(_, kind)) = keywords.iter().find(|(k, _)| *k == s) else {
                self.diags.push(unknown_keyword(first, ctx));
                // A later keyword the model records (for callers modelling that keepalived version) is kept as
                // a plain keyword; 2.2.7's verdict (ignore it) is the diagnostic just pushed.
                let path = CONTEXTS.get(ctx).map_or("<top>", |c| c.path);
                if crate::keywords::RECORDED_LATER.contains(&(path, s)) {
                    nodes.push(Node {
                        kw: first.clone(),
                        args: line.toks[1..].to_vec(),
                        children: Vec::new(),
                        values: Vec::new(),
                        close: None,
                        is_block: false,
                    });
                }
                continue;
            };
            let kw = first.clone();
            let mut args: Vec<Tok> = line.toks[1..].to_vec();
            let mut node = Node {
                kw,
                args: Vec::new(),
                children: Vec::new(),
                values: Vec::new(),
                close: None,
                is_block: kind != KwKind::Plain,
            };
            match kind {
                KwKind::Plain => node.args = args,
                KwKind::Block(sub) => {
                    let bob_needed = if args.last().is_some_and(|t| t.text == "{") {
                        args.pop();
                        false
                    } else {
                        true
                    };
                    node.args = args;
                    self.open.push(node.kw.span.clone());
                    let (children, close) = self.process(sub, bob_needed, level + 1);
                    if close.is_some() {
                        self.open.pop();
                    } else {
                        self.eof_in_block();
                    }
                    node.children = children;
                    node.close = close;
                }
                KwKind::ValueBlock => {
                    // virtual_server_group NAME { ... }: the name is not a block parameter.
                    let named = s == "virtual_server_group";
                    let skip = usize::from(named);
                    if named {
                        node.args = args.iter().take(1).cloned().collect();
                    }
                    let extra: Vec<Tok> = args.iter().skip(skip).cloned().collect();
                    let mut need = true;
                    if let Some(x) = extra.first() {
                        if x.text == "{" {
                            need = false;
                        } else {
                            self.diags.push(Diagnostic::keepalived(
                                Severity::Warning,
                                "block-extra-params",
                                x.span.clone(),
                                format!("block {s} has extra parameters {} ...", x.text),
                                "logs \"Block ... has extra parameters\" and ignores them",
                            ));
                        }
                    }
                    if !named {
                        node.args = Vec::new();
                    }
                    self.open.push(node.kw.span.clone());
                    let close = self.value_block(&mut node, need);
                    if close.is_some() {
                        self.open.pop();
                    } else {
                        self.eof_in_block();
                    }
                    node.close = close;
                }
            }
            nodes.push(node);
        }
        (nodes, None)
    }

    /// keepalived's alloc_value_block(): raw lines until a line that is just `}` or ends in `}`.
    fn value_block(&mut self, node: &mut Node, mut need_bob: bool) -> Option<Span> {
        while let Some(line) = self.next() {
            let mut toks = line.toks.clone();
            if toks.is_empty() {
                continue;
            }
            if need_bob {
                need_bob = false;
                if toks[0].text == "{" {
                    if toks.len() == 1 {
                        continue;
                    }
                    toks.remove(0);
                } else {
                    self.diags.push(Diagnostic::keepalived(
                        Severity::Warning,
                        "missing-open-brace",
                        toks[0].span.clone(),
                        format!("'{{' missing from beginning of block {}", node.kw.text),
                        "logs the missing '{' and reads the following lines as the block's values",
                    ));
                }
            }
            let mut had_eob = None;
            if toks.last().is_some_and(|t| t.text == "}") {
                if toks.len() == 1 {
                    return Some(toks[0].span.clone());
                }
                had_eob = toks.pop().map(|t| t.span);
            }
            if !toks.is_empty() {
                node.values.push(toks);
            }
            if had_eob.is_some() {
                return had_eob;
            }
        }
        None
    }
}

fn unknown_keyword(tok: &Tok, ctx: usize) -> Diagnostic {
    let where_ = CONTEXTS.get(ctx).map_or("<top>", |c| c.path);
    let invisible: Vec<&str> = tok
        .text
        .chars()
        .filter_map(crate::invisible::describe)
        .collect();
    let mut d = Diagnostic::keepalived(
        Severity::Warning,
        "unknown-keyword",
        tok.span.clone(),
        if where_ == "<top>" {
            format!("unknown keyword '{}' at top level", tok.text)
        } else {
            format!("unknown keyword '{}' in {}", tok.text, where_)
        },
        format!(
            "logs \"Unknown keyword '{}'\" and ignores the line",
            tok.text
        ),
    );
    if let Some(v) = crate::keywords::introduced_after_227(where_, &tok.text) {
        d.code = "keyword-too-new";
        d.message = format!(
            "'{}' was introduced in keepalived {v}; keepalived 2.2.7 does not know it",
            tok.text
        );
        d.help = Some(format!("remove it, or run keepalived >= {v}"));
    } else if let Some(name) = invisible.first() {
        d.message = format!(
            "unknown keyword '{}': it contains {} (invisible, not white space for keepalived)",
            tok.text, name
        );
        let fix = match tok.text.chars().find_map(crate::invisible::replacement) {
            Some("") => format!("delete the {name}"),
            Some(" ") | None => format!("replace the {name} by an ASCII space"),
            Some(r) => format!("replace the {name} by '{r}'"),
        };
        d.help = Some(format!(
            "{fix}; `sim check-config --fix-invisible FILE` repairs the whole file"
        ));
    } else if let Some(s) = suggest(&tok.text, ctx) {
        d.help = Some(format!("did you mean '{s}'?"));
    }
    d
}

/// The known keyword of this context closest to `word` (edit distance <= 2).
fn suggest(word: &str, ctx: usize) -> Option<&'static str> {
    let c = CONTEXTS.get(ctx)?;
    let mut best: Option<(usize, &'static str)> = None;
    for (k, _) in c.keywords {
        let d = edit_distance(word, k);
        if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}
