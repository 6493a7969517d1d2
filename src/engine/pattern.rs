//! The regular expressions of rules: checked when the rules load, compiled
//! when first used. Compiling all ~230 patterns of the embedded rules was
//! most of a pre-commit run's time, and a run uses only those of the rules
//! its objects meet.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug)]
pub struct Pattern {
    text: Box<str>,
    /// How many groups a match has, the whole match included.
    captures_len: usize,
    regex: OnceLock<Regex>,
}

impl Pattern {
    /// Checks the pattern's syntax; `eager` compiles it too, so that a
    /// pattern too large to compile is an error now rather than later. The
    /// embedded rules' patterns are all compiled by a test, so they are left
    /// for first use; rules from `--rules` are compiled at once.
    pub fn new(text: &str, eager: bool) -> Result<Pattern, String> {
        let hir = regex_syntax::Parser::new()
            .parse(text)
            .map_err(|e| e.to_string())?;
        let pattern = Pattern {
            text: text.into(),
            captures_len: hir.properties().explicit_captures_len() + 1,
            regex: OnceLock::new(),
        };
        if eager {
            let regex = Regex::new(text).map_err(|e| e.to_string())?;
            pattern.regex.set(regex).expect("just made");
        }
        Ok(pattern)
    }

    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(&self.text).expect("the embedded rules' patterns compile (tested)")
        })
    }

    pub fn captures_len(&self) -> usize {
        self.captures_len
    }
}
