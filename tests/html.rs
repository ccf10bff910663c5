//! Web pages: detection, charsets, selector rules, the main-text choice,
//! text conversion, malformed markup, mixed trees and the tools on pages.

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{clean_quiet, descrape, records, repo, tree, write};

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/html/raw").join(name)
}

#[test]
fn pages_are_found_by_extension_or_first_bytes_and_written_as_txt() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.html", "<html><body><p>Page by extension.</p></body></html>");
    write(&input, "b.txt", "<!DOCTYPE html><html><body><p>Page by its start.</p></body></html>");
    write(&input, "c.txt", "A story about <html> tags.\n");
    let out = tmp.path().join("out");
    descrape().arg("clean").arg("-q").arg(&input).arg("-o").arg(&out).assert().success();
    let files = tree(&out);
    assert_eq!(files.keys().collect::<Vec<_>>(), ["a.html.txt", "b.txt", "c.txt"]);
    assert_eq!(files["a.html.txt"], b"Page by extension.\n");
    assert_eq!(files["b.txt"], b"Page by its start.\n");
    assert_eq!(files["c.txt"], b"A story about <html> tags.\n");
    // --input-type text keeps a page as text.
    let out2 = tmp.path().join("out2");
    descrape()
        .args(["clean", "-q", "--input-type", "text"])
        .arg(&input)
        .arg("-o")
        .arg(&out2)
        .assert()
        .success();
    assert!(tree(&out2)["a.html"].starts_with(b"<html>"));
}

#[test]
fn windows_1251_and_shift_jis_pages_are_decoded_by_their_meta() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q"])
        .arg(fixture("cp1251-bitrix-tram-route.html"))
        .arg(fixture("shiftjis-regional-tsunami-drill.html"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let ru = std::fs::read_to_string(out.join("cp1251-bitrix-tram-route.html.txt")).unwrap();
    assert!(ru.starts_with("В Верхнеозёрске запустят новый трамвайный маршрут"), "{ru}");
    let ja = std::fs::read_to_string(out.join("shiftjis-regional-tsunami-drill.html.txt")).unwrap();
    assert!(ja.starts_with("南海トラフ想定し大規模防災訓練"), "{ja}");
    let recs = records(&out.join(".descrape/changes.jsonl"));
    let enc: Vec<_> = recs.iter().filter(|r| r["type"] == "decoded").map(|r| r["encoding"].clone()).collect();
    assert_eq!(enc, ["windows-1251", "Shift_JIS"]);
}

/// `descrape clean -q ARGS --rules site.yaml in -o out` on one page,
/// `in/p.html`; returns the directory (kept alive) and `out`.
fn clean_page(html: &str, rules: &str, args: &[&str]) -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new().unwrap();
    let page = write(tmp.path(), "in/p.html", html);
    let rules = write(tmp.path(), "site.yaml", rules);
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q"])
        .args(args)
        .arg("--rules")
        .arg(&rules)
        .arg(page.parent().unwrap())
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    (tmp, out)
}

#[test]
fn selector_rules_remove_elements_and_log_their_path() {
    let (_tmp, out) = clean_page(
        "<html><body><div class='story'><h1>Title</h1><p>The council voted on Tuesday to close the library on Main Street.</p><div class='promo-box'>Win a car today</div></div></body></html>",
        "- id: site.promo\n  doc: The site's promo box.\n  match: selector\n  selector: '.promo-box'\n",
        &[],
    );
    assert_eq!(
        std::fs::read_to_string(out.join("p.html.txt")).unwrap(),
        "Title\n\nThe council voted on Tuesday to close the library on Main Street.\n"
    );
    let recs = records(&out.join(".descrape/changes.jsonl"));
    let edit = recs.iter().find(|r| r["rule"] == "site.promo").unwrap();
    assert_eq!(edit["kind"], "selector");
    assert_eq!(edit["element"], "body > div.story > div.promo-box");
    assert_eq!(edit["removed"], "\nWin a car today\n");
}

#[test]
fn a_block_rule_starting_in_a_removed_element_reaches_past_it() {
    // Text rules are not tried on lines an element removal takes whole,
    // except the ones whose match can reach further lines.
    let (_tmp, out) = clean_page(
        "<html><body><p>The council voted on Tuesday to close the library on Main Street.</p><div class='rel'>More stories</div><p>Teaser one</p><p>Teaser two</p><p>Footer ad</p></body></html>",
        "- id: site.rel\n  doc: d\n  match: selector\n  selector: '.rel'\n\
         - id: site.rest\n  doc: d\n  match: block\n  start: '^More stories$'\n  end: {pattern: '^Teaser two$'}\n\
         - id: site.ad\n  doc: d\n  match: line\n  pattern: '^Footer ad$'\n",
        &["--no-default-rules"],
    );
    assert_eq!(
        std::fs::read_to_string(out.join("p.html.txt")).unwrap(),
        "The council voted on Tuesday to close the library on Main Street.\n"
    );
    let recs = records(&out.join(".descrape/changes.jsonl"));
    let rule_of = |text: &str| {
        recs.iter()
            .find(|r| r["removed"].as_str().is_some_and(|t| t.contains(text)))
            .map(|r| r["rule"].clone())
    };
    assert_eq!(rule_of("More stories").unwrap(), "site.rel");
    assert_eq!(rule_of("Teaser one").unwrap(), "site.rest");
    assert_eq!(rule_of("Footer ad").unwrap(), "site.ad");
}

#[test]
fn an_invalid_selector_is_a_load_error_with_its_place() {
    let tmp = TempDir::new().unwrap();
    let rules = write(
        tmp.path(),
        "bad.yaml",
        "- id: site.bad\n  doc: d\n  match: selector\n  selector: 'div[class='\n",
    );
    descrape().arg("check").arg("--rules").arg(&rules).assert().code(2).stderr(predicate::str::contains(
        format!("{}:4:13: rule 'site.bad': `selector`: invalid CSS selector", rules.display()),
    ));
}

#[test]
fn the_main_text_choice_is_logged() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q"])
        .arg(fixture("schema-itemprop-parking-fines-ruling.html"))
        .arg(fixture("trap-sidebar-layout-wind-farm.html"))
        .arg(fixture("no-body-tag-library-hours.html"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let recs = records(&out.join(".descrape/changes.jsonl"));
    let html: Vec<_> = recs.iter().filter(|r| r["type"] == "html").collect();
    assert_eq!(html.len(), 3);
    let reason = html[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("kept the main text the extractor chose ("), "{reason}");
    // The has-sidebar wrapper keeps its story.
    let wind = std::fs::read_to_string(out.join("trap-sidebar-layout-wind-farm.html.txt")).unwrap();
    let want = std::fs::read_to_string(
        repo().join("tests/fixtures/html/expected/trap-sidebar-layout-wind-farm.txt"),
    )
    .unwrap();
    for para in want.split("\n\n").filter(|p| p.split_whitespace().count() > 12) {
        assert!(wind.contains(para.trim()), "lost: {para}");
    }
}

#[test]
fn malformed_and_huge_pages_do_not_break_the_run() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "unclosed.html", "<html><body><div><p>One<p>Two<li>three<table><tr><td>x");
    write(&input, "nobody.html", "<title>T</title><p>Only a paragraph.");
    write(&input, "empty.html", "");
    write(&input, "garbage.html", "<<<>>><!-- <p> </div></span>&amp;&bogus;");
    let mut huge = String::from("<html><body><article><h1>Big</h1>");
    for i in 0..60_000 {
        huge.push_str(&format!("<p>Paragraph {i} of a very long page with <a href='#'>a link</a>.</p>"));
    }
    write(&input, "huge.html", huge);
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).success();
    let files = tree(&out);
    assert_eq!(files["unclosed.html.txt"], b"One\n\nTwo\n\nthree\n\nx\n");
    assert_eq!(files["nobody.html.txt"], b"Only a paragraph.\n");
    assert_eq!(files["empty.html.txt"], b"");
    assert!(String::from_utf8_lossy(&files["huge.html.txt"])
        .contains("Paragraph 59999 of a very long page with a link."));
}

#[test]
fn mixed_trees_clean_in_one_run() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "story.txt", "Story text.\n\nCulled from Presstv\n");
    write(&input, "page.txt", "Same stem as the page, a text file.\n");
    write(&input, "page.htm", "<html><body><article><p>Page text.</p><figure><figcaption>A caption</figcaption></figure></article></body></html>");
    let out = tmp.path().join("out");
    descrape()
        .args(["clean"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("3 files: 2 changed, 1 unchanged"));
    assert_eq!(std::fs::read_to_string(out.join("story.txt")).unwrap(), "Story text.\n");
    assert_eq!(std::fs::read_to_string(out.join("page.htm.txt")).unwrap(), "Page text.\n");
    assert_eq!(
        std::fs::read_to_string(out.join("page.txt")).unwrap(),
        "Same stem as the page, a text file.\n"
    );
}

#[test]
fn diff_and_stats_label_html_removals() {
    let page = fixture("wp-newspack-council-budget.html");
    let out = descrape().arg("diff").arg(&page).assert().code(1).get_output().stdout.clone();
    let diff = String::from_utf8(out).unwrap();
    assert!(diff.starts_with("--- a/wp-newspack-council-budget.html\n"), "{diff}");
    assert!(diff.contains("[html.page-chrome]") || diff.contains("[html.main-text]"), "{diff}");
    let out = descrape()
        .arg("stats")
        .arg("--json")
        .arg(repo().join("tests/fixtures/html/raw"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let rules: Vec<&str> =
        v["rules"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"html.main-text") && rules.contains(&"html.caption"), "{rules:?}");
}

#[test]
fn eval_on_the_html_set_keeps_every_story_word() {
    let out = descrape()
        .args(["eval", "--json", "--gold"])
        .arg(repo().join("tests/fixtures/html/expected"))
        .arg(repo().join("tests/fixtures/html/raw"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["files"], 44);
    assert!(v["files_without_gold"].as_array().unwrap().is_empty());
    assert!(v["precision"].as_f64().unwrap() >= 0.99, "precision {}", v["precision"]);
    assert!(v["recall"].as_f64().unwrap() >= 0.8, "recall {}", v["recall"]);
}

#[test]
fn the_log_rebuilds_each_pages_rendered_text() {
    let rules = descrape::rules::load_default().unwrap();
    for (rel, bytes) in tree(&repo().join("tests/fixtures/html/raw")) {
        let descrape::decode::Decoded::Text { text, .. } = descrape::decode::decode_page(bytes) else {
            panic!("binary")
        };
        let at = descrape::rules::DocPath::Known(&rel);
        let page = descrape::html::render(&rules, &text, at);
        let edits = descrape::engine::clean_with(&rules, at, &page.text, &page.claims());
        let output = descrape::text::apply(&page.text, &edits);
        let recs = descrape::changelog::edit_records(&rules, &rel, None, &page.text, &edits);
        assert_eq!(descrape::changelog::rebuild(&output, &recs), page.text, "{rel}");
    }
}

#[test]
fn jsonl_records_can_hold_pages() {
    let input = "{\"id\":\"p1\",\"text\":\"<html><body><nav>Home</nav><article><p>Page one.</p></article></body></html>\"}\n";
    let out = descrape()
        .args([
            "clean",
            "-",
            "-q",
            "--input-format",
            "jsonl",
            "--output-format",
            "jsonl",
            "--input-type",
            "html",
        ])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap(), "{\"id\":\"p1\",\"text\":\"Page one.\\n\"}\n");
}

#[test]
fn a_page_in_a_jsonl_record_gets_the_extractors_choice_and_its_log() {
    let tmp = TempDir::new().unwrap();
    let page = std::fs::read_to_string(fixture("wp-newspack-council-budget.html")).unwrap();
    let record = serde_json::json!({"id": "p1", "text": page});
    let input = write(tmp.path(), "pages.jsonl", format!("{record}\n"));
    let log = tmp.path().join("changes.jsonl");
    let out = tmp.path().join("out.jsonl");
    descrape()
        .args(["clean", "-q", "--input-format", "jsonl", "--output-format", "jsonl", "--input-type", "html"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--changes")
        .arg(&log)
        .assert()
        .success();
    // The same text as the page cleaned as a file.
    let dir = tmp.path().join("as-file");
    clean_quiet(fixture("wp-newspack-council-budget.html"), &dir).success();
    let as_file = std::fs::read_to_string(dir.join("wp-newspack-council-budget.html.txt")).unwrap();
    let rec: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&out).unwrap().trim()).unwrap();
    assert_eq!(rec["text"], as_file);
    let recs = records(&log);
    let html = recs.iter().find(|r| r["type"] == "html").unwrap();
    assert_eq!(html["id"], "p1");
    assert!(html["reason"].as_str().unwrap().starts_with("kept the main text the extractor chose"));
    assert!(recs.iter().any(|r| r["rule"] == "html.main-text" && r["element"] == "outside the main text"));
}

/// Markup nested tens of thousands deep costs the HTML5 tree builder time
/// in the square of its depth (100,000 nested `<div>`s: about 20 s, one
/// worker held): such a page fails alone before it is parsed, named in
/// the log, and the others are cleaned.
#[test]
fn a_page_nested_too_deep_to_parse_fails_alone() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let deep = format!("<html><body>{}<p>Story.</p></body></html>", "<div>".repeat(100_000));
    write(&input, "deep.html", &deep);
    write(&input, "fine.html", "<html><body><p>A fine page with its story.</p></body></html>");
    let out = tmp.path().join("out");
    clean_quiet(&input, &out)
        .code(1)
        .stderr(predicate::str::contains("deep.html`: its markup nests too deep"));
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["fine.html.txt"]);
    let log = records(&out.join(".descrape/changes.jsonl"));
    assert!(log.iter().any(|r| r["type"] == "failed" && r["file"] == "deep.html"), "{log:?}");
    // A record holding such a page fails alone too.
    a_page_record_fails_alone(tmp.path(), &deep, "line 1: its markup nests too deep");
}

/// `page` as the first of two JSON Lines records: it fails with `says`,
/// and the second is cleaned and written.
fn a_page_record_fails_alone(dir: &std::path::Path, page: &str, says: &str) {
    let jsonl = write(
        dir,
        "pages.jsonl",
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "bad", "text": page}),
            serde_json::json!({"id": "fine", "text": "<html><body><p>Fine.</p></body></html>"})
        ),
    );
    descrape()
        .args(["clean", "-q", "--input-type", "html", "-o", "-"])
        .arg(&jsonl)
        .assert()
        .code(1)
        .stdout("{\"id\":\"fine\",\"text\":\"Fine.\\n\"}\n")
        .stderr(predicate::str::contains(says));
}

/// `page` cleaned alone: it is kept whole, and the change log says
/// `because`.
fn a_page_is_kept_whole_because(page: &str, because: &str) {
    let (_dir, out) = clean_page(page, "", &[]);
    let log = std::fs::read_to_string(out.join(".descrape/changes.jsonl")).unwrap();
    assert!(log.contains(because), "{log}");
}

/// Unclosed formatting tags that the parser reopens in every later
/// paragraph build chains hundreds deep from a small page; the extractor,
/// which holds each candidate's markup as text, took 4 GB on 25 kB of them.
/// Such a page is kept whole, and the log says why.
#[test]
fn a_page_too_deep_for_the_extractor_is_kept_whole_and_the_log_says_why() {
    let tmp = TempDir::new().unwrap();
    let body: String = (0..800).map(|i| format!("<p><b class=c{i}>Line {i}.</p>")).collect();
    let input = tmp.path().join("in");
    write(&input, "deep.html", format!("<html><body>{body}</body></html>"));
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).success();
    let text = std::fs::read_to_string(out.join("deep.html.txt")).unwrap();
    assert!(text.starts_with("Line 0.\n\nLine 1.\n") && text.ends_with("Line 799.\n"), "{text:.200}");
    let log = records(&out.join(".descrape/changes.jsonl"));
    assert_eq!(
        log[0]["reason"], "the page nests too deep for the extractor: the whole body is kept",
        "{log:?}"
    );
}

/// Formatting tags left open are reopened by the parser in every later
/// paragraph: 800 of them before 100,000 paragraphs (a 411 kB record) took
/// 6 GB and ended the run, losing every record. The record fails alone.
#[test]
fn a_page_whose_open_tags_would_be_reopened_into_millions_fails_alone() {
    let tmp = TempDir::new().unwrap();
    let open: String = (0..800).map(|i| format!("<b class=c{i}>")).collect();
    let page = format!("<html><body><p>{open}{}</body></html>", "<p>x".repeat(100_000));
    a_page_record_fails_alone(tmp.path(), &page, "line 1: its markup");
}

/// Found by fuzzing: pages of a few kB that bounded neither parsing nor the
/// extractor. Each fails alone, or is kept whole without the extractor,
/// in well under a second.
#[test]
fn pages_that_would_cost_unbounded_time_or_memory_are_stopped() {
    let tmp = TempDir::new().unwrap();
    // 600 open tags reopened in 300 paragraphs: chains 600 deep, whose
    // depths below the renderer's limit the extractor's budget missed
    // (2.8 GB).
    let open: String = (0..600).map(|i| format!("<b class={i}>")).collect();
    let chains = format!("<html><body><p>{open}{}</body></html>", "<p>x".repeat(300));
    a_page_is_kept_whole_because(&chains, "the page nests too deep for the extractor");
    // 300 attributes on a tag reopened 6,000 times: the extractor reads
    // every element's attributes again, and the log names that cause.
    let attrs: String = (0..300).map(|k| format!(" a{k}")).collect();
    let crowded = format!("<html><body><p><b{attrs}>{}</body></html>", "<p>x".repeat(6_000));
    a_page_is_kept_whole_because(&crowded, "the page's elements carry too many attributes for the extractor");
    // A 20 kB class copied into 10,000 reopened elements (1 GB, 10 s).
    let big =
        format!("<html><body><p><b class=\"{}\">{}</body></html>", "a".repeat(20_000), "<p>x".repeat(10_000));
    a_page_record_fails_alone(tmp.path(), &big, "bytes of attributes into reopened elements");
    // 100,000 attributes on one tag, each compared with those before it (9 s).
    let attrs: String = (0..100_000).map(|i| format!(" a{i:x}")).collect();
    let many = format!("<html><body><div{attrs}><p>Story.</p></div></body></html>");
    a_page_record_fails_alone(tmp.path(), &many, "too many attributes");
    // `<p>` inside MathML's `<mi>` nests as HTML: 60,000 levels the check
    // took for three (28 s).
    let math = format!("<html><body><b>x{}</body></html>", "<math><mi><p>".repeat(60_000));
    a_page_record_fails_alone(tmp.path(), &math, "nests too deep");
    // Stray text in a table reopens 250 formatting tags before it in
    // every row: 5,000 rows make 1.25 million elements (at 200,000 rows,
    // a 1 MB page, the allocation failed and the process aborted).
    let open: String = (0..250).map(|i| format!("<b class=c{i}>")).collect();
    let foster = format!("<html><body><p>{open}<table>{}</table></body></html>", "x<tr>".repeat(5_000));
    a_page_record_fails_alone(tmp.path(), &foster, "would make over 1000000 elements");
    // Each formatting tag is compared with the active ones of its name,
    // attribute by attribute: 3,000 nested `<b>`s of 30 attributes, 17.7 s.
    let attrs: String = (0..30).map(|k| format!(" a{k}=v")).collect();
    let ark: String = (0..1_000).map(|i| format!("<b{attrs} n={i}>")).collect();
    let ark = format!("<html><body><p>{ark}x</p></body></html>");
    a_page_record_fails_alone(tmp.path(), &ark, "compared with too many open ones like them");
    // `</b>` with a block open inside it leaves the block open (the
    // adoption agency): 80,000 of `<b><div></b>` nest 160,000 deep, 30 s.
    let adoption = format!("<html><body>{}</body></html>", "<b><div></b>".repeat(30_000));
    a_page_record_fails_alone(tmp.path(), &adoption, "nests too deep");
}
