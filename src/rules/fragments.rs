//! Named pattern fragments: a rules file item `fragment: NAME` with a
//! `pattern`, used as `(?&NAME)` in any pattern of any loaded file, so that
//! a word list shared by many rules (the verbs that report speech, say) is
//! written once.
//!
//! `(?&NAME)` is PCRE's call of a named group; the `regex` crate rejects it,
//! so no pattern that compiled before can mean something else now. A use
//! expands to `(?-x:...)` around the fragment's own expansion: a group, so
//! alternatives and flags stay inside it, and never verbose, so a fragment
//! means the same in a `(?x)` pattern as elsewhere. Flags set outside (`i`)
//! reach into it. Fragments may use fragments; a cycle is an error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::{Doc, Origin};

/// One fragment as defined.
#[derive(Debug, Clone)]
pub struct Fragment {
    pub name: String,
    pub doc: Doc,
    /// As written, with its own uses of other fragments.
    pub pattern: String,
    pub origin: Origin,
    /// Defined by the built-in fragments file (not shadowed by another's).
    pub built_in: bool,
}

/// The fragments of a load, by name, with their expansions.
#[derive(Debug, Default)]
pub struct Fragments {
    defined: Vec<Fragment>,
    expanded: HashMap<String, String>,
}

/// What a fragment that cannot be used stands for: never matches, so the
/// rules that use it load without errors of their own (the load fails on
/// the fragment's).
const NEVER: &str = r"[^\s\S]";

/// The most text one fragment may expand to: uses of uses double it each
/// time, and ten levels of a two-use fragment are a million copies.
const MAX_EXPANSION: usize = 1 << 20;

impl Fragments {
    /// Expands every fragment. A fragment that uses an unknown name, is
    /// part of a cycle or grows past [`MAX_EXPANSION`] gets an error (its
    /// index and the message) and stands for a pattern that never matches.
    pub fn new(defined: Vec<Fragment>) -> (Fragments, Vec<(usize, String)>) {
        let index: HashMap<&str, usize> =
            defined.iter().enumerate().map(|(i, f)| (f.name.as_str(), i)).collect();
        let mut expansion = Expansion { defined: &defined, index, done: HashMap::new(), errors: Vec::new() };
        for start in 0..defined.len() {
            expansion.expand(start, &mut Vec::new());
        }
        let Expansion { done, mut errors, .. } = expansion;
        errors.sort_by_key(|(i, _)| *i);
        errors.dedup_by_key(|(i, _)| *i);
        (Fragments { defined, expanded: done }, errors)
    }

    pub fn defined(&self) -> &[Fragment] {
        &self.defined
    }

    /// Whether any of `regexes`, patterns as compiled, holds a use of
    /// `name`: its expansion in the group a use becomes, closed. Two
    /// fragments with the same pattern cannot be told apart.
    pub fn used_in_any(&self, name: &str, regexes: &[&str]) -> bool {
        let Some(e) = self.expanded.get(name) else { return false };
        let mut group = String::new();
        push_use(&mut group, e);
        regexes.iter().any(|r| r.contains(&group))
    }

    /// Makes `name` stand for a pattern that never matches (its expansion
    /// is not a valid regex, which is reported once, at the fragment).
    pub fn disable(&mut self, name: &str) {
        self.expanded.insert(name.to_string(), NEVER.to_string());
    }

    /// `pattern` with every `(?&NAME)` replaced by its expansion.
    pub fn expand<'a>(&self, pattern: &'a str) -> Result<Cow<'a, str>, String> {
        substitute(pattern, |name| self.expanded.get(name).map(|e| Cow::Borrowed(e.as_str())).ok_or(()))
            .map_err(|e| describe(e, &self.defined))
    }
}

fn describe(e: UseError, defined: &[Fragment]) -> String {
    match e {
        UseError::Unclosed => "`(?&` must be followed by a fragment name and `)`".to_string(),
        UseError::BadName(name) => format!(
            "`(?&{name})`: a fragment's name is lower-case letters, digits and `-`, starting with a letter"
        ),
        UseError::Unknown(name) => {
            let mut names: Vec<&str> = defined.iter().map(|f| f.name.as_str()).collect();
            names.sort_unstable();
            let known = if names.is_empty() {
                "no fragments are defined".to_string()
            } else {
                format!("the fragments are {}", names.join(", "))
            };
            format!("unknown fragment `(?&{name})`; {known}")
        }
    }
}

/// The expansion of every fragment, built depth first.
struct Expansion<'a> {
    defined: &'a [Fragment],
    index: HashMap<&'a str, usize>,
    done: HashMap<String, String>,
    errors: Vec<(usize, String)>,
}

impl Expansion<'_> {
    fn expand(&mut self, i: usize, path: &mut Vec<usize>) -> String {
        let name = &self.defined[i].name;
        if let Some(done) = self.done.get(name) {
            return done.clone();
        }
        if let Some(at) = path.iter().position(|&p| p == i) {
            let cycle: Vec<&str> =
                path[at..].iter().chain([&i]).map(|&p| self.defined[p].name.as_str()).collect();
            self.errors.push((i, format!("fragment `{name}` uses itself: {}", cycle.join(" → "))));
            return NEVER.to_string();
        }
        path.push(i);
        let pattern = self.defined[i].pattern.clone();
        let result = substitute(&pattern, |used| {
            let &j = self.index.get(used).ok_or(())?;
            Ok(Cow::Owned(self.expand(j, path)))
        })
        .map(Cow::into_owned);
        path.pop();
        let text = match result {
            Ok(text) if text.len() > MAX_EXPANSION => {
                let message = format!("fragment `{name}` expands to more than {MAX_EXPANSION} bytes");
                self.errors.push((i, message));
                NEVER.to_string()
            }
            Ok(text) => text,
            Err(e) => {
                self.errors.push((i, format!("fragment `{name}`: {}", describe(e, self.defined))));
                NEVER.to_string()
            }
        };
        self.done.insert(name.clone(), text.clone());
        text
    }
}

enum UseError {
    Unclosed,
    BadName(String),
    Unknown(String),
}

/// `pattern` with its uses of `name` replaced by `text` as a group, and
/// its other uses left as they are: a definition that shadows a built-in
/// one widens it with `(?&NAME)|…`. A pattern whose uses are malformed is
/// returned as it is, for [`Fragments::new`] to report.
pub fn inline(pattern: &str, name: &str, text: &str) -> String {
    substitute(pattern, |used| {
        Ok(Cow::Owned(if used == name { text.to_string() } else { format!("(?&{used})") }))
    })
    .map_or_else(|_| pattern.to_string(), Cow::into_owned)
}

/// Whether `name` is a fragment's name: lower-case letters, digits and `-`,
/// starting with a letter.
pub fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Whether the pattern opens with a flag group that turns on `x`
/// (`(?x)`, `(?xi)`, `(?ix)`).
pub(super) fn starts_verbose(s: &str) -> bool {
    s.strip_prefix("(?")
        .and_then(|rest| rest.split_once(')'))
        .is_some_and(|(flags, _)| flags.chars().all(|c| c.is_ascii_alphabetic()) && flags.contains('x'))
}

/// `pattern` with each `(?&NAME)` outside classes, escapes and (in a
/// pattern that opens verbose) `#` comments replaced by `(?-x:` +
/// `lookup(NAME)` + `)`; borrowed when there is none. A verbose fragment
/// ends its text with a line end, so that a comment on its last line does
/// not swallow the group's close.
fn substitute<'a, 'b>(
    pattern: &'a str,
    mut lookup: impl FnMut(&str) -> Result<Cow<'b, str>, ()>,
) -> Result<Cow<'a, str>, UseError> {
    if !pattern.contains("(?&") {
        return Ok(Cow::Borrowed(pattern));
    }
    let verbose = starts_verbose(pattern);
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut class_depth = 0usize;
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        let take = match c {
            '\\' => rest[1..].chars().next().map_or(0, char::len_utf8) + 1,
            '#' if verbose && class_depth == 0 => rest.find('\n').unwrap_or(rest.len()),
            '[' => {
                class_depth += 1;
                // A `]` first in a class (after `[` or `[^`) is a literal.
                let open = if rest[1..].starts_with('^') { 2 } else { 1 };
                open + usize::from(rest[open..].starts_with(']'))
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                1
            }
            '(' if class_depth == 0 && rest.starts_with("(?&") => {
                let after = &rest[3..];
                let end = after.find(')').ok_or(UseError::Unclosed)?;
                let name = &after[..end];
                if !valid_name(name) {
                    return Err(UseError::BadName(name.to_string()));
                }
                let text = lookup(name).map_err(|()| UseError::Unknown(name.to_string()))?;
                push_use(&mut out, &text);
                rest = &after[end + 1..];
                continue;
            }
            _ => c.len_utf8(),
        };
        out.push_str(&rest[..take]);
        rest = &rest[take..];
    }
    Ok(Cow::Owned(out))
}

/// The group a use of a fragment whose expansion is `text` becomes. A
/// verbose fragment ends its text with a line end, so that a comment on
/// its last line does not swallow the group's close.
fn push_use(out: &mut String, text: &str) {
    out.push_str("(?-x:");
    out.push_str(text);
    if starts_verbose(text) {
        out.push('\n');
    }
    out.push(')');
}

thread_local! {
    /// The fragments patterns are expanded with while this thread parses
    /// rules files: serde gives a scalar's deserialiser no context, and
    /// compiling in the deserialiser is what positions a regex error at
    /// its scalar.
    static IN_SCOPE: RefCell<Option<Arc<Fragments>>> = const { RefCell::new(None) };
}

/// Runs `body` with `fragments` in scope for [`expand_in_scope`] on this thread.
pub fn with_fragments<T>(fragments: &Arc<Fragments>, body: impl FnOnce() -> T) -> T {
    let before = IN_SCOPE.replace(Some(Arc::clone(fragments)));
    let out = body();
    IN_SCOPE.set(before);
    out
}

/// `pattern` expanded with the fragments in scope (none: only a pattern
/// without uses passes).
pub fn expand_in_scope(pattern: &str) -> Result<Cow<'_, str>, String> {
    if !pattern.contains("(?&") {
        return Ok(Cow::Borrowed(pattern));
    }
    IN_SCOPE.with_borrow(|scope| match scope {
        Some(f) => f.expand(pattern).map(|c| Cow::Owned(c.into_owned())),
        None => Fragments::default().expand(pattern).map(|c| Cow::Owned(c.into_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(name: &str, pattern: &str) -> Fragment {
        Fragment {
            name: name.into(),
            doc: Doc::Text(String::new()),
            pattern: pattern.into(),
            origin: Origin { file: "f.yaml".into(), line: 1 },
            built_in: false,
        }
    }

    #[test]
    fn uses_expand_to_groups_that_ignore_verbose_mode() {
        let f = Fragments::new(vec![frag("said", "said|told"), frag("quoted", r"(?&said)|according to")]).0;
        assert_eq!(f.expand(r"\b(?&quoted)\b").unwrap(), r"\b(?-x:(?-x:said|told)|according to)\b");
        let re = regex::Regex::new(&f.expand(r"(?xi) ^ (?&quoted) $").unwrap()).unwrap();
        assert!(re.is_match("According to"));
        assert!(!re.is_match("accordingto"));
    }

    #[test]
    fn escapes_and_classes_are_not_uses() {
        let f = Fragments::new(vec![]).0;
        assert_eq!(f.expand(r"\(?&x\)").unwrap(), r"\(?&x\)");
        assert_eq!(f.expand(r"[(?&x)]").unwrap(), r"[(?&x)]");
        assert!(f
            .expand("(?&x)")
            .unwrap_err()
            .contains("unknown fragment `(?&x)`; no fragments are defined"));
        assert!(f.expand("(?&x").unwrap_err().contains("must be followed by a fragment name"));
        assert!(f.expand("(?&X)").unwrap_err().contains("a fragment's name is lower-case letters"));
        // A `]` first in a class is a literal: the class runs on.
        assert_eq!(f.expand(r"[](?&x)]").unwrap(), r"[](?&x)]");
        assert_eq!(f.expand(r"[^](?&x)]").unwrap(), r"[^](?&x)]");
    }

    proptest::proptest! {
        #[test]
        fn any_text_expands_or_fails_without_panicking(
            defined in r"(?:\(\?&[a-z]{0,2}\)?|[\\\[\]()?&a-zé ]){0,12}|.{0,40}",
            used in r"(?:\(\?&[a-z]{0,2}\)?|[\\\[\]()?&a-zé ]){0,20}|.{0,60}",
        ) {
            {
                let f = Fragments::new(vec![frag("a", &defined)]).0;
                match f.expand(&used) {
                    Ok(out) if !used.contains("(?&") => proptest::prop_assert_eq!(out, used.as_str()),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn verbose_comments_are_not_uses_and_do_not_swallow_the_close() {
        let f = Fragments::new(vec![frag("tail", "(?x) foo | bar   # the last one")]).0;
        let re = regex::Regex::new(&f.expand("^(?&tail)$").unwrap()).unwrap();
        assert!(re.is_match("bar"));
        let pattern = "(?x) ^ foo   # like (?&nope) but [English\n | (?&tail) $";
        let re = regex::Regex::new(&f.expand(pattern).unwrap()).unwrap();
        assert!(re.is_match("bar") && re.is_match("foo"));
    }

    #[test]
    fn expansion_is_capped() {
        let mut defined = vec![frag("f0", "ab")];
        for i in 1..24 {
            defined.push(frag(&format!("f{i}"), &format!("(?&f{0})(?&f{0})", i - 1)));
        }
        let (_, errors) = Fragments::new(defined);
        assert!(errors[0].1.contains("expands to more than"), "{errors:?}");
    }

    #[test]
    fn a_cycle_is_named() {
        let (f, errors) = Fragments::new(vec![frag("a", "(?&b)"), frag("b", "x|(?&a)"), frag("c", "y")]);
        assert_eq!(errors, [(0, "fragment `a` uses itself: a → b → a".to_string())]);
        // The others stand: one error, not one per use.
        assert_eq!(f.expand("(?&c)").unwrap(), "(?-x:y)");
    }
}
