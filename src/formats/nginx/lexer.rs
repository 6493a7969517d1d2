//! The nginx tokenizer, after `ngx_conf_read_token`: words (bare, `"…"` or
//! `'…'`), `;`, `{` and `}`, with `#` comments wherever a token may start.
//! Offsets are bytes into the text; nothing is allocated per character.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    Semicolon,
    Open,
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

/// A problem found while tokenizing, with the byte range it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub start: u32,
    pub end: u32,
    pub message: String,
}

pub struct Lexer<'t> {
    text: &'t [u8],
    pos: usize,
    pub comments: Vec<(u32, u32)>,
    pub errors: Vec<LexError>,
    /// A string was still open at the end of the text.
    pub unterminated: bool,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'t> Lexer<'t> {
    pub fn new(text: &'t str) -> Self {
        Lexer {
            text: text.as_bytes(),
            pos: 0,
            comments: Vec::new(),
            errors: Vec::new(),
            unterminated: false,
        }
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.errors.push(LexError {
            start: start as u32,
            end: end as u32,
            message: message.into(),
        });
    }

    /// The next token, or `None` at the end of the text.
    pub fn next_token(&mut self) -> Option<Token> {
        let text = self.text;
        loop {
            while self.pos < text.len() && is_space(text[self.pos]) {
                self.pos += 1;
            }
            if self.pos >= text.len() {
                return None;
            }
            if text[self.pos] != b'#' {
                break;
            }
            let start = self.pos;
            let end = memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
            self.comments.push((start as u32, end as u32));
            self.pos = end;
        }
        let start = self.pos;
        let single = |kind| Token {
            kind,
            start: start as u32,
            end: start as u32 + 1,
        };
        let token = match text[start] {
            b';' => single(Kind::Semicolon),
            b'{' => single(Kind::Open),
            b'}' => single(Kind::Close),
            quote @ (b'"' | b'\'') => return Some(self.quoted(start, quote)),
            _ => return Some(self.bare(start)),
        };
        self.pos += 1;
        Some(token)
    }

    /// A quoted word: up to the closing quote, `\` escaping the next byte.
    /// nginx wants a space, `;`, `{` or `)` right after it.
    fn quoted(&mut self, start: usize, quote: u8) -> Token {
        let text = self.text;
        let mut i = start + 1;
        while i < text.len() && text[i] != quote {
            i += if text[i] == b'\\' { 2 } else { 1 };
        }
        if i >= text.len() {
            self.error(start, start + 1, "unterminated quoted string");
            self.unterminated = true;
            self.pos = text.len();
            return Token {
                kind: Kind::Word,
                start: start as u32,
                end: text.len() as u32,
            };
        }
        self.pos = i + 1;
        if let Some(&next) = text.get(self.pos)
            && !(is_space(next) || matches!(next, b';' | b'{' | b')'))
        {
            let end = self.pos + utf8_len(next);
            let shown = String::from_utf8_lossy(&text[self.pos..end.min(text.len())]).into_owned();
            self.error(
                self.pos,
                end,
                format!("unexpected \"{shown}\" after a quoted string; nginx needs a space here"),
            );
        }
        Token {
            kind: Kind::Word,
            start: start as u32,
            end: self.pos as u32,
        }
    }

    /// A bare word: up to a space, `;` or `{`. `\` escapes the next byte,
    /// and `{` right after `$` belongs to the word (`${name}`).
    fn bare(&mut self, start: usize) -> Token {
        let text = self.text;
        let mut i = start;
        while i < text.len() {
            match text[i] {
                b'\\' => i += 2,
                b'$' if text.get(i + 1) == Some(&b'{') => i += 2,
                b';' | b'{' => break,
                b if is_space(b) => break,
                _ => i += 1,
            }
        }
        self.pos = i.min(text.len());
        Token {
            kind: Kind::Word,
            start: start as u32,
            end: self.pos as u32,
        }
    }

    /// After the `{` of a `*_by_lua_block`, skips the Lua code up to its
    /// balancing `}`, honouring Lua strings and comments. Returns the offset
    /// of that `}`, or `None` (reported) when the text ends first.
    pub fn lua_block(&mut self, open: usize) -> Option<usize> {
        let text = self.text;
        let mut depth = 0usize;
        let mut i = self.pos;
        while i < text.len() {
            match text[i] {
                b'{' => depth += 1,
                b'}' if depth == 0 => {
                    self.pos = i + 1;
                    return Some(i);
                }
                b'}' => depth -= 1,
                quote @ (b'"' | b'\'') => {
                    i += 1;
                    while i < text.len() && text[i] != quote && text[i] != b'\n' {
                        i += if text[i] == b'\\' { 2 } else { 1 };
                    }
                }
                b'[' if long_bracket(&text[i..]).is_some() => {
                    let level = long_bracket(&text[i..]).unwrap_or(0);
                    i = close_long_bracket(text, i + level + 2, level);
                    continue;
                }
                b'-' if text.get(i + 1) == Some(&b'-') => {
                    i += 2;
                    if let Some(level) = long_bracket(&text[i.min(text.len())..]) {
                        i = close_long_bracket(text, i + level + 2, level);
                    } else {
                        i = memchr(b'\n', &text[i.min(text.len())..]).map_or(text.len(), |n| i + n);
                    }
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.error(
            open,
            open + 1,
            "unterminated Lua block: no `}` balances this `{`",
        );
        self.pos = text.len();
        None
    }
}

/// `[[` or `[==[`: the level (number of `=`), if `text` opens a long bracket.
fn long_bracket(text: &[u8]) -> Option<usize> {
    if text.first() != Some(&b'[') {
        return None;
    }
    let level = text[1..].iter().take_while(|&&b| b == b'=').count();
    (text.get(level + 1) == Some(&b'[')).then_some(level)
}

/// The offset just past the `]=…=]` of `level` that closes a long bracket
/// whose content starts at `from`, or the end of the text.
fn close_long_bracket(text: &[u8], from: usize, level: usize) -> usize {
    let mut i = from;
    while i < text.len() {
        if text[i] == b']'
            && text.len() > i + level + 1
            && text[i + 1..i + 1 + level].iter().all(|&b| b == b'=')
            && text[i + 1 + level] == b']'
        {
            return i + level + 2;
        }
        i += 1;
    }
    text.len()
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// A word's value as nginx sees it: without its quotes, with `\"`, `\'`,
/// `\\`, `\t`, `\r` and `\n` unescaped. Borrowed when nothing changes.
pub fn value(raw: &str) -> std::borrow::Cow<'_, str> {
    let inner = match raw.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) if raw.len() >= 2 && raw.as_bytes()[raw.len() - 1] == q => {
            &raw[1..raw.len() - 1]
        }
        Some(b'"' | b'\'') => &raw[1..],
        _ => raw,
    };
    if !inner.contains('\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next() {
            Some(e @ ('"' | '\'' | '\\')) => {
                chars.next();
                out.push(e);
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            Some('r') => {
                chars.next();
                out.push('\r');
            }
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            _ => out.push('\\'),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(Kind, &str)> {
        let mut lexer = Lexer::new(text);
        let mut out = Vec::new();
        while let Some(t) = lexer.next_token() {
            out.push((t.kind, &text[t.start as usize..t.end as usize]));
        }
        out
    }

    #[test]
    fn words_quotes_comments_and_variables() {
        let text = "add_header X-A \"a;b # c\" # trailing\n  always; set $x ${y}z; a\\ b 'q\\'s';";
        let words: Vec<&str> = tokens(text).into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            words,
            [
                "add_header",
                "X-A",
                "\"a;b # c\"",
                "always",
                ";",
                "set",
                "$x",
                "${y}z",
                ";",
                "a\\ b",
                "'q\\'s'",
                ";"
            ]
        );
        assert_eq!(value("'q\\'s'"), "q's");
        assert_eq!(value("\"a\\tb\\\\\""), "a\tb\\");
        assert_eq!(value("plain"), "plain");
    }

    #[test]
    fn a_hash_inside_a_word_is_part_of_it() {
        let words: Vec<&str> = tokens("return 200 a#b;")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(words, ["return", "200", "a#b", ";"]);
    }

    #[test]
    fn unterminated_quotes_and_glued_words_are_reported() {
        let mut lexer = Lexer::new("a \"open");
        while lexer.next_token().is_some() {}
        assert_eq!(lexer.errors[0].start, 2);
        let mut lexer = Lexer::new("a \"x\"y;");
        while lexer.next_token().is_some() {}
        assert!(lexer.errors[0].message.contains("unexpected \"y\""));
    }

    #[test]
    fn lua_blocks_balance_braces_outside_strings_and_comments() {
        let text = "{ local t = {a = \"}\"} -- }\n --[[ } ]] local s = [==[ } ]==] } after";
        let mut lexer = Lexer::new(text);
        assert_eq!(lexer.next_token().unwrap().kind, Kind::Open);
        let close = lexer.lua_block(0).unwrap();
        assert_eq!(&text[close..], "} after");
        assert_eq!(lexer.next_token().map(|t| t.kind), Some(Kind::Word));
    }
}
