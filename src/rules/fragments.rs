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
}

/// The fragments of a load, by name, with their expansions.
#[derive(Debug, Default)]
pub struct Fragments {
    defined: Vec<Fragment>,
    expanded: HashMap<String, String>,
}

impl Fragments {
    /// Expands every fragment; the first error names the fragment (a use
    /// of an unknown name, or a cycle).
    pub fn new(defined: Vec<Fragment>) -> Result<Fragments, (usize, String)> {
        let index: HashMap<&str, usize> =
            defined.iter().enumerate().map(|(i, f)| (f.name.as_str(), i)).collect();
        let mut expanded: HashMap<String, String> = HashMap::new();
        for start in 0..defined.len() {
            let mut path = Vec::new();
            expand_fragment(start, &defined, &index, &mut expanded, &mut path)?;
        }
        Ok(Fragments { defined, expanded })
    }

    pub fn defined(&self) -> &[Fragment] {
        &self.defined
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

fn expand_fragment(
    i: usize,
    defined: &[Fragment],
    index: &HashMap<&str, usize>,
    expanded: &mut HashMap<String, String>,
    path: &mut Vec<usize>,
) -> Result<String, (usize, String)> {
    let name = &defined[i].name;
    if let Some(done) = expanded.get(name) {
        return Ok(done.clone());
    }
    if let Some(at) = path.iter().position(|&p| p == i) {
        let cycle: Vec<&str> = path[at..].iter().chain([&i]).map(|&p| defined[p].name.as_str()).collect();
        return Err((i, format!("fragment `{name}` uses itself: {}", cycle.join(" → "))));
    }
    path.push(i);
    let mut failed = None;
    let result = substitute(&defined[i].pattern, |used| {
        let &j = index.get(used).ok_or(())?;
        expand_fragment(j, defined, index, expanded, path).map(Cow::Owned).map_err(|e| failed = Some(e))
    });
    path.pop();
    if let Some(e) = failed {
        return Err(e);
    }
    let text = match result {
        Ok(text) => text.into_owned(),
        Err(e) => return Err((i, describe(e, defined))),
    };
    expanded.insert(name.clone(), text.clone());
    Ok(text)
}

enum UseError {
    Unclosed,
    Unknown(String),
}

/// Whether `name` is a fragment's name: lower-case letters, digits and `-`,
/// starting with a letter.
pub fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `pattern` with each `(?&NAME)` outside classes and escapes replaced by
/// `(?-x:` + `lookup(NAME)` + `)`; borrowed when there is none.
fn substitute<'a, 'b>(
    pattern: &'a str,
    mut lookup: impl FnMut(&str) -> Result<Cow<'b, str>, ()>,
) -> Result<Cow<'a, str>, UseError> {
    if !pattern.contains("(?&") {
        return Ok(Cow::Borrowed(pattern));
    }
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut class_depth = 0usize;
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let len = rest[1..].chars().next().map_or(0, char::len_utf8) + 1;
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if class_depth == 0 {
            if let Some(after) = rest.strip_prefix("(?&") {
                let end = after.find(')').ok_or(UseError::Unclosed)?;
                let name = &after[..end];
                if !valid_name(name) {
                    return Err(UseError::Unclosed);
                }
                let text = lookup(name).map_err(|()| UseError::Unknown(name.to_string()))?;
                out.push_str("(?-x:");
                out.push_str(&text);
                out.push(')');
                rest = &after[end + 1..];
                continue;
            }
        }
        match c {
            '[' => class_depth += 1,
            ']' if class_depth > 0 => class_depth -= 1,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Ok(Cow::Owned(out))
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
        }
    }

    #[test]
    fn uses_expand_to_groups_that_ignore_verbose_mode() {
        let f = Fragments::new(vec![frag("said", "said|told"), frag("quoted", r"(?&said)|according to")])
            .unwrap();
        assert_eq!(f.expand(r"\b(?&quoted)\b").unwrap(), r"\b(?-x:(?-x:said|told)|according to)\b");
        let re = regex::Regex::new(&f.expand(r"(?xi) ^ (?&quoted) $").unwrap()).unwrap();
        assert!(re.is_match("According to"));
        assert!(!re.is_match("accordingto"));
    }

    #[test]
    fn escapes_and_classes_are_not_uses() {
        let f = Fragments::new(vec![]).unwrap();
        assert_eq!(f.expand(r"\(?&x\)").unwrap(), r"\(?&x\)");
        assert_eq!(f.expand(r"[(?&x)]").unwrap(), r"[(?&x)]");
        assert!(f
            .expand("(?&x)")
            .unwrap_err()
            .contains("unknown fragment `(?&x)`; no fragments are defined"));
        assert!(f.expand("(?&x").unwrap_err().contains("must be followed by a fragment name"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_expands_or_fails_without_panicking(
            defined in r"(?:\(\?&[a-z]{0,2}\)?|[\\\[\]()?&a-zé ]){0,12}|.{0,40}",
            used in r"(?:\(\?&[a-z]{0,2}\)?|[\\\[\]()?&a-zé ]){0,20}|.{0,60}",
        ) {
            if let Ok(f) = Fragments::new(vec![frag("a", &defined)]) {
                match f.expand(&used) {
                    Ok(out) if !used.contains("(?&") => proptest::prop_assert_eq!(out, used.as_str()),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_cycle_is_named() {
        let err = Fragments::new(vec![frag("a", "(?&b)"), frag("b", "x|(?&a)")]).unwrap_err();
        assert_eq!(err.1, "fragment `a` uses itself: a → b → a");
    }
}
