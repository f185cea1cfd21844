//! A small glob(3) for `include`: `*`, `?`, `[...]` (with `!`/`^` negation and ranges) per path
//! component, and `{a,b}` alternatives (keepalived uses GLOB_BRACE). Results are sorted, as
//! glob(3) sorts them, so include order is deterministic.

use std::path::{Component, Path, PathBuf};

/// Every existing path matching `pattern`, sorted. A pattern without wildcards matches itself
/// when it exists.
pub(crate) fn glob(pattern: &Path) -> Vec<PathBuf> {
    let text = pattern.to_string_lossy().into_owned();
    let mut out = Vec::new();
    for alt in expand_braces(&text, 0) {
        out.extend(glob_one(Path::new(&alt)));
    }
    out.sort();
    out.dedup();
    out
}

/// At most this many brace alternatives per pattern. Without a cap, nine `{,,,,}` groups in a
/// 66-byte include line expand to 5^9 patterns (half a minute and 200 MB; the fuzzer's
/// `keepalived_conf` target, docs/fuzzing.md); ten commas per group never finish.
const MAX_EXPANSIONS: usize = 1024;

fn expand_braces(s: &str, depth: u32) -> Vec<String> {
    let mut out = expand_braces_inner(s, depth);
    out.truncate(MAX_EXPANSIONS);
    out
}

fn expand_braces_inner(s: &str, depth: u32) -> Vec<String> {
    if depth > 8 {
        return vec![s.to_string()];
    }
    let bytes = s.as_bytes();
    let Some(open) = bytes.iter().position(|&c| c == b'{') else {
        return vec![s.to_string()];
    };
    let mut level = 0;
    let mut parts = Vec::new();
    let mut start = open + 1;
    let mut close = None;
    for (i, &c) in bytes.iter().enumerate().skip(open) {
        match c {
            b'{' => level += 1,
            b'}' => {
                level -= 1;
                if level == 0 {
                    parts.push(&s[start..i]);
                    close = Some(i);
                    break;
                }
            }
            b',' if level == 1 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![s.to_string()];
    };
    let (pre, post) = (&s[..open], &s[close + 1..]);
    let mut out = Vec::new();
    for p in parts {
        for e in expand_braces_inner(&format!("{pre}{p}{post}"), depth + 1) {
            if out.len() == MAX_EXPANSIONS {
                return out;
            }
            out.push(e);
        }
    }
    out
}

fn has_wild(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn glob_one(pattern: &Path) -> Vec<PathBuf> {
    let mut bases: Vec<PathBuf> = vec![PathBuf::new()];
    for comp in pattern.components() {
        let mut next = Vec::new();
        match comp {
            Component::Normal(name) => {
                let name = name.to_string_lossy();
                if has_wild(&name) {
                    for b in &bases {
                        let dir = if b.as_os_str().is_empty() {
                            Path::new(".")
                        } else {
                            b.as_path()
                        };
                        let Ok(rd) = std::fs::read_dir(dir) else {
                            continue;
                        };
                        let mut names: Vec<String> = rd
                            .filter_map(|e| e.ok())
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .filter(|n| !n.starts_with('.') || name.starts_with('.'))
                            .filter(|n| matches(name.as_bytes(), n.as_bytes()))
                            .collect();
                        names.sort();
                        for n in names {
                            next.push(b.join(n));
                        }
                    }
                } else {
                    for b in &bases {
                        next.push(b.join(name.as_ref()));
                    }
                }
            }
            other => {
                for b in &bases {
                    next.push(b.join(other.as_os_str()));
                }
            }
        }
        bases = next;
    }
    bases.into_iter().filter(|p| p.exists()).collect()
}

/// fnmatch for one path component.
fn matches(pat: &[u8], name: &[u8]) -> bool {
    match pat.first() {
        None => name.is_empty(),
        Some(b'*') => (0..=name.len()).any(|i| matches(&pat[1..], &name[i..])),
        Some(b'?') => !name.is_empty() && matches(&pat[1..], &name[1..]),
        Some(b'[') => {
            let Some(&c) = name.first() else { return false };
            let mut i = 1;
            let neg = matches!(pat.get(1), Some(b'!') | Some(b'^'));
            if neg {
                i += 1;
            }
            let mut hit = false;
            let mut first = true;
            while i < pat.len() && (pat[i] != b']' || first) {
                first = false;
                if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
                    if pat[i] <= c && c <= pat[i + 2] {
                        hit = true;
                    }
                    i += 3;
                } else {
                    if pat[i] == c {
                        hit = true;
                    }
                    i += 1;
                }
            }
            if i >= pat.len() {
                // No closing ']': a literal '['.
                return c == b'[' && matches(&pat[1..], &name[1..]);
            }
            hit != neg && matches(&pat[i + 1..], &name[1..])
        }
        Some(&p) => name.first() == Some(&p) && matches(&pat[1..], &name[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_basics() {
        assert!(matches(b"*.conf", b"a.conf"));
        assert!(!matches(b"*.conf", b"a.cfg"));
        assert!(matches(b"vi_[0-9].conf", b"vi_7.conf"));
        assert!(!matches(b"vi_[!0-9].conf", b"vi_7.conf"));
        assert!(matches(b"a?c", b"abc"));
    }

    #[test]
    fn braces_expand_in_order() {
        assert_eq!(expand_braces("a{b,c}d", 0), vec!["abd", "acd"]);
    }
}
