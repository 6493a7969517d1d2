//! Statements from tokens: `name args… ;` or `name args… { … }`. The parser
//! iterates with an explicit stack (nesting is bounded), reports every
//! problem with its byte range and goes on with the next statement, so
//! nothing is skipped silently.

use super::lexer::{Kind, LexError, Lexer, Token};

/// Blocks nest at most this deep; deeper ones are reported and skipped.
pub const MAX_DEPTH: usize = 64;

/// A word as written (`start..end`, quotes included) and as nginx reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub start: u32,
    pub end: u32,
    pub value: Box<str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub name: Word,
    pub args: Vec<Word>,
    pub body: Body,
    /// Just past the `;` or the closing `}`.
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    None,
    Block {
        open: u32,
        children: Vec<Statement>,
    },
    /// A `*_by_lua_block`: code nginx hands to Lua, kept as text.
    Opaque {
        open: u32,
        close: u32,
    },
}

impl Statement {
    /// From the name to the last argument, as a finding underlines it.
    pub fn head_end(&self) -> u32 {
        self.args.last().map_or(self.name.end, |a| a.end)
    }

    pub fn children(&self) -> &[Statement] {
        match &self.body {
            Body::Block { children, .. } => children,
            _ => &[],
        }
    }
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub statements: Vec<Statement>,
    pub comments: Vec<(u32, u32)>,
    pub errors: Vec<LexError>,
}

struct Frame {
    statement: Statement,
    children: Vec<Statement>,
}

pub fn parse(text: &str) -> Parsed {
    let mut lexer = Lexer::new(text);
    let mut errors = Vec::new();
    let mut top: Vec<Statement> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // The words of the statement being read.
    let mut words: Vec<Word> = Vec::new();
    // Nesting beyond MAX_DEPTH: how many unmatched `{` are being skipped.
    let mut skipping = 0usize;
    let error = |errors: &mut Vec<LexError>, start: u32, end: u32, message: String| {
        errors.push(LexError {
            start,
            end,
            message,
        })
    };
    while let Some(token) = lexer.next_token() {
        let Token { kind, start, end } = token;
        if skipping > 0 {
            match kind {
                Kind::Open => skipping += 1,
                Kind::Close => skipping -= 1,
                _ => {}
            }
            continue;
        }
        match kind {
            Kind::Word => {
                let raw = &text[start as usize..end as usize];
                words.push(Word {
                    start,
                    end,
                    value: super::lexer::value(raw).into(),
                });
            }
            Kind::Semicolon => {
                let mut args = std::mem::take(&mut words).into_iter();
                let Some(name) = args.next() else {
                    error(&mut errors, start, end, "unexpected \";\"".into());
                    continue;
                };
                let statement = Statement {
                    name,
                    args: args.collect(),
                    body: Body::None,
                    end,
                };
                push(&mut stack, &mut top, statement);
            }
            Kind::Open => {
                let mut args = std::mem::take(&mut words).into_iter();
                let Some(name) = args.next() else {
                    error(&mut errors, start, end, "unexpected \"{\"".into());
                    skipping = 1;
                    continue;
                };
                let args: Vec<Word> = args.collect();
                if name.value.ends_with("_by_lua_block") {
                    let close = lexer.lua_block(start as usize);
                    let close = close.map_or(text.len() as u32, |c| c as u32);
                    let statement = Statement {
                        name,
                        args,
                        body: Body::Opaque { open: start, close },
                        end: (close + 1).min(text.len() as u32),
                    };
                    push(&mut stack, &mut top, statement);
                    continue;
                }
                if stack.len() >= MAX_DEPTH {
                    error(
                        &mut errors,
                        start,
                        end,
                        format!(
                            "blocks nest deeper than {MAX_DEPTH} levels; this one is not checked"
                        ),
                    );
                    skipping = 1;
                    continue;
                }
                stack.push(Frame {
                    statement: Statement {
                        name,
                        args,
                        body: Body::Block {
                            open: start,
                            children: Vec::new(),
                        },
                        end,
                    },
                    children: Vec::new(),
                });
            }
            Kind::Close => {
                if let Some(first) = words.first() {
                    let last = words.last().map_or(first.end, |w| w.end);
                    error(
                        &mut errors,
                        first.start,
                        last,
                        "expecting \";\" or \"{\" before \"}\"".into(),
                    );
                    words.clear();
                }
                match stack.pop() {
                    Some(frame) => close(frame, end, &mut stack, &mut top),
                    None => error(&mut errors, start, end, "unexpected \"}\"".into()),
                }
            }
        }
    }
    // A string left open swallows the rest of the file: that one error
    // explains whatever is unfinished.
    let swallowed = lexer.unterminated;
    if let Some(first) = words.first()
        && !swallowed
    {
        let last = words.last().map_or(first.end, |w| w.end);
        error(
            &mut errors,
            first.start,
            last,
            "unexpected end of file, expecting \";\" or \"}\"".into(),
        );
    }
    while let Some(frame) = stack.pop() {
        let open = match frame.statement.body {
            Body::Block { open, .. } => open,
            _ => frame.statement.name.start,
        };
        if !swallowed {
            error(
                &mut errors,
                open,
                open + 1,
                "unexpected end of file: this \"{\" is never closed".into(),
            );
        }
        close(frame, text.len() as u32, &mut stack, &mut top);
    }
    errors.extend(lexer.errors);
    errors.sort_by_key(|e| (e.start, e.end));
    Parsed {
        statements: top,
        comments: lexer.comments,
        errors,
    }
}

fn push(stack: &mut [Frame], top: &mut Vec<Statement>, statement: Statement) {
    match stack.last_mut() {
        Some(frame) => frame.children.push(statement),
        None => top.push(statement),
    }
}

fn close(frame: Frame, end: u32, stack: &mut [Frame], top: &mut Vec<Statement>) {
    let Frame {
        mut statement,
        children,
    } = frame;
    if let Body::Block { children: c, .. } = &mut statement.body {
        *c = children;
    }
    statement.end = end;
    push(stack, top, statement);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_nest_and_keep_their_spans() {
        let text = "http {\n  server { listen 80; location / { return 200; } }\n}\n";
        let parsed = parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let http = &parsed.statements[0];
        assert_eq!(&*http.name.value, "http");
        let server = &http.children()[0];
        let location = &server.children()[1];
        assert_eq!(&*location.args[0].value, "/");
        assert_eq!(
            &text[location.name.start as usize..location.end as usize],
            "location / { return 200; }"
        );
    }

    #[test]
    fn errors_are_reported_and_parsing_goes_on() {
        let parsed = parse("}\nserver_tokens off\n;\n; a b }\nx 1;");
        let messages: Vec<&str> = parsed.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unexpected \"}\"",
                "unexpected \";\"",
                "expecting \";\" or \"{\" before \"}\"",
                "unexpected \"}\"",
            ]
        );
        let names: Vec<&str> = parsed.statements.iter().map(|s| &*s.name.value).collect();
        assert_eq!(names, ["server_tokens", "x"]);
    }

    #[test]
    fn unclosed_blocks_keep_what_they_hold() {
        let parsed = parse("http { server { listen 80;");
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.statements[0].children()[0].children().len(), 1);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "a {".repeat(200) + &"}".repeat(200);
        let parsed = parse(&text);
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0].message.contains("deeper than"));
    }

    #[test]
    fn lua_blocks_are_opaque() {
        let parsed = parse("content_by_lua_block { ngx.say(\"}\") } x 1;");
        assert!(matches!(parsed.statements[0].body, Body::Opaque { .. }));
        assert_eq!(&*parsed.statements[1].name.value, "x");
    }
}
