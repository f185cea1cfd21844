//! Invisible and look-alike characters that users paste from web pages: names, positions and the
//! repair.
//!
//! keepalived splits words on ASCII white space only (` \t\f\n\r\v`). A U+00A0 NO-BREAK SPACE used
//! as indentation therefore becomes part of a keyword (keepalived then says `Unknown keyword ' '`),
//! and a typographic quote or dash becomes part of a value.

/// The Unicode name of a character that is invisible or that looks like an ASCII character
/// keepalived would need, or `None` for an ordinary character.
pub fn describe(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00A0}' => "U+00A0 NO-BREAK SPACE",
        '\u{00AD}' => "U+00AD SOFT HYPHEN",
        '\u{1680}' => "U+1680 OGHAM SPACE MARK",
        '\u{180E}' => "U+180E MONGOLIAN VOWEL SEPARATOR",
        '\u{2000}' => "U+2000 EN QUAD",
        '\u{2001}' => "U+2001 EM QUAD",
        '\u{2002}' => "U+2002 EN SPACE",
        '\u{2003}' => "U+2003 EM SPACE",
        '\u{2004}' => "U+2004 THREE-PER-EM SPACE",
        '\u{2005}' => "U+2005 FOUR-PER-EM SPACE",
        '\u{2006}' => "U+2006 SIX-PER-EM SPACE",
        '\u{2007}' => "U+2007 FIGURE SPACE",
        '\u{2008}' => "U+2008 PUNCTUATION SPACE",
        '\u{2009}' => "U+2009 THIN SPACE",
        '\u{200A}' => "U+200A HAIR SPACE",
        '\u{200B}' => "U+200B ZERO WIDTH SPACE",
        '\u{200C}' => "U+200C ZERO WIDTH NON-JOINER",
        '\u{200D}' => "U+200D ZERO WIDTH JOINER",
        '\u{200E}' => "U+200E LEFT-TO-RIGHT MARK",
        '\u{200F}' => "U+200F RIGHT-TO-LEFT MARK",
        '\u{2028}' => "U+2028 LINE SEPARATOR",
        '\u{2029}' => "U+2029 PARAGRAPH SEPARATOR",
        '\u{202A}' => "U+202A LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "U+202B RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "U+202C POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "U+202D LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "U+202E RIGHT-TO-LEFT OVERRIDE",
        '\u{202F}' => "U+202F NARROW NO-BREAK SPACE",
        '\u{205F}' => "U+205F MEDIUM MATHEMATICAL SPACE",
        '\u{2060}' => "U+2060 WORD JOINER",
        '\u{2066}' => "U+2066 LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "U+2067 RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "U+2068 FIRST STRONG ISOLATE",
        '\u{2069}' => "U+2069 POP DIRECTIONAL ISOLATE",
        '\u{3000}' => "U+3000 IDEOGRAPHIC SPACE",
        '\u{FEFF}' => "U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark)",
        '\u{2018}' => "U+2018 LEFT SINGLE QUOTATION MARK",
        '\u{2019}' => "U+2019 RIGHT SINGLE QUOTATION MARK",
        '\u{201C}' => "U+201C LEFT DOUBLE QUOTATION MARK",
        '\u{201D}' => "U+201D RIGHT DOUBLE QUOTATION MARK",
        '\u{2010}' => "U+2010 HYPHEN",
        '\u{2011}' => "U+2011 NON-BREAKING HYPHEN",
        '\u{2012}' => "U+2012 FIGURE DASH",
        '\u{2013}' => "U+2013 EN DASH",
        '\u{2014}' => "U+2014 EM DASH",
        '\u{2212}' => "U+2212 MINUS SIGN",
        _ => return None,
    })
}

/// What a suspicious character should be replaced with: a space, nothing, or the ASCII
/// character it imitates.
pub fn replacement(c: char) -> Option<&'static str> {
    describe(c)?;
    Some(match c {
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}' => "",
        '\u{2018}' | '\u{2019}' => "'",
        '\u{201C}' | '\u{201D}' => "\"",
        '\u{2010}'..='\u{2014}' | '\u{2212}' => "-",
        '\u{2028}' | '\u{2029}' => "\n",
        _ => " ",
    })
}

/// One suspicious character found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// The character.
    pub ch: char,
    /// Its name, e.g. "U+00A0 NO-BREAK SPACE".
    pub name: &'static str,
}

/// Every suspicious character of `text`, in order.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        for (j, c) in line.chars().enumerate() {
            if let Some(name) = describe(c) {
                out.push(Finding {
                    line: i as u32 + 1,
                    col: j as u32 + 1,
                    ch: c,
                    name,
                });
            }
        }
    }
    out
}

/// `text` with every suspicious character replaced by what it imitates (see [`replacement`]).
pub fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match replacement(c) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nbsp_is_named_and_repaired_to_space() {
        let text = "vrrp_instance VI_1 {\n\u{a0}\u{a0} state MASTER\n}";
        let f = scan(text);
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[0].line, f[0].col, f[0].name),
            (2, 1, "U+00A0 NO-BREAK SPACE")
        );
        assert_eq!((f[1].line, f[1].col), (2, 2));
        assert_eq!(repair(text), "vrrp_instance VI_1 {\n   state MASTER\n}");
    }

    #[test]
    fn lookalike_quotes_and_dashes_become_ascii() {
        assert_eq!(
            repair("weight \u{2013}2 \u{201C}x\u{201D}\u{200B}"),
            "weight -2 \"x\""
        );
    }
}
