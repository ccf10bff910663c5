//! One test per bug found in review, named for what broke.

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{clean_quiet, clean_with, descrape, records, tree, write};

/// `descrape clean INPUTS -o OUT` fails some documents (exit 1), saying `message`.
fn clean_fails_some(inputs: &[&std::path::Path], out: &std::path::Path, message: &str) {
    descrape()
        .arg("clean")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(message));
}

/// `descrape clean -q --output-format text INPUT -o OUT`, run.
fn clean_as_text(input: &std::path::Path, out: &std::path::Path) -> assert_cmd::assert::Assert {
    clean_with(["--output-format", "text"], input, out)
}

/// `descrape clean -q --no-default-rules RULES... INPUT -o OUT`, run to
/// success; the output tree.
fn clean_with_only(
    rules: &[&std::ffi::OsStr],
    input: &std::path::Path,
    out: &std::path::Path,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let rules = rules.iter().flat_map(|r| ["--rules".as_ref(), *r]);
    clean_with(std::iter::once("--no-default-rules".as_ref()).chain(rules), input, out).success();
    tree(out)
}

/// `descrape eval --json RAW --gold GOLD`, its report.
fn eval_json(raw: &std::path::Path, gold: &std::path::Path) -> serde_json::Value {
    let out = descrape().args(["eval", "--json"]).arg(raw).arg("--gold").arg(gold).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

const CLASH: &str = "is also the output of the input of that name";

#[test]
fn change_log_or_report_on_an_input_is_refused() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let a = write(&input, "a.txt", "Body text.\n\nCulled from Presstv\n");
    for flag in ["--changes", "--report"] {
        descrape()
            .arg("clean")
            .arg(&input)
            .arg("-o")
            .arg(tmp.path().join("out"))
            .arg(flag)
            .arg(&a)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("would overwrite or sit inside the input"));
    }
    let out = tmp.path().join("o.jsonl");
    descrape()
        .args(["clean", "--output-format", "jsonl"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--changes")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is also the output"));
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "Body text.\n\nCulled from Presstv\n");
}

#[test]
fn a_page_whose_output_is_a_text_inputs_name_fails_alone() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "story", "<html><body><p>The page story text.</p></body></html>");
    write(&input, "story.txt", "A plain text story.\n");
    let out = tmp.path().join("out");
    clean_fails_some(&[&input], &out, CLASH);
    assert_eq!(std::fs::read_to_string(out.join("story.txt")).unwrap(), "A plain text story.\n");
    let recs = records(&out.join(".descrape/changes.jsonl"));
    assert!(recs.iter().any(|r| r["type"] == "failed" && r["file"] == "story"));
}

#[test]
fn a_page_and_a_text_file_named_on_the_command_line_never_share_an_output() {
    let tmp = TempDir::new().unwrap();
    let page = write(tmp.path(), "d1/a.html", "<html><body><p>The page story text.</p></body></html>");
    let text = write(tmp.path(), "d2/a.html.txt", "A plain text story.\n");
    let out = tmp.path().join("out");
    clean_fails_some(&[&page, &text], &out, CLASH);
    assert_eq!(std::fs::read_to_string(out.join("a.html.txt")).unwrap(), "A plain text story.\n");
}

#[test]
fn a_page_named_on_the_command_line_ignores_a_file_beside_it_that_is_not_an_input() {
    let tmp = TempDir::new().unwrap();
    let page = write(tmp.path(), "in/a.html", "<html><body><p>The page story text.</p></body></html>");
    write(tmp.path(), "in/a.html.txt", "Not an input.\n");
    let out = tmp.path().join("out");
    clean_quiet(&page, &out).success();
    assert_eq!(std::fs::read_to_string(out.join("a.html.txt")).unwrap(), "The page story text.\n");
}

#[cfg(target_os = "linux")]
#[test]
fn a_page_and_a_text_input_whose_folders_read_alike_never_share_an_output() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let (d1, d2) =
        (input.join(std::ffi::OsStr::from_bytes(b"\xff")), input.join(std::ffi::OsStr::from_bytes(b"\xfe")));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    std::fs::write(d1.join("a.html"), "<html><body><p>The page story text.</p></body></html>").unwrap();
    std::fs::write(d2.join("a.html.txt"), "A plain text story.\n").unwrap();
    let out = tmp.path().join("out");
    clean_fails_some(&[&input], &out, CLASH);
    assert_eq!(tree(&out).len(), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_never_share_an_output() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")), "Story one.\n").unwrap();
    std::fs::write(input.join(std::ffi::OsStr::from_bytes(b"caf\xe8.txt")), "Story two.\n").unwrap();
    let out = tmp.path().join("out");
    clean_fails_some(&[&input], &out, "not valid UTF-8");
    assert_eq!(tree(&out).len(), 1);
}

#[test]
fn deeply_nested_pages_do_not_overflow_the_stack() {
    let tmp = TempDir::new().unwrap();
    let n = 20_000;
    let page =
        format!("<html><body>{}<p>deep text</p>{}</body></html>", "<div>".repeat(n), "</div>".repeat(n));
    let input = write(tmp.path(), "in/deep.html", page);
    let out = tmp.path().join("out");
    clean_quiet(input.parent().unwrap(), &out).success();
    assert_eq!(std::fs::read_to_string(out.join("deep.html.txt")).unwrap(), "deep text\n");
}

/// 100 JSON Lines records, gzipped and cut to three quarters.
fn truncated_gzip_records() -> Vec<u8> {
    let mut lines = String::new();
    for i in 0..100 {
        lines.push_str(&format!("{{\"id\":\"d{i}\",\"text\":\"Story number {i} with some words.\"}}\n"));
    }
    let mut gz = crate::util::gzip(lines.as_bytes());
    gz.truncate(gz.len() * 3 / 4);
    gz
}

#[test]
fn a_truncated_jsonl_file_keeps_the_records_read_before_the_error() {
    let tmp = TempDir::new().unwrap();
    let gz = truncated_gzip_records();
    let input = write(tmp.path(), "in.jsonl.gz", gz);
    let out = tmp.path().join("out.jsonl");
    descrape()
        .args(["clean", "--input-format", "jsonl", "--output-format", "jsonl"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read `in.jsonl.gz` after line"));
    let written = std::fs::read_to_string(&out).unwrap().lines().count();
    assert!(written > 0, "records read before the error were dropped");
}

#[test]
fn a_record_that_cannot_be_written_is_logged_as_failed() {
    let tmp = TempDir::new().unwrap();
    let input = write(
        tmp.path(),
        "d.jsonl",
        "{\"id\":\"a\",\"text\":\"One story.\\n\\nCulled from Presstv\"}\n{\"id\":\"b\",\"text\":\"Two story.\"}\n",
    );
    // A directory where the second record's text goes.
    std::fs::create_dir_all(tmp.path().join("out/d/b.txt")).unwrap();
    let log = tmp.path().join("ch.jsonl");
    descrape()
        .args(["clean", "-q", "--input-format", "jsonl"])
        .arg(&input)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .arg("--changes")
        .arg(&log)
        .assert()
        .code(1);
    let recs = records(&log);
    let failed: Vec<_> = recs.iter().filter(|r| r["type"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["error"].as_str().unwrap().contains("cannot write"), "{failed:?}");
    assert_eq!(std::fs::read_to_string(tmp.path().join("out/d/a.txt")).unwrap(), "One story.");
}

/// `a b` and `a_b` are one name once made file-safe: the later record
/// failed, and its text was missing from the output.
#[test]
fn records_whose_ids_are_one_file_safe_name_are_all_written() {
    let tmp = TempDir::new().unwrap();
    let input = write(
        tmp.path(),
        "d.jsonl",
        "{\"id\":\"a b\",\"text\":\"One.\"}\n{\"id\":\"a_b\",\"text\":\"Two.\"}\n{\"id\":\"a/b\",\"text\":\"Three.\"}\n",
    );
    for jobs in ["1", "2"] {
        let out = tmp.path().join(format!("out{jobs}"));
        clean_with(["--output-format", "text", "-j", jobs], &input, &out).success();
        let files = tree(&out);
        let texts: Vec<(&str, &[u8])> = files.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
        assert_eq!(
            texts,
            [("d/a_b.txt", &b"One."[..]), ("d/a_b~2.txt", &b"Two."[..]), ("d/a_b~3.txt", &b"Three."[..])]
        );
    }
}

#[test]
fn a_span_that_empties_a_line_is_seen_by_head_guards_and_runs() {
    let tmp = TempDir::new().unwrap();
    let rules = write(
        tmp.path(),
        "r.yaml",
        "- id: t.span\n  doc: d\n  match: span\n  pattern: 'SPAN'\n- id: t.head\n  doc: d\n  match: line\n  pattern: '^HEAD'\n  where: head\n  within: 1\n- id: t.run\n  doc: d\n  match: run\n  pattern: '^RUN'\n  min_lines: 2\n",
    );
    let input = tmp.path().join("in");
    write(&input, "a.txt", "SPAN\nHEAD top\nThe story.\n");
    write(&input, "b.txt", "RUN a\nSPAN SPAN\nRUN b\nStory.\n");
    write(&input, "c.txt", "Hello world   SPAN\n");
    let files = clean_with_only(&[rules.as_os_str(), "@nlp".as_ref()], &input, &tmp.path().join("out"));
    assert_eq!(files["a.txt"], b"The story.\n");
    assert_eq!(files["b.txt"], b"Story.\n");
    assert_eq!(files["c.txt"], b"Hello world\n");
}

#[test]
fn standard_input_is_outside_path_scoped_rules() {
    let tmp = TempDir::new().unwrap();
    let rules = write(
        tmp.path(),
        "scope.yaml",
        "- id: t.noise\n  doc: d\n  match: line\n  pattern: '^NOISE$'\n  scope:\n    path: '**'\n",
    );
    let out = descrape()
        .args(["clean", "-", "-q", "--no-default-rules", "--rules"])
        .arg(&rules)
        .write_stdin("Story.\nNOISE\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(out, b"Story.\nNOISE\n");
}

#[test]
fn a_meta_without_a_charset_value_does_not_hide_a_later_declaration() {
    let mut page = b"<html><head><meta name=\"description\" content=\"charset guide\"><meta charset=\"windows-1251\"></head><body><p>".to_vec();
    page.extend(b"\xcf\xf0\xe8\xe2\xe5\xf2");
    page.extend(b"</p></body></html>");
    match descrape::decode::decode_page(page) {
        descrape::decode::Decoded::Text { source, .. } => {
            assert_eq!(source.encoding, "windows-1251");
            assert!(!source.detected);
        }
        descrape::decode::Decoded::Binary { .. } => panic!("binary"),
    }
}

#[test]
fn only_a_meta_charset_the_browser_reads_decides_a_pages_encoding() {
    // A `charset=` in a description, a commented-out `<meta>` or a
    // `data-charset` attribute was taken as the declaration, and a UTF-8
    // page came out as KOI8-R (the reviewer's finding); x-user-defined is
    // read as Windows-1252, as browsers do.
    let tmp = TempDir::new().unwrap();
    let story = "<p>Café crème brûlée is a dessert many people enjoy every day of the week.</p>";
    for (i, decoy) in [
        "<meta name=\"description\" content=\"How to set charset=koi8-r in Apache\">",
        "<!-- old: <meta charset=\"koi8-r\"> -->",
        "<meta name=\"x\" data-charset=\"koi8-r\">",
    ]
    .into_iter()
    .enumerate()
    {
        let head = format!("{decoy}<meta charset=\"utf-8\">");
        write(
            tmp.path(),
            &format!("in/{i}.html"),
            format!("<html><head>{head}</head><body>{story}</body></html>"),
        );
    }
    let latin1: Vec<u8> = "<html><head><meta charset=\"x-user-defined\"></head><body><p>Café crème is served here every day.</p></body></html>"
        .chars()
        .map(|c| c as u8)
        .collect();
    write(tmp.path(), "in/x.html", latin1);
    let out = tmp.path().join("out");
    clean_quiet(tmp.path().join("in"), &out).success();
    let pages: Vec<_> = tree(&out).into_iter().filter(|(n, _)| n.ends_with(".txt")).collect();
    assert_eq!(pages.len(), 4);
    for (name, text) in pages {
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("Café crème"), "{name}: {text}");
    }
}

#[test]
fn removing_an_inline_element_leaves_single_spacing() {
    let tmp = TempDir::new().unwrap();
    let rules =
        write(tmp.path(), "promo.yaml", "- id: t.promo\n  doc: d\n  match: selector\n  selector: '.promo'\n");
    let out = descrape()
        .args(["clean", "-", "-q", "--input-type", "html", "--no-default-rules", "--rules"])
        .arg(&rules)
        .write_stdin("<html><body><p>Talks resume. <span class='promo'>Buy now!</span> More talks on Friday.</p></body></html>")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(out, b"Talks resume. More talks on Friday.\n");
}

/// Cleans one page with the CLI; the run must succeed and the change log
/// must rebuild the page's rendered text from the output.
fn page_cleans_and_rebuilds(page: &std::path::Path) -> String {
    page_cleans_and_rebuilds_logged(page).0
}

/// [`page_cleans_and_rebuilds`], with the change log's records.
fn page_cleans_and_rebuilds_logged(page: &std::path::Path) -> (String, Vec<descrape::changelog::Record>) {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let log = tmp.path().join("changes.jsonl");
    descrape()
        .args(["clean", "-q"])
        .arg(page)
        .arg("-o")
        .arg(&out)
        .arg("--changes")
        .arg(&log)
        .assert()
        .success();
    let name = page.file_name().unwrap().to_string_lossy().to_string();
    let output = std::fs::read_to_string(out.join(format!("{name}.txt"))).unwrap();
    let recs: Vec<descrape::changelog::Record> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rules = descrape::rules::load_default().unwrap();
    let html = std::fs::read_to_string(page).unwrap();
    let rendered = descrape::html::render(&rules, &html, descrape::rules::DocPath::Known(&name));
    assert_eq!(descrape::changelog::rebuild(&output, &recs), rendered.text, "{name}");
    (output, recs)
}

fn repro(name: &str) -> std::path::PathBuf {
    crate::util::repo().join("tests/fixtures/repro").join(name)
}

#[test]
fn an_nbsp_paragraph_opening_a_removed_aside_is_not_removed_twice() {
    let out = page_cleans_and_rebuilds(&repro("html-overlap-aside-starts-with-nbsp-paragraph.html"));
    assert_eq!(out, "The council approved the budget on Monday after a long debate.\n");
}

#[test]
fn an_nbsp_paragraph_closing_a_removed_header_is_not_removed_twice() {
    let out = page_cleans_and_rebuilds(&repro("html-overlap-header-ends-with-nbsp-paragraph.html"));
    assert_eq!(out, "The council approved the budget on Monday after a long debate.\n");
}

#[test]
fn a_nav_holding_only_nbsp_is_not_removed_twice() {
    page_cleans_and_rebuilds(&repro("html-overlap-nbsp-nav.html"));
}

#[test]
fn whitespace_in_a_pre_inside_a_removed_nav_is_not_removed_twice() {
    let out = page_cleans_and_rebuilds(&repro("html-overlap-pre-whitespace.html"));
    assert_eq!(out, "The council approved the budget on Monday after a long debate.\n");
}

#[test]
fn a_blogger_post_widget_holding_the_story_is_not_removed_as_a_sidebar() {
    // Blogger wraps the post in `div#Blog1.widget.Blog`, and writes its
    // text with `<br>`, not `<p>`; `html.sidebar` matches `.widget`.
    let story = [
        "The footbridge over the mill stream in Lower Haddon will close for six weeks from Monday while engineers replace its rotten deck boards and the handrails on both sides.",
        "The parish council said walkers heading to the school and the village shop should use the lane past the church, which adds about ten minutes to the walk.",
        "Volunteers from the river trust will use the closure to clear fallen branches from the stream bed and repair the stone wall below the old mill.",
        "The council expects the bridge to reopen before the summer fair in July, when thousands of visitors cross it on the way to the meadow.",
    ];
    let page = format!(
        "<html><body><div class='content'><div class='main section' id='main'>\
         <div class='widget Blog' id='Blog1'><div class='post hentry'><h3 class='post-title'>Footbridge to close for repairs</h3>\
         <div class='post-body entry-content'>{}</div></div></div></div>\
         <div class='sidebar section' id='sidebar-right-1'><div class='widget PopularPosts' id='PopularPosts1'><h2>Popular posts</h2>\
         <ul><li><a href='/a'>Fete raises record sum</a></li><li><a href='/b'>New bus timetable</a></li></ul></div></div></div></body></html>",
        story.join("<br><br>")
    );
    let out = descrape()
        .args(["clean", "-", "-q", "--input-type", "html"])
        .write_stdin(page)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for para in story {
        assert!(out.contains(para), "lost: {para}\n--- output\n{out}");
    }
    assert!(!out.contains("Popular posts"), "{out}");
}

#[test]
fn a_meta_content_type_ending_in_charset_does_not_fail_the_page() {
    // Found by the html_page fuzz target: html5ever 0.39 indexed past the end
    // of `content="text/html; charset"` and panicked (vendor/html5ever).
    let out = page_cleans_and_rebuilds(&repro("html-meta-charset-end.html"));
    assert_eq!(
        out,
        "The council voted on Monday to approve the new budget for next year, the mayor said in a statement.\n"
    );
}

#[test]
fn a_block_over_text_a_page_rule_removed_logs_no_blank_line_edits() {
    // A `Comments` heading and its thread outside the main text: the block
    // rules that start there used to take the blank lines between the
    // comments as edits of their own, which removed nothing.
    let (_, recs) = page_cleans_and_rebuilds_logged(&repro("html-thread-outside-main-text.html"));
    let blank_only: Vec<_> = recs
        .iter()
        .filter(
            |r| matches!(r, descrape::changelog::Record::Edit { removed, .. } if removed.trim().is_empty()),
        )
        .collect();
    assert!(blank_only.is_empty(), "{blank_only:?}");
}

#[test]
fn fuzzed_pages_whose_removals_overlapped_clean_without_failing() {
    // Found by the html_page fuzz target before the overlap fix: the same
    // bug as the reproducers above, reached through other markup (and bytes
    // that are not UTF-8, so the pages are decoded by detection).
    let tmp = TempDir::new().unwrap();
    let pages = tmp.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    for n in 1..=3 {
        let name = format!("fuzz-html-overlap-{n}.html");
        std::fs::copy(repro(&name), pages.join(&name)).unwrap();
    }
    let log = tmp.path().join("changes.jsonl");
    descrape()
        .args(["clean", "-q"])
        .arg(&pages)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .arg("--changes")
        .arg(&log)
        .assert()
        .success();
    let recs = records(&log);
    assert!(recs.iter().all(|r| r["type"] != "failed"), "{recs:?}");
    for n in 1..=3 {
        assert!(tmp.path().join(format!("out/fuzz-html-overlap-{n}.html.txt")).is_file());
    }
}

#[test]
fn a_page_or_text_with_a_bom_and_a_nul_byte_is_skipped_as_binary_at_the_files_offset() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.html", b"\xEF\xBB\xBF<p>Story.</p>\x00\x01".as_slice());
    write(&input, "b.txt", b"\xEF\xBB\xBFStory.\x00\x01".as_slice());
    let out = tmp.path().join("out");
    descrape().arg("clean").arg(&input).arg("-o").arg(&out).arg("-q").assert().success();
    let recs = records(&out.join(".descrape/changes.jsonl"));
    let reasons: Vec<&str> =
        recs.iter().filter(|r| r["type"] == "skipped").map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 2, "{recs:?}");
    assert!(reasons[0].contains("NUL byte at offset 16"), "{reasons:?}");
    assert!(reasons[1].contains("NUL byte at offset 9"), "{reasons:?}");
    assert!(!out.join("a.txt").exists() && !out.join("b.txt").exists());
}

#[test]
fn story_lines_written_to_break_the_rules_are_kept() {
    // tests/fixtures/adversarial: each line a default rule once removed
    // from a document where it is the story's own.
    let cases = records(&crate::util::repo().join("tests/fixtures/adversarial/kept.jsonl"));
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    for (i, case) in cases.iter().enumerate() {
        write(&input, &format!("{i:02}.txt"), case["doc"].as_str().unwrap());
    }
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).success();
    let files = tree(&out);
    for (i, case) in cases.iter().enumerate() {
        let text = String::from_utf8(files[&format!("{i:02}.txt")].clone()).unwrap();
        let line = case["line"].as_str().unwrap();
        assert!(format!("\n{text}\n").contains(&format!("\n{line}\n")), "{} removed {line:?}", case["rule"]);
    }
}

#[cfg(unix)]
#[test]
fn a_link_inside_the_output_to_an_input_directory_is_not_written_through() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let story = "The council met on Monday.\n\nFollow us on Twitter\n";
    let a = write(&input.join("sub"), "a.txt", story);
    write(&input, "b.txt", "Another story.\n");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(input.join("sub"), out.join("sub")).unwrap();
    clean_fails_some(&[&input], &out, "is a symbolic link, and outputs are not written through links");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), story);
    assert_eq!(std::fs::read_to_string(out.join("b.txt")).unwrap(), "Another story.\n");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_given_as_input_is_read_once_and_cleaned() {
    let tmp = TempDir::new().unwrap();
    let sample = crate::util::repo().join("samples/raw/002_2bd8b93181a83e87.txt");
    let text = std::fs::read(&sample).unwrap();
    let want = tmp.path().join("want");
    descrape().args(["clean", "-q"]).arg(&sample).arg("-o").arg(&want).assert().success();
    let pipe = tmp.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success());
    let writer = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::write(pipe, text))
    };
    let out = tmp.path().join("out");
    // The counting pass of site repetition read the pipe empty before the
    // run did, and the output was empty.
    descrape()
        .arg("clean")
        .arg(&pipe)
        .arg("-o")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stderr(predicate::str::contains("cannot be read twice"));
    writer.join().unwrap().unwrap();
    assert_eq!(
        std::fs::read(out.join("pipe")).unwrap(),
        std::fs::read(want.join("002_2bd8b93181a83e87.txt")).unwrap()
    );
}

#[test]
fn a_json_lines_story_without_line_breaks_is_not_removed_by_a_notice_glued_to_it() {
    let sentence =
        "The minister said on Tuesday that the new port rules would take effect next month after a review.";
    let story = vec![sentence; 40].join(" ");
    let glued = format!("{story} Our website can also be accessed at the following alternate addresses:");
    let input = serde_json::json!({ "id": "a", "text": glued }).to_string() + "\n";
    let out = descrape().args(["clean", "-q", "-", "-o", "-"]).write_stdin(input).assert().success();
    let record: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // The block rule for the notice took the whole record, which is one line.
    assert!(record["text"].as_str().unwrap().starts_with(&story));
}

#[test]
fn a_file_with_lone_cr_line_ends_is_cleaned_line_by_line() {
    let tmp = TempDir::new().unwrap();
    let sample =
        std::fs::read_to_string(crate::util::repo().join("samples/raw/004_c8dd5039b62e9dc9.txt")).unwrap();
    write(&tmp.path().join("lf"), "a.txt", &sample);
    write(&tmp.path().join("cr"), "a.txt", sample.replace('\n', "\r"));
    for dir in ["lf", "cr"] {
        clean_quiet(tmp.path().join(dir), tmp.path().join(format!("{dir}-out"))).success();
    }
    let lf = std::fs::read_to_string(tmp.path().join("lf-out/a.txt")).unwrap();
    let cr = std::fs::read_to_string(tmp.path().join("cr-out/a.txt")).unwrap();
    // One line of 5.7 kB before: a footer rule took the whole file.
    assert!(!cr.is_empty());
    assert_eq!(cr.replace('\r', "\n"), lf);
}

#[cfg(unix)]
#[test]
fn an_input_that_is_a_link_to_a_directory_is_walked_and_not_failed() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", "Body text.\n\nCulled from Presstv\n");
    write(&input, "b.txt", "Another story.\n");
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let out = tmp.path().join("out");
    // The link itself was also read as a file and failed, exit 1.
    descrape()
        .arg("clean")
        .arg(&link)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 files: 1 changed, 1 unchanged, 0 skipped, 0 failed"));
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["a.txt", "b.txt"]);
}

#[test]
fn json_lines_that_start_with_a_byte_order_mark_are_read_as_records() {
    let input =
        "\u{FEFF}{\"id\":\"a\",\"text\":\"Body.\\nFollow us on Twitter\"}\n{\"id\":\"b\",\"text\":\"B.\"}\n";
    let want = "{\"id\":\"a\",\"text\":\"Body.\"}\n{\"id\":\"b\",\"text\":\"B.\"}\n";
    // On standard input the mark hid the format and the stream went through uncleaned.
    descrape().args(["clean", "-q", "-", "-o", "-"]).write_stdin(input).assert().success().stdout(want);
    // In a file, the first record was malformed.
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "in.jsonl", input);
    let out = tmp.path().join("out.jsonl");
    descrape().args(["clean", "-q"]).arg(&file).arg("-o").arg(&out).assert().success();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), want);
}

#[test]
fn a_change_log_where_a_documents_output_goes_is_refused() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", "Body text.\n\nCulled from Presstv\n");
    let out = tmp.path().join("out");
    // It overwrote the cleaned `a.txt`, exit 0.
    descrape()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--changes")
        .arg(out.join("a.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is where the output of"));
    let log = out.join("changes.jsonl");
    descrape()
        .arg("clean")
        .arg("-q")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--changes")
        .arg(&log)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "Body text.\n");
    assert_eq!(records(&log).len(), 1);
}

#[test]
fn records_with_ids_too_long_for_a_file_name_get_names_of_their_own() {
    let tmp = TempDir::new().unwrap();
    let lines: Vec<String> = [300, 299]
        .iter()
        .map(|n| serde_json::json!({ "id": "x".repeat(*n), "text": format!("Body {n}.") }).to_string())
        .collect();
    let file = write(tmp.path(), "long.jsonl", lines.join("\n") + "\n");
    let out = tmp.path().join("out");
    // Each failed with "File name too long", exit 1.
    descrape()
        .args(["clean", "-q", "--output-format", "text"])
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let names: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(names.len(), 2);
    assert!(names.iter().all(|n| n.len() < 255), "{names:?}");
}

#[test]
fn a_shard_that_cannot_be_read_whole_gets_no_output_shard() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let gz = truncated_gzip_records();
    write(&input, "cut.jsonl.gz", gz);
    write(&input, "bad.jsonl.gz", "not gzip at all");
    write(&input, "good.jsonl", "{\"id\":\"g\",\"text\":\"A whole story.\"}\n");
    let out = tmp.path().join("out");
    clean_fails_some(&[&input], &out, "cannot read `cut.jsonl.gz` after line");
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["good.jsonl"]);
    let failed: Vec<_> = records(&out.join(".descrape/changes.jsonl"))
        .into_iter()
        .filter(|r| r["type"] == "failed")
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed, ["bad.jsonl.gz", "cut.jsonl.gz"]);
}

#[test]
fn utf32_with_a_bom_is_decoded_as_utf32() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    for c in "Grüße aus München.\nCulled from Presstv".chars() {
        utf32.extend((c as u32).to_le_bytes());
    }
    write(&input, "utf32.txt", utf32);
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).success();
    assert_eq!(std::fs::read_to_string(out.join("utf32.txt")).unwrap(), "Grüße aus München.");
    let decoded: Vec<_> = records(&out.join(".descrape/changes.jsonl"))
        .into_iter()
        .filter(|r| r["type"] == "decoded")
        .collect();
    assert_eq!(decoded[0]["encoding"], "UTF-32LE");
}

#[test]
fn a_missing_output_is_refused_before_the_inputs_are_listed() {
    let tmp = TempDir::new().unwrap();
    // An unreadable input would be the first error if the inputs were listed first.
    descrape()
        .arg("clean")
        .arg(tmp.path().join("no-such-dir"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("an output is needed: -o OUT"));
}

#[test]
fn a_rules_file_that_is_not_utf8_is_pointed_at_its_bad_byte() {
    let tmp = TempDir::new().unwrap();
    let rules = write(
        tmp.path(),
        "bad.yaml",
        b"- id: a.b\n  doc: x\n  match: line\n  pattern: \"caf\xe9\"\n".as_slice(),
    );
    check_refuses(&rules, "bad.yaml:4:16: not valid UTF-8 (byte 0xE9)");
}

#[test]
fn a_rules_directory_skips_hidden_files_and_a_file_named_twice_loads_once() {
    // An editor's lock file or macOS's `._` copy in a rules directory
    // failed the run; a file named both alone and through its directory
    // was reported as defining each of its ids twice.
    let tmp = TempDir::new().unwrap();
    let rule = "- id: site.x\n  doc: d\n  match: line\n  pattern: '^x$'\n";
    let file = write(tmp.path(), "rules/site.yaml", rule);
    write(tmp.path(), "rules/._site.yaml", b"\x00\x05\x16\x07 not yaml".as_slice());
    write(tmp.path(), "rules/.#site.yaml", "broken: [");
    write(tmp.path(), "rules/MORE.YAML", "- id: site.y\n  doc: d\n  match: line\n  pattern: '^y$'\n");
    let dir = tmp.path().join("rules");
    let out = descrape()
        .arg("check")
        .arg(&dir)
        .arg(&file)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["rules"], 2, "{report}");
}

#[test]
fn eval_names_a_gold_path_it_cannot_read() {
    // It said "eval needs two directories" for a gold path that did not exist.
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "raw/a.txt", "Story.\n");
    descrape()
        .arg("eval")
        .arg(tmp.path().join("raw"))
        .arg("--gold")
        .arg(tmp.path().join("glod"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read gold").and(predicate::str::contains("glod")));
}

#[test]
fn a_page_whose_name_is_near_the_limit_gets_a_shortened_output_name() {
    // `.txt` took a 250-byte page name past the file system's 255 bytes:
    // "File name too long".
    let tmp = TempDir::new().unwrap();
    let name = format!("{}.html", "a".repeat(250));
    write(tmp.path(), &format!("in/{name}"), "<html><body><p>A story about the council.</p></body></html>");
    let out = tmp.path().join("out");
    clean_quiet(tmp.path().join("in"), &out).success();
    let written: Vec<String> = tree(&out).into_keys().filter(|n| n.ends_with(".txt")).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(written[0].len() <= 255 && written[0].starts_with("aaaa"), "{written:?}");
}

/// `check --rules FILE` fails with exit 2 and `message` on stderr.
fn check_refuses(rules: &std::path::Path, message: &str) {
    descrape()
        .arg("check")
        .arg("--rules")
        .arg(rules)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
}

#[test]
fn rules_file_slips_are_pointed_at_where_they_are() {
    let tmp = TempDir::new().unwrap();
    let tab = write(tmp.path(), "tab.yaml", "- id: a.b\n  doc: x\n\tmatch: line\n  pattern: 'x'\n");
    let twice = write(
        tmp.path(),
        "twice.yaml",
        "- id: a.b\n  doc: x\n  match: line\n  match: line\n  pattern: 'x'\n",
    );
    for (rules, message) in [
        (&tab, "tab.yaml:3:1: while scanning a plain scalar, found a tab"),
        (&twice, "twice.yaml:4:3: `match` is given twice in the same mapping"),
    ] {
        check_refuses(rules, message);
    }
}

#[cfg(unix)]
#[test]
fn a_linked_file_input_is_written_under_its_own_name() {
    let tmp = TempDir::new().unwrap();
    let story = write(tmp.path(), "in/story.txt", "A story.\n");
    let link = tmp.path().join("in/link.txt");
    std::os::unix::fs::symlink(&story, &link).unwrap();
    let out = tmp.path().join("out");
    descrape().arg("clean").arg(&link).arg("-o").arg(&out).arg("-q").assert().success();
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["link.txt"]);
}

#[test]
fn an_empty_input_directory_beside_others_is_warned_of() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "full/a.txt", "A story.\n");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    descrape()
        .arg("clean")
        .arg(tmp.path().join("full"))
        .arg(&empty)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .arg("-q")
        .assert()
        .success()
        .stderr(
            predicate::str::contains("warning: the input directory")
                .and(predicate::str::contains("is empty")),
        );
}

#[cfg(unix)]
#[test]
fn an_output_on_standard_inputs_file_is_refused() {
    // `descrape clean - -o in.jsonl < in.jsonl` replaced the input with
    // its output, `--changes in.jsonl` with the log, and `>> in.jsonl`
    // under `-o -` read its own output back until the disk filled.
    let tmp = TempDir::new().unwrap();
    let body = "{\"id\":\"a\",\"text\":\"A story.\\nShare this story!\\n\"}\n";
    let input = write(tmp.path(), "in.jsonl", body);
    let run = |args: &[&str], stdout: std::process::Stdio| {
        std::process::Command::new(env!("CARGO_BIN_EXE_descrape"))
            .current_dir(tmp.path())
            .args(["clean", "-", "-q"])
            .args(args)
            .stdin(std::fs::File::open(&input).unwrap())
            .stdout(stdout)
            .output()
            .unwrap()
    };
    let appending = || std::fs::OpenOptions::new().append(true).open(&input).unwrap().into();
    for (args, stdout) in [
        (&["-o", "in.jsonl"][..], std::process::Stdio::null()),
        (&["-o", "out.jsonl", "--changes", "in.jsonl"][..], std::process::Stdio::null()),
        (&["-o", "out.jsonl", "--report", "in.jsonl"][..], std::process::Stdio::null()),
        (&["-o", "-"][..], appending()),
        (&[][..], appending()),
    ] {
        let out = run(args, stdout);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is standard input's file"), "{args:?}: {err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), body, "{args:?}");
    }
    assert!(!tmp.path().join("out.jsonl").exists());
    // Another file, or a pipe, is fine.
    assert!(run(&["-o", "out.jsonl"], std::process::Stdio::null()).status.success());
}

#[test]
fn a_strict_stop_logs_the_text_files_it_wrote() {
    // The files before the malformed line were written, but the log was
    // dropped: an earlier run's log stayed beside them, or none at all.
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let old =
        write(tmp.path(), "old/edge.jsonl", "{\"id\":\"a\",\"text\":\"old text\\nShare this story!\"}\n");
    clean_quiet(&old, &out).success();
    let input = write(
        tmp.path(),
        "edge.jsonl",
        "{\"id\":\"a\",\"text\":\"A story.\\nFollow us on Twitter\\n\"}\n{\"id\":\"b\",\"text\":\"\\ud800\n",
    );
    descrape().arg("clean").arg(&input).arg("-o").arg(&out).args(["--strict", "-q"]).assert().code(2);
    assert_eq!(std::fs::read_to_string(out.join("edge/a.txt")).unwrap(), "A story.\n");
    let log = records(&out.join(".descrape/changes.jsonl"));
    let removed: Vec<&str> = log.iter().filter_map(|r| r["removed"].as_str()).collect();
    assert_eq!(removed, ["Follow us on Twitter\n"]);
}

#[test]
fn a_records_leading_bom_is_taken_off_and_logged() {
    let tmp = TempDir::new().unwrap();
    let input = write(
        tmp.path(),
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"\\ufeffShare this article\\nThe minister said on Monday that the budget would be cut.\"}\n",
    );
    let out = tmp.path().join("out");
    clean_as_text(&input, &out).success();
    let text = std::fs::read_to_string(out.join("in/a.txt")).unwrap();
    assert_eq!(text, "The minister said on Monday that the budget would be cut.");
    let log = records(&out.join(".descrape/changes.jsonl"));
    assert_eq!(log[0]["type"], "decoded");
    assert_eq!(
        (&log[0]["id"], &log[0]["bom"], &log[0]["encoding"]),
        (&"a".into(), &true.into(), &"UTF-8".into())
    );
    assert_eq!(log[1]["rule"], "cta.share");
    // Cleaning the output again changes nothing.
    let again = tmp.path().join("again");
    clean_quiet(&out, &again).success();
    assert_eq!(std::fs::read_to_string(again.join("in/a.txt")).unwrap(), text);
}

/// Python's `json.dumps` escapes half an emoji that a scraper's
/// truncation cut off as a lone `\ud83d`; the record was refused as
/// malformed JSON and went missing from the output.
#[test]
fn a_record_with_a_lone_surrogate_escape_is_cleaned_with_a_replacement_character() {
    let tmp = TempDir::new().unwrap();
    let input = write(
        tmp.path(),
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"The minister said the budget would be cut \\ud83d\\nShare this article\"}\n",
    );
    let out = tmp.path().join("out.jsonl");
    let changes = tmp.path().join("changes.jsonl");
    clean_with(["--changes".as_ref(), changes.as_os_str()], &input, &out).success();
    let written = records(&out);
    assert_eq!(written[0]["text"], "The minister said the budget would be cut \u{fffd}");
    let log = records(&changes);
    assert_eq!(log[0]["type"], "decoded");
    assert_eq!((&log[0]["id"], &log[0]["line"], &log[0]["lossy"]), (&"a".into(), &1.into(), &true.into()));
    assert_eq!(log[1]["rule"], "cta.share");
    // On standard input, such a first line still says JSON Lines.
    descrape()
        .args(["clean", "-", "-q"])
        .write_stdin("{\"id\":\"a\",\"text\":\"Hello \\ud83d world.\"}\n")
        .assert()
        .success()
        .stdout("{\"id\":\"a\",\"text\":\"Hello \u{fffd} world.\"}\n");
}

#[test]
fn json_lines_written_as_text_go_under_the_stem_without_json() {
    // `a.json.gz` made a directory `a.json/`, `b.ndjson` one `b.ndjson/`.
    let tmp = TempDir::new().unwrap();
    let record = "{\"id\":\"r1\",\"text\":\"The council met on Monday.\"}\n";
    let input = tmp.path().join("in");
    write(&input, "a.json.gz", crate::util::gzip(record.as_bytes()));
    write(&input, "b.ndjson", record);
    let out = tmp.path().join("out");
    clean_as_text(&input, &out).success();
    let files: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(files, ["a/r1.txt", "b/r1.txt"]);
}

#[test]
fn json_lines_files_that_would_share_a_text_directory_are_refused() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.jsonl", "{\"id\":\"r1\",\"text\":\"One.\"}\n");
    write(&input, "a.ndjson", "{\"id\":\"r1\",\"text\":\"Two.\"}\n");
    let out = tmp.path().join("out");
    clean_as_text(&input, &out).code(2).stderr(predicate::str::contains(
        "`a.jsonl` and `a.ndjson` would both be written as text under `a/`",
    ));
    assert!(!out.exists());
}

#[test]
fn a_bom_on_raw_and_gold_records_scores_as_the_same_text() {
    let tmp = TempDir::new().unwrap();
    let record = "{\"id\":\"a\",\"text\":\"\\ufeffThe council met on Monday.\"}\n";
    let raw = write(tmp.path(), "raw.jsonl", record);
    let gold = write(tmp.path(), "gold.jsonl", record);
    let out = descrape()
        .args(["eval", "--no-default-rules", "--json"])
        .arg(&raw)
        .arg("--gold")
        .arg(&gold)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["counts"]["missed"], 0, "{report}");
    // A record without an id is named by its line.
    let input = write(tmp.path(), "n.jsonl", "{\"text\":\"Plain.\"}\n{\"text\":\"\\ufeffOther.\"}\n");
    let log = tmp.path().join("log.jsonl");
    descrape()
        .args(["clean", "-q", "-o"])
        .arg(tmp.path().join("o.jsonl"))
        .arg("--changes")
        .arg(&log)
        .arg(&input)
        .assert()
        .success();
    let decoded: Vec<_> = records(&log).into_iter().filter(|r| r["type"] == "decoded").collect();
    assert_eq!(decoded.len(), 1);
    assert_eq!(decoded[0]["line"], 2);
}

/// A file whose name is not UTF-8 was cleaned, but `eval` looked for its
/// gold under the converted name and reported it without gold.
#[cfg(target_os = "linux")]
#[test]
fn eval_finds_the_gold_of_a_file_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    for (dir, text) in
        [("raw", "The council met on Monday.\nShare this story!\n"), ("gold", "The council met on Monday.\n")]
    {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        std::fs::write(tmp.path().join(dir).join(name), text).unwrap();
    }
    let (raw, gold) = (tmp.path().join("raw"), tmp.path().join("gold"));
    let report = eval_json(&raw, &gold);
    assert_eq!(
        (&report["files"], &report["files_without_gold"]),
        (&1.into(), &serde_json::json!([])),
        "{report}"
    );
    assert_eq!(report["counts"]["true_removed"], 3, "{report}");
    // A gold file whose name converts alike but whose bytes differ is
    // another file's: beside the right one it is not taken, alone it is
    // no gold.
    let other = tmp.path().join("gold").join(std::ffi::OsStr::from_bytes(b"caf\xe8.txt"));
    std::fs::write(&other, "Another story altogether.\n").unwrap();
    assert_eq!(eval_json(&raw, &gold)["counts"]["true_removed"], 3);
    std::fs::remove_file(gold.join(name)).unwrap();
    let report = eval_json(&raw, &gold);
    assert_eq!(report["files_without_gold"], serde_json::json!(["caf\u{fffd}.txt"]), "{report}");
}

/// A page's gold is its name with `.txt` added: for a name that is not
/// UTF-8, that too was looked for under the converted name.
#[cfg(target_os = "linux")]
#[test]
fn eval_finds_the_gold_of_a_page_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new().unwrap();
    let page = "<html><body><h1>Council</h1><p>The council met on Monday and approved the budget for next \
                year after a long debate, officials said.</p><p>Share this story!</p></body></html>";
    let gold =
        "Council\n\nThe council met on Monday and approved the budget for next year after a long debate, \
                officials said.\n";
    for (dir, name, text) in [("raw", &b"caf\xe9.html"[..], page), ("gold", &b"caf\xe9.html.txt"[..], gold)] {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        std::fs::write(tmp.path().join(dir).join(std::ffi::OsStr::from_bytes(name)), text).unwrap();
    }
    let report = eval_json(&tmp.path().join("raw"), &tmp.path().join("gold"));
    assert_eq!(report["files_without_gold"], serde_json::json!([]), "{report}");
    assert_eq!(report["counts"]["true_removed"], 3, "{report}");
}

#[test]
fn a_closing_list_above_a_removed_footer_is_not_taken_item_by_item() {
    // Once the footer went, the tag rules saw each of the list's items as
    // the last line in turn and took the awards and the pupils' names.
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let list = "Stars of the Week\nYear Four – Freya Brown\nYear Five – Leo Davies\nYear Six – Ruby Evans\n\
                Attendance Award\nClass Willow\nReading Champions\nHarry Taylor\nSophie Wilson\nMia Roberts\n";
    let story =
        "What a busy and happy half term it has been for everyone at Oakfield Primary, and thank you all.\n";
    write(&input, "a.txt", format!("{story}{list}Log In\nPrivacy Notice\nCookie Policy\n"));
    let out = tmp.path().join("out");
    clean_as_text(&input, &out).success();
    assert_eq!(String::from_utf8(tree(&out)["a.txt"].clone()).unwrap(), format!("{story}{list}"));
}

#[test]
fn a_line_rules_unless_after_reads_the_line_the_other_rules_leave_above() {
    let tmp = TempDir::new().unwrap();
    let rules = write(
        tmp.path(),
        "r.yaml",
        "- id: t.tag\n  doc: d\n  match: line\n  pattern: '^[A-Z]\\w+ [A-Z]\\w+$'\n  unless_after: '^[A-Z]\\w+ [A-Z]\\w+$'\n  where: tail\n  within: 1\n\
         - id: t.foot\n  doc: d\n  match: line\n  pattern: '^FOOT'\n",
    );
    let input = tmp.path().join("in");
    // A list's items: none is taken, from below or otherwise.
    write(&input, "list.txt", "The story ends here.\nAmelia Jones\nOliver Smith\nIsla Patel\nFOOT\n");
    // The line above goes by another rule: the story's sentence is then
    // the line above, and the tag line goes.
    write(&input, "tag.txt", "The story ends here.\nFOOT note\nIran Syria\n");
    let files = clean_with_only(&[rules.as_os_str()], &input, &tmp.path().join("out"));
    assert_eq!(files["list.txt"], b"The story ends here.\nAmelia Jones\nOliver Smith\nIsla Patel\n");
    assert_eq!(files["tag.txt"], b"The story ends here.\n");
}
