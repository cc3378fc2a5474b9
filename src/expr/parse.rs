//! A hand-written recursive-descent parser for the function language.
//!
//! ```text
//! expr  := term (('+' | '-') term)*
//! term  := unary (('*' | '/') unary)*
//! unary := ('-' | '+') unary | power
//! power := atom (('^' | '**') unary)?      right-associative; -x^2 is -(x^2)
//! atom  := number | 'x' | 'y' | 'pi' | 'e' | name '(' expr (',' expr)* ')' | '(' expr ')'
//! ```
//!
//! The parse tree is lowered straight into the hash-consed [`Graph`] as it is read,
//! so the parser's only recursion is the nesting of the input, which is bounded
//! by [`MAX_DEPTH`] (a 100k-character `((((…` is an error, not a stack overflow).

use super::graph::{Func1, Func2, Graph, NodeId};
use std::fmt;

/// Deepest nesting of parentheses, unary signs, exponents and calls accepted.
pub const MAX_DEPTH: usize = 200;

/// A parse error: what went wrong and the 1-based character column where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// 1-based column, counted in characters; `len + 1` means "at the end".
    pub column: usize,
    pub source: String,
}

impl ParseError {
    /// The expression with a caret under the column (a window around it for long input).
    pub fn caret(&self) -> String {
        let chars: Vec<char> = self.source.chars().collect();
        let col0 = self.column.saturating_sub(1);
        let start = col0.saturating_sub(60);
        let end = (col0 + 20).min(chars.len());
        // Control characters (a newline in the input) would break the picture: one space each.
        let mut line: String = chars[start..end]
            .iter()
            .map(|&c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut pad = col0 - start;
        if start > 0 {
            line.insert(0, '…');
            pad += 1;
        }
        if end < chars.len() {
            line.push('…');
        }
        format!("  {line}\n  {}^", " ".repeat(pad))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)
    }
}

impl std::error::Error for ParseError {}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("number {v}"),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::Slash => "'/'".into(),
            Tok::Caret => "'^'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::End => "end of input".into(),
        }
    }

    fn starts_operand(&self) -> bool {
        matches!(self, Tok::Num(_) | Tok::Ident(_) | Tok::LParen)
    }
}

/// Names the language knows, for "did you mean" suggestions.
pub const FUNCTIONS1: &[(&str, Func1)] = &[
    ("sin", Func1::Sin),
    ("cos", Func1::Cos),
    ("tan", Func1::Tan),
    ("asin", Func1::Asin),
    ("acos", Func1::Acos),
    ("atan", Func1::Atan),
    ("sinh", Func1::Sinh),
    ("cosh", Func1::Cosh),
    ("tanh", Func1::Tanh),
    ("exp", Func1::Exp),
    ("ln", Func1::Ln),
    ("log", Func1::Ln),
    ("log10", Func1::Log10),
    ("log2", Func1::Log2),
    ("sqrt", Func1::Sqrt),
    ("abs", Func1::Abs),
    ("sign", Func1::Sign),
];

pub const FUNCTIONS2: &[&str] = &["atan2", "min", "max", "pow"];
pub const VARIABLES: &[&str] = &["x", "y", "pi", "e"];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let err = |message: String, column: usize| ParseError {
        message,
        column,
        source: src.to_string(),
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            // An exponent only when a digit follows (after an optional sign): "2e" is 2 then e.
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = chars[start..i].iter().collect();
            let v: f64 = text
                .parse()
                .map_err(|_| err(format!("malformed number '{text}'"), col))?;
            if !v.is_finite() {
                return Err(err(format!("number '{text}' is too large"), col));
            }
            out.push((Tok::Num(v), col));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), col));
            continue;
        }
        let tok = match c {
            '+' => Tok::Plus,
            '-' | '−' => Tok::Minus,
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                Tok::Caret
            }
            '*' | '×' | '·' => Tok::Star,
            '/' => Tok::Slash,
            '^' => Tok::Caret,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            'π' => Tok::Ident("pi".into()),
            _ => return Err(err(format!("unexpected character '{c}'"), col)),
        };
        out.push((tok, col));
        i += 1;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

/// Levenshtein distance, for suggestions.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggest(name: &str) -> String {
    let lower = name.to_lowercase();
    let names: Vec<&str> = FUNCTIONS1
        .iter()
        .map(|(n, _)| *n)
        .chain(FUNCTIONS2.iter().copied())
        .chain(VARIABLES.iter().copied())
        .collect();
    let best = names
        .iter()
        .map(|n| distance(&lower, n))
        .min()
        .unwrap_or(usize::MAX);
    if best > 2 || best >= name.chars().count().max(2) {
        return String::new();
    }
    let close: Vec<String> = names
        .iter()
        .filter(|n| distance(&lower, n) == best)
        .take(3)
        .map(|n| format!("'{n}'"))
        .collect();
    format!(" (did you mean {}?)", close.join(" or "))
}

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
    src: &'a str,
    g: &'a mut Graph,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn col(&self) -> usize {
        self.toks[self.pos].1
    }

    fn bump(&mut self) -> (Tok, usize) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self, message: impl Into<String>, column: usize) -> Result<T, ParseError> {
        Err(ParseError {
            message: message.into(),
            column,
            source: self.src.to_string(),
        })
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(
                format!("expression nested deeper than {MAX_DEPTH} levels"),
                self.col(),
            );
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<NodeId, ParseError> {
        let mut acc = self.term()?;
        loop {
            match self.peek() {
                Tok::Plus => {
                    self.bump();
                    let r = self.term()?;
                    acc = self.g.add(acc, r);
                }
                Tok::Minus => {
                    self.bump();
                    let r = self.term()?;
                    acc = self.g.sub(acc, r);
                }
                _ => return Ok(acc),
            }
        }
    }

    fn term(&mut self) -> Result<NodeId, ParseError> {
        let mut acc = self.unary()?;
        loop {
            match self.peek() {
                Tok::Star => {
                    self.bump();
                    let r = self.unary()?;
                    acc = self.g.mul(acc, r);
                }
                Tok::Slash => {
                    self.bump();
                    let r = self.unary()?;
                    acc = self.g.div(acc, r);
                }
                t if t.starts_operand() => {
                    let what = t.describe();
                    return self.err(
                        format!("missing operator before {what} (write '*' for a product)"),
                        self.col(),
                    );
                }
                _ => return Ok(acc),
            }
        }
    }

    fn unary(&mut self) -> Result<NodeId, ParseError> {
        match self.peek() {
            Tok::Minus => {
                self.bump();
                self.enter()?;
                let v = self.unary()?;
                self.depth -= 1;
                Ok(self.g.neg(v))
            }
            Tok::Plus => {
                self.bump();
                self.enter()?;
                let v = self.unary();
                self.depth -= 1;
                v
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<NodeId, ParseError> {
        let base = self.atom()?;
        if *self.peek() == Tok::Caret {
            self.bump();
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(self.g.pow(base, e));
        }
        Ok(base)
    }

    fn operand_missing<T>(&self) -> Result<T, ParseError> {
        let col = self.col();
        let prev = if self.pos > 0 {
            format!(" after {}", self.toks[self.pos - 1].0.describe())
        } else {
            String::new()
        };
        match self.peek() {
            Tok::End if self.pos == 0 => self.err("empty expression", col),
            Tok::End => self.err(format!("missing operand{prev} at end of input"), col),
            Tok::RParen if self.pos > 0 && self.toks[self.pos - 1].0 == Tok::LParen => {
                self.err("empty parentheses", col)
            }
            t => self.err(
                format!("missing operand{prev}: found {}", t.describe()),
                col,
            ),
        }
    }

    fn atom(&mut self) -> Result<NodeId, ParseError> {
        let (tok, col) = (self.peek().clone(), self.col());
        match tok {
            Tok::Num(v) => {
                self.bump();
                Ok(self.g.constant(v))
            }
            Tok::LParen => {
                self.bump();
                self.enter()?;
                let v = self.expr()?;
                self.depth -= 1;
                match self.peek() {
                    Tok::RParen => {
                        self.bump();
                        Ok(v)
                    }
                    Tok::End => self.err("unbalanced '(': missing ')'", col),
                    t => {
                        let what = t.describe();
                        self.err(
                            format!("expected ')' or an operator, found {what}"),
                            self.col(),
                        )
                    }
                }
            }
            Tok::Ident(name) => {
                self.bump();
                let is_call = *self.peek() == Tok::LParen;
                match (name.as_str(), is_call) {
                    ("x", false) => Ok(self.g.x()),
                    ("y", false) => Ok(self.g.y()),
                    ("pi", false) => Ok(self.g.constant(std::f64::consts::PI)),
                    ("e", false) => Ok(self.g.constant(std::f64::consts::E)),
                    ("x" | "y" | "pi" | "e", true) => self.err(
                        format!("'{name}' is not a function (write '*' for a product)"),
                        self.col(),
                    ),
                    (_, true) => self.call(&name, col),
                    (_, false) => {
                        let known = FUNCTIONS1.iter().any(|(n, _)| *n == name)
                            || FUNCTIONS2.contains(&name.as_str());
                        if known {
                            self.err(format!("function '{name}' needs its argument in parentheses: {name}(…)"), col)
                        } else {
                            self.err(
                                format!(
                                    "unknown variable '{name}': the variables are x and y{}",
                                    suggest(&name)
                                ),
                                col,
                            )
                        }
                    }
                }
            }
            Tok::RParen if self.pos == 0 || !self.toks[self.pos - 1].0.starts_operand() => {
                self.operand_missing()
            }
            _ => self.operand_missing(),
        }
    }

    fn call(&mut self, name: &str, col: usize) -> Result<NodeId, ParseError> {
        let f1 = FUNCTIONS1.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
        let arity = if f1.is_some() {
            1
        } else if FUNCTIONS2.contains(&name) {
            2
        } else {
            return self.err(format!("unknown function '{name}'{}", suggest(name)), col);
        };
        let open = self.col();
        self.bump(); // (
        self.enter()?;
        let mut args = Vec::new();
        if *self.peek() == Tok::RParen {
            return self.err(
                format!(
                    "{name} takes {arity} argument{}, got 0",
                    if arity == 1 { "" } else { "s" }
                ),
                col,
            );
        }
        loop {
            args.push(self.expr()?);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    break;
                }
                Tok::End => {
                    return self.err(format!("unbalanced '(' of {name}(: missing ')'"), open)
                }
                t => {
                    let what = t.describe();
                    return self.err(
                        format!("expected ',' or ')' in {name}(…), found {what}"),
                        self.col(),
                    );
                }
            }
        }
        self.depth -= 1;
        if args.len() != arity {
            return self.err(
                format!(
                    "{name} takes {arity} argument{}, got {}",
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
                col,
            );
        }
        Ok(match (f1, name) {
            (Some(f), _) => self.g.f1(f, args[0]),
            (None, "pow") => self.g.pow(args[0], args[1]),
            (None, "atan2") => self.g.f2(Func2::Atan2, args[0], args[1]),
            (None, "min") => self.g.f2(Func2::Min, args[0], args[1]),
            (None, "max") => self.g.f2(Func2::Max, args[0], args[1]),
            _ => unreachable!("arity table and constructor table agree"),
        })
    }
}

/// Parses `src` into `g`, returning the root node.
pub fn parse_into(src: &str, g: &mut Graph) -> Result<NodeId, ParseError> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        src,
        g,
    };
    let root = p.expr()?;
    match p.peek() {
        Tok::End => Ok(root),
        Tok::RParen => p.err("unbalanced ')': no matching '('", p.col()),
        Tok::Comma => p.err("',' outside a function call", p.col()),
        t => {
            let what = t.describe();
            p.err(format!("missing operator before {what}"), p.col())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> ParseError {
        let mut g = Graph::new();
        parse_into(src, &mut g).unwrap_err()
    }

    #[test]
    fn errors_name_the_column() {
        let e = err("x + sinn(y)");
        assert_eq!(e.column, 5);
        assert!(e.message.contains("unknown function 'sinn'"), "{e}");
        assert!(e.message.contains("did you mean 'sin' or 'sinh'"), "{e}");
        assert_eq!(e.caret(), "  x + sinn(y)\n      ^");

        let e = err("(x + 1");
        assert_eq!(
            (e.column, e.message.as_str()),
            (1, "unbalanced '(': missing ')'")
        );
        let e = err("x + 1)");
        assert_eq!(e.column, 6);
        assert!(e.message.contains("unbalanced ')'"));
        let e = err("x +");
        assert_eq!(e.column, 4);
        assert!(e.message.contains("missing operand after '+'"), "{e}");
        let e = err("atan2(x)");
        assert_eq!(e.column, 1);
        assert_eq!(e.message, "atan2 takes 2 arguments, got 1");
        let e = err("2x");
        assert_eq!(e.column, 2);
        assert!(e.message.contains("missing operator"), "{e}");
        let e = err("1.2.3 + x");
        assert_eq!(e.message, "malformed number '1.2.3'");
        let e = err("x + z");
        assert!(e.message.contains("unknown variable 'z'"), "{e}");
        let e = err("");
        assert_eq!(e.message, "empty expression");
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow() {
        let src = "(".repeat(50_000) + "x" + &")".repeat(50_000);
        let e = err(&src);
        assert!(e.message.contains("nested deeper"), "{e}");
        let src = "-".repeat(50_000) + "x";
        assert!(err(&src).message.contains("nested deeper"));
    }
}
