//! The `score` stage: lines the line scorer's model calls noise.

use super::doc::Doc;
use super::matching::{guards_ok, LineMatch};
use crate::rules::{Kind, RuleSet};

/// Line matches of `score` rules: lines the model calls noise.
pub(super) fn find(rules: &RuleSet, doc: &Doc, is_active: &impl Fn(usize) -> bool, out: &mut Vec<LineMatch>) {
    let scorers: Vec<(usize, &crate::detect::Model)> = rules
        .rules()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.kind {
            Kind::Score { model } if is_active(i) => Some((i, &**model)),
            _ => None,
        })
        .collect();
    if scorers.is_empty() {
        return;
    }
    let texts: Vec<&str> = (0..doc.lines.len()).map(|i| doc.content(i)).collect();
    for (i, f) in crate::detect::features(&texts).iter().enumerate() {
        let Some(f) = f else { continue };
        for &(r, model) in &scorers {
            let rule = &rules.rules()[r];
            if model.score(texts[i], f) >= model.threshold && guards_ok(rule, texts[i]) {
                out.push(LineMatch::one_line(doc, rule, r, i));
            }
        }
    }
}
