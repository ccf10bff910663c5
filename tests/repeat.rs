//! Boilerplate that repeats across a scrape: `suggest`, the `repeated`
//! rule kind (two passes, deterministic, story text guarded), counts files
//! for streams, and `diff --against`.

use std::path::Path;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{descrape, records, tree, write};

/// Three sites of twelve articles: each site has its own poll block at the
/// head and sign-off block at the tail; five articles of each site share a
/// quote (story text); the rest of every article is its own.
fn multisite(dir: &Path) {
    const TOPICS: [&str; 12] = [
        "harbour", "budget", "schools", "rail", "housing", "water", "parks", "library", "bridge", "clinic",
        "market", "airport",
    ];
    const VERBS: [&str; 12] = [
        "approves", "delays", "rejects", "reviews", "funds", "debates", "expands", "closes", "opens", "cuts",
        "backs", "studies",
    ];
    for (s, site) in ["alpha", "bravo", "charlie"].iter().enumerate() {
        for n in 0..12 {
            let (topic, verb) = (TOPICS[(n + s) % 12], VERBS[(n * 5 + s) % 12]);
            let mut text = format!(
                "Take our {site} reader poll - story continues below\nWhich issue matters most to you?\n\nCouncil {verb} {topic} plan\n\n"
            );
            text.push_str(&format!(
                "The {site} council {verb} the {topic} plan after residents asked for changes to the {topic} budget.\n\n"
            ));
            if n < 5 {
                text.push_str(&format!(
                    "“We will keep working for the people of {site} until the job is done,” the mayor said.\n\n"
                ));
            }
            text.push_str(&format!(
                "Officials said the {topic} work would {verb} through the {} season.\n\n",
                VERBS[n]
            ));
            text.push_str(&format!(
                "Sign up for the {site} morning newsletter\nFollow {site} on social media"
            ));
            write(dir, &format!("{site}/{n:02}.txt"), text);
        }
    }
}

#[test]
fn suggest_finds_each_sites_blocks_and_flags_shared_quotes() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    multisite(&input);
    let text = suggest(&[], &input);
    assert!(text.starts_with("36 documents in 3 groups\n"), "{text}");
    for site in ["alpha", "bravo", "charlie"] {
        assert!(text.contains(&format!("== {site}: 12 documents, lines in at least 5 of them ==")));
        assert!(text.contains(&format!("   | Take our {site} reader poll - story continues below\n")));
        assert!(text.contains(&format!("    path: '{site}/**'")));
    }
    assert_eq!(text.matches("block of 2 lines in 12 documents (head)").count(), 3, "{text}");
    assert_eq!(text.matches("block of 2 lines in 12 documents (tail)").count(), 3, "{text}");
    assert_eq!(text.matches("reads like story text").count(), 3, "{text}");
    let v: serde_json::Value = serde_json::from_str(&suggest(&["--json"], &input)).unwrap();
    let first = &v["groups"]["alpha"]["suggestions"][0];
    assert_eq!(first["docs"], 12);
    // The suggested rule is valid and removes what it was suggested for.
    let rule = first["rule"].as_str().unwrap();
    let rules = write(tmp.path(), "suggested.yaml", rule);
    descrape().arg("check").arg("--rules").arg(&rules).assert().success();
}

#[test]
fn repeated_rules_remove_site_chrome_and_keep_shared_quotes() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    multisite(&input);
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q", "--no-default-rules", "--rules", "@repeated"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let a = std::fs::read_to_string(out.join("alpha/00.txt")).unwrap();
    assert!(a.starts_with("Council approves harbour plan\n\n"), "{a}");
    assert!(
        a.contains("“We will keep working for the people of alpha until the job is done,” the mayor said."),
        "{a}"
    );
    assert!(a.ends_with("through the approves season."), "{a}");
    let recs = records(&out.join(".descrape/changes.jsonl"));
    assert!(recs.iter().filter(|r| r["type"] == "edit").all(|r| r["rule"] == "repeated.site-chrome"));
    // The log rebuilds every input.
    for (rel, bytes) in tree(&input) {
        let mine: Vec<descrape::changelog::Record> = recs
            .iter()
            .filter(|r| r["file"] == rel.as_str())
            .map(|r| serde_json::from_value(r.clone()).unwrap())
            .collect();
        let output = std::fs::read_to_string(out.join(&rel)).unwrap();
        assert_eq!(descrape::changelog::rebuild(&output, &mine).as_bytes(), &bytes[..], "{rel}");
    }
}

#[test]
fn repeated_results_do_not_depend_on_threads_or_input_order() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    multisite(&input);
    let run = |name: &str, jobs: &str, order: &[&str]| {
        let out = tmp.path().join(name);
        let mut cmd = descrape();
        cmd.args([
            "clean",
            "-q",
            "--group-by",
            "dir",
            "--no-default-rules",
            "--rules",
            "@repeated",
            "-j",
            jobs,
        ]);
        for site in order {
            cmd.arg(input.join(site));
        }
        cmd.arg("-o").arg(&out).assert().success();
        tree(&out)
    };
    let one = run("a", "1", &["alpha", "bravo", "charlie"]);
    let four = run("b", "4", &["charlie", "alpha", "bravo"]);
    assert_eq!(one, four);
    assert_eq!(one.len(), 36);
}

#[test]
fn streams_use_a_counts_file() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    multisite(&input);
    descrape()
        .args(["clean", "-", "--input-format", "jsonl", "--output-format", "jsonl", "--rules", "@repeated"])
        .write_stdin("{\"id\":\"alpha/x\",\"text\":\"x\"}\n")
        .assert()
        .success()
        .stderr(
            predicate::str::contains("site repetition is off").and(predicate::str::contains("--counts FILE")),
        );
    let counts = tmp.path().join("counts.json");
    descrape().args(["suggest", "--save-counts"]).arg(&counts).arg(&input).assert().success();
    // Records whose ids are the files' paths group as the files do.
    let jsonl: String = tree(&input)
        .into_iter()
        .map(|(rel, bytes)| {
            format!("{}\n", serde_json::json!({"id": rel, "text": String::from_utf8(bytes).unwrap()}))
        })
        .collect();
    let out = descrape()
        .args(["clean", "-", "-q", "--input-format", "jsonl", "--output-format", "jsonl"])
        .args(["--no-default-rules", "--rules", "@repeated", "--counts"])
        .arg(&counts)
        .write_stdin(jsonl)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let files = tmp.path().join("files");
    descrape()
        .args(["clean", "-q", "--no-default-rules", "--rules", "@repeated"])
        .arg(&input)
        .arg("-o")
        .arg(&files)
        .assert()
        .success();
    let want = tree(&files);
    for line in String::from_utf8(out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        assert_eq!(v["text"].as_str().unwrap().as_bytes(), &want[id][..], "{id}");
    }
}

#[test]
fn diff_against_old_rules_reports_what_changes() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    multisite(&input);
    let old = write(
        tmp.path(),
        "old.yaml",
        "- id: site.poll\n  doc: The poll line.\n  match: line\n  pattern: '^Take our \\w+ reader poll'\n",
    );
    let out = descrape()
        .args(["diff", "--no-default-rules", "--rules", "@repeated", "--against"])
        .arg(&old)
        .arg(&input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("36 of 36 documents change: "), "{text}");
    assert!(text.contains("\nrepeated.site-chrome"), "{text}");
    assert!(text.contains("removed: Which issue matters most to you?"), "{text}");
}

/// Peak memory of a `clean` run, from its report.
fn peak_mb(args: &[&str], input: &Path, tmp: &Path, name: &str) -> f64 {
    let report = tmp.join(format!("{name}.json"));
    descrape()
        .args(["clean", "-q"])
        .args(args)
        .arg(input)
        .arg("-o")
        .arg(tmp.join(name))
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    v["peak_memory_mb"].as_f64().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn counting_keeps_hashes_not_texts() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    let mut size = 0;
    // 16 MB of documents whose story lines are all distinct.
    for n in 0..3000 {
        let mut text = String::from("Take our reader poll - story continues below\n\n");
        for p in 0..12 {
            text.push_str(&format!(
                "Paragraph {p} of article {n} says the council {} the plan after {} residents wrote in about it.\n\n",
                ["approved", "delayed", "rejected"][p % 3],
                ["many", "few", "angry", "some"][n % 4]
            ));
            text.push_str(&"x".repeat(200 + (n * 13 + p * 7) % 150));
            text.push_str(&format!(" {n}-{p}\n\n"));
        }
        size += text.len();
        write(&input, &format!("site/{n:05}.txt"), text);
    }
    let one = peak_mb(&["--no-default-rules", "--rules", "@nlp"], &input, tmp.path(), "one");
    let two = peak_mb(&["--no-default-rules", "--rules", "@repeated"], &input, tmp.path(), "two");
    let input_mb = size as f64 / 1e6;
    // Keeping the distinct lines' texts would cost the whole input again;
    // hashes cost a fraction of it.
    assert!(
        two < one + input_mb * 0.75,
        "two-pass peak {two:.0} MB, one-pass {one:.0} MB, input {input_mb:.0} MB"
    );
}

#[test]
fn a_counts_file_keyed_by_an_older_hash_is_refused() {
    let tmp = TempDir::new().unwrap();
    let counts = tmp.path().join("old.json");
    std::fs::write(&counts, r#"{"group_by":"dir","groups":{"alpha":{"docs":12,"lines":{"00ff":12}}}}"#)
        .unwrap();
    descrape()
        .args(["clean", "-", "--counts"])
        .arg(&counts)
        .write_stdin("Some story text.\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("old.json").and(predicate::str::contains("save the counts again")));
}

#[test]
fn a_group_by_that_differs_from_the_counts_files_is_refused() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("sites");
    multisite(&input);
    let counts = tmp.path().join("counts.json");
    descrape()
        .args(["suggest", "--group-by", "dir", "--save-counts"])
        .arg(&counts)
        .arg(&input)
        .assert()
        .success();
    let clean = |extra: &[&str]| {
        let mut cmd = descrape();
        cmd.arg("clean").arg(&input).arg("-o").arg(tmp.path().join("out")).arg("--counts").arg(&counts);
        cmd.args(extra).assert()
    };
    // Before, `--group-by` was ignored beside `--counts`: the counts' own
    // grouping ran without a word.
    clean(&["--group-by", "none"]).code(2).stderr(
        predicate::str::contains("counts.json")
            .and(predicate::str::contains("grouped by `dir`, not `--group-by none`")),
    );
    assert!(!tmp.path().join("out").exists());
    clean(&["--group-by", "dir"]).success();
    clean(&[]).success();
}

#[test]
fn a_group_by_field_with_an_empty_part_is_refused() {
    for how in ["field:a..b", "field:.a", "field:a.", "field:"] {
        descrape()
            .args(["suggest", "-", "--group-by", how])
            .write_stdin("x\n")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--group-by"));
    }
}

/// The multisite articles as one JSON Lines file, each record with a `url`:
/// the 12 alpha articles at `www.Alpha.example`, 8 bravo ones at
/// `bravo.example`, interleaved, ids without a directory.
fn two_hosts_jsonl(tmp: &Path) -> std::path::PathBuf {
    let sites = tmp.join("sites");
    multisite(&sites);
    let files = tree(&sites);
    let mut body = String::new();
    for n in 0..12 {
        for (site, host) in [("alpha", "https://www.Alpha.example"), ("bravo", "http://bravo.example:8080")] {
            if site == "bravo" && n >= 8 {
                continue;
            }
            let text = String::from_utf8(files[&format!("{site}/{n:02}.txt")].clone()).unwrap();
            let rec = serde_json::json!({"id": format!("{site}-{n:02}"), "url": format!("{host}/news/{n}"), "text": text});
            body.push_str(&format!("{rec}\n"));
        }
    }
    write(tmp, "two-hosts.jsonl", body)
}

#[test]
fn group_by_a_url_field_groups_records_by_host() {
    let tmp = TempDir::new().unwrap();
    let input = two_hosts_jsonl(tmp.path());
    let text = suggest(&["--group-by", "field:url"], &input);
    assert!(text.starts_with("20 documents in 2 groups\n"), "{text}");
    assert!(text.contains("== alpha.example: 12 documents"), "{text}");
    assert!(text.contains("== bravo.example: 8 documents"), "{text}");
    // A record's id names no host: a path glob of the host would never
    // match it, so the group's rules come unscoped.
    assert!(text.contains("- id: site.alpha-example-repeated-1-1") && !text.contains("path:"), "{text}");
    // Cleaning: alpha's chrome goes; bravo's 8 documents are too few to judge.
    let clean = |group_by: &str| {
        let text = clean_records(&input, group_by);
        text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).collect::<Vec<_>>()
    };
    let recs = clean("field:url");
    let text_of = |recs: &[serde_json::Value], id: &str| {
        recs.iter().find(|r| r["id"] == id).unwrap()["text"].as_str().unwrap().to_string()
    };
    assert!(text_of(&recs, "alpha-00").starts_with("Council approves harbour plan\n"), "{recs:?}");
    assert!(text_of(&recs, "bravo-00").starts_with("Take our bravo reader poll"), "{recs:?}");
    // By default, records with a `url` are grouped by its host too.
    assert_eq!(clean("auto"), recs);
    // Counted as one group, bravo's lines are frequent enough to go.
    let recs = clean("dir");
    assert!(!text_of(&recs, "bravo-00").contains("Take our bravo reader poll"), "{recs:?}");
    descrape()
        .args(["suggest", "--group-by", "field:"])
        .arg(&input)
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not auto, dir, none or field:NAME"));
    assert!(suggest(&[], &input).starts_with("20 documents in 2 groups\n"));
    // The same rules on both sides of a diff: records are grouped alike.
    let same =
        write(tmp.path(), "same.yaml", "- id: repeated.x\n  doc: d\n  match: repeated\n  max_words: 30\n");
    descrape()
        .args(["diff", "--no-default-rules", "--rules"])
        .arg(&same)
        .arg("--against")
        .arg(&same)
        .arg(&input)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("0 of 20 documents change"));
}

#[test]
fn records_group_by_a_nested_page_address_by_default() {
    // Dolma's shape: the address under `metadata`, no top-level `url`.
    let tmp = TempDir::new().unwrap();
    let flat = std::fs::read_to_string(two_hosts_jsonl(tmp.path())).unwrap();
    let nested: String = flat
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let url = v.as_object_mut().unwrap().remove("url").unwrap();
            v["metadata"] = serde_json::json!({"url": url, "lang": "en"});
            format!("{v}\n")
        })
        .collect();
    let input = write(tmp.path(), "nested.jsonl", nested);
    let text = suggest(&[], &input);
    assert!(text.starts_with("20 documents in 2 groups\n"), "{text}");
    assert!(text.contains("== alpha.example: 12 documents"), "{text}");
    let auto = clean_records(&input, "auto");
    assert_eq!(auto, clean_records(&input, "field:metadata.url"));
    assert_ne!(auto, clean_records(&input, "dir"), "grouped by host, bravo's 8 records are too few to judge");
}

/// What `descrape suggest ARGS INPUT` prints.
fn suggest(args: &[&str], input: &Path) -> String {
    let out = descrape().arg("suggest").args(args).arg(input).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// The records `clean` with `@repeated` alone writes for the JSON Lines
/// `input`, its documents grouped as `group_by` says.
fn clean_records(input: &Path, group_by: &str) -> String {
    let out = descrape()
        .args(["clean", "-q", "--no-default-rules", "--rules", "@repeated", "--group-by", group_by])
        .arg(input)
        .args(["-o", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// `clean` with `@repeated` alone over `input`: each output file's text.
fn clean_repeated(tmp: &Path, input: &Path) -> Vec<(String, String)> {
    let out = tmp.join("out");
    descrape()
        .args(["clean", "-q", "--no-default-rules", "--rules", "@repeated"])
        .arg(input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    tree(&out).into_iter().map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap())).collect()
}

/// One directory that mixes thirty sites of five articles each: the group
/// is large, so short lines need 5% of it (8 documents), while a site's
/// long sign-off in its five articles is enough, and takes the short line
/// of its block with it; a stock sentence the site's stories share is not,
/// nor a story's headline that the site's teasers repeat.
#[test]
fn a_directory_of_many_sites_finds_each_sites_long_lines() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    let sites: Vec<String> =
        (0..30).map(|s| format!("{}{}", ["kilo", "lima", "mike"][s % 3], "xyzw".repeat(s / 3 + 1))).collect();
    for (s, site) in sites.iter().enumerate() {
        for n in 0..5 {
            write(
                &input,
                &format!("{s:02}-{n}.txt"),
                format!(
                    "{site} desk notes\n\n\
                     The {site} council met on day {n} and voted to fund repairs to the old harbour wall.\n\n\
                     Residents asked for the work to finish before the storms of winter {s} arrive.\n\n\
                     The {site} harbour office has not yet commented.\n\n\
                     Sign up for the {site} morning newsletter today\n{site}.example.net\n\n\
                     Storm damage closes the {site} ferry pier\n"
                ),
            );
        }
        // The story the teaser above links to: its headline stays.
        write(
            &input,
            &format!("{s:02}-pier.txt"),
            format!(
                "Storm damage closes the {site} ferry pier\n\n\
                 Engineers found cracks in three of the pier's supports after the storm on Sunday night.\n"
            ),
        );
    }
    for (name, text) in clean_repeated(tmp.path(), &input) {
        if name.ends_with("-pier.txt") {
            assert!(text.starts_with("Storm damage closes"), "{name}: {text}");
            continue;
        }
        assert!(!text.contains("ferry pier"), "{name}: {text}");
        assert!(!text.contains("morning newsletter"), "{name}: {text}");
        assert!(!text.contains("example.net"), "{name}: {text}");
        assert!(text.contains("desk notes"), "{name}: {text}");
        assert!(text.contains("harbour wall"), "{name}: {text}");
        assert!(text.contains("has not yet commented."), "{name}: {text}");
    }
    // `suggest` lists what cleaning takes by the same measure.
    let listed = suggest(&["--limit", "200"], &input);
    for site in &sites {
        assert!(listed.contains(&format!("| Sign up for the {site} morning newsletter today\n")), "{listed}");
    }
    assert!(listed.contains("lines in at least 9 of them (long lines outside the story: 5) =="), "{listed}");
    assert!(!listed.contains("desk notes") && !listed.contains("has not yet commented"), "{listed}");
}

/// Chinese and Japanese story sentences, which have no spaces between
/// words, read as story text however often a site repeats them.
#[test]
fn sentences_without_spaces_read_as_story_text() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    for n in 0..12 {
        write(
            &input,
            &format!("site/{n:02}.txt"),
            format!(
                "Item {} of the day\n\n市は訓練の結果を分析し、避難ビルの追加指定や避難路の整備に反映させる方針。\n\nニュースをもっと見る\n",
                // A letter, not a digit: documents alike but for the
                // figures of their short lines are copies, counted once.
                char::from(b'a' + n)
            ),
        );
    }
    for (name, text) in clean_repeated(tmp.path(), &input) {
        assert!(text.contains("反映させる方針。"), "{name}: {text}");
        assert!(!text.contains("ニュースをもっと見る"), "{name}: {text}");
    }
}

/// Twelve articles of one site, written from the samples' real story
/// paragraphs, whose last paragraph has the site's footer glued to it
/// (after desk initials that differ per article), or on its own line in
/// every third article. The footer goes, the paragraph stays; a quote
/// glued after the footer keeps the line whole, and a sentence that ends
/// the last paragraph of only three articles stays.
#[test]
fn a_sites_footer_glued_into_the_last_paragraph_is_cut() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    let paragraphs: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/expected"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .flat_map(|t| {
            t.lines().filter(|l| l.len() > 120 && !l.contains('"')).map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    let footer = "Daily Desk content may be republished with a link to the original page.";
    for n in 0..12 {
        let (first, last) = (&paragraphs[2 * n], &paragraphs[2 * n + 1]);
        let initials = ["EF/MA", "NA/PA", "RH/TG"][n % 3];
        let end = match n {
            0 | 3 | 6 | 9 => format!("{last}\n\n{initials} {footer}"),
            1 => format!("{last} {initials} {footer} “We will respond,” he said."),
            2 | 4 | 5 => format!("{last} No further details were given."),
            _ => format!("{last} {initials} {footer}"),
        };
        write(&input, &format!("site/{n:02}.txt"), format!("Headline {n}\n\n{first}\n\n{end}\n"));
    }
    let out = clean_repeated(tmp.path(), &input);
    for (name, text) in &out {
        let n: usize = name[5..7].parse().unwrap();
        let last = &paragraphs[2 * n + 1];
        assert!(text.contains(&paragraphs[2 * n]), "{name}: {text}");
        match n {
            1 => assert!(text.contains(footer) && text.contains("he said."), "{name}: {text}"),
            2 | 4 | 5 => assert!(text.ends_with("No further details were given.\n"), "{name}: {text}"),
            _ => assert!(text.ends_with(&format!("{last}\n")) && !text.contains("Desk"), "{name}: {text}"),
        }
    }
    // Cleaning the output again changes nothing.
    let again = tmp.path().join("again");
    std::fs::create_dir(&again).unwrap();
    let cleaned = clean_repeated(&again, &tmp.path().join("out"));
    assert_eq!(cleaned, out);
}

/// The clean text of sample 002, a real article.
fn sample_002() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/expected/002_2bd8b93181a83e87.txt"))
        .unwrap()
}

/// A site of `same` articles made by `article` (given a letter) and then
/// `others` short articles of their own, as `site/NN.txt`.
fn site_with_others(input: &Path, same: u8, others: u8, article: impl Fn(char) -> String) {
    for n in 0..same + others {
        let name = char::from(b'a' + n);
        let text = if n < same {
            article(name)
        } else {
            format!("Other story {name}\n\nThe council of {name} met on Tuesday and voted to fund repairs to the old harbour wall.\n")
        };
        write(input, &format!("site/{n:02}.txt"), text);
    }
}

/// Copies of one story in a site's scrape (the same article at several
/// addresses) are counted once: their headline and short lines are one
/// story's, not the site's template, and their last sentences are not a
/// footer. Before, eight copies among twelve lost their headline.
#[test]
fn copies_of_one_story_are_counted_once() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    let story = sample_002();
    site_with_others(&input, 8, 10, |_| format!("{story}\n"));
    for (name, text) in clean_repeated(tmp.path(), &input) {
        let n: usize = name[5..7].parse().unwrap();
        if n < 8 {
            assert_eq!(text, format!("{story}\n"), "{name}");
        }
    }
    // `suggest` counts them once too.
    let listed = suggest(&[], &input);
    assert!(
        listed.starts_with("11 documents in 1 groups (and 7 copies of them, counted once)\n"),
        "{listed}"
    );
}

/// The same last paragraph under six different headlines (a story
/// republished with new titles: not copies) keeps its sentences: they
/// follow the same text in all six, where a footer follows a different
/// story each time.
#[test]
fn a_paragraph_shared_by_near_copies_keeps_its_sentences() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    let last = sample_002().lines().last().unwrap().to_string();
    site_with_others(&input, 6, 6, |name| format!("Headline {name}\n\n{last}\n"));
    for (name, text) in clean_repeated(tmp.path(), &input) {
        let n: usize = name[5..7].parse().unwrap();
        if n < 6 {
            assert!(text.ends_with(&format!("{last}\n")), "{name}: {text}");
        }
    }
}

/// Match reports closing with their own figures: counted as one line with
/// digits folded, the figures are still each report's facts and stay; the
/// site's sign-off and its contact line go.
#[test]
fn labelled_figures_stay_though_their_digits_fold_together() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("scrape");
    let teams = [
        "Rovers",
        "Albion",
        "Town",
        "Wanderers",
        "Athletic",
        "County",
        "Villa",
        "Rangers",
        "Celtic",
        "Forest",
        "Vale",
        "Argyle",
    ];
    for (n, team) in teams.iter().enumerate() {
        write(
            &input,
            &format!("sport/{n:02}.txt"),
            format!(
                "United beat {team}\n\n\
                 United won at home to {team} on Saturday after a late goal from their captain settled a tense match.\n\n\
                 Half-time: {}-{}\n\n\
                 Attendance: {},{}91\n\n\
                 Follow our live coverage of every match on the sport desk app\n\n\
                 Tel: 020 7946 0000\n",
                n % 3,
                n % 2,
                20 + n,
                n % 7
            ),
        );
    }
    for (name, text) in clean_repeated(tmp.path(), &input) {
        assert!(text.contains("\nHalf-time: ") && text.contains("\nAttendance: "), "{name}: {text}");
        assert!(!text.contains("Follow our live coverage"), "{name}: {text}");
        // A site's contact line has a figure too, and is its chrome.
        assert!(!text.contains("Tel: "), "{name}: {text}");
    }
}

/// Three sites' articles in one flat folder, each file named after its
/// site's host (`alpha.com_00.txt`): counted per site, as in a folder per
/// site, so each site's chrome goes and its shared quote stays.
#[test]
fn a_flat_folder_groups_files_by_the_host_their_names_start_with() {
    let tmp = TempDir::new().unwrap();
    let sites = tmp.path().join("sites");
    multisite(&sites);
    let flat = tmp.path().join("flat");
    for (name, bytes) in tree(&sites) {
        let (site, file) = name.split_once('/').unwrap();
        write(&flat, &format!("{site}.com_{file}"), String::from_utf8(bytes).unwrap());
    }
    let text = suggest(&[], &flat);
    assert!(text.starts_with("36 documents in 3 groups\n"), "{text}");
    assert!(text.contains("== alpha.com: 12 documents, lines in at least 5 of them =="), "{text}");
    assert!(text.contains("    path: 'alpha.com*'"), "{text}");
    let cleaned = clean_repeated(tmp.path(), &flat);
    assert_eq!(cleaned.len(), 36);
    for (name, text) in &cleaned {
        let site = name.split_once('.').unwrap().0;
        assert!(!text.contains("reader poll"), "{name}: {text}");
        assert!(!text.contains("morning newsletter"), "{name}: {text}");
        assert!(text.contains(&format!("The {site} council")), "{name}: {text}");
        let n: usize = name[name.find('_').unwrap() + 1..][..2].parse().unwrap();
        assert_eq!(text.contains("the mayor said"), n < 5, "{name}: {text}");
    }
}

#[test]
fn a_counts_file_named_as_an_input_is_refused_before_anything_is_written() {
    let tmp = TempDir::new().unwrap();
    let input =
        write(tmp.path(), "site.jsonl", "{\"id\":\"a\",\"text\":\"A story.\\n\\nShare this story!\"}\n");
    let before = std::fs::read(&input).unwrap();
    descrape()
        .args(["suggest", "--save-counts"])
        .arg(&input)
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the counts file").and(predicate::str::contains("would overwrite")));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn suggested_rules_for_odd_group_names_fire_on_their_own_group() {
    // `a[b]` went into `scope.path` as a glob class and never matched its
    // own directory; `news one` and `News_One` got the same rule ids; a
    // record grouped by its page's host was scoped by a path its id does
    // not hold.
    let tmp = TempDir::new().unwrap();
    let sites = tmp.path().join("sites");
    multisite(&sites);
    let input = tmp.path().join("odd");
    for name in ["a[b]", "news one", "News_One"] {
        for (rel, text) in tree(&sites.join("alpha")) {
            write(&input.join(name), &rel, String::from_utf8(text).unwrap());
        }
    }
    let mut records = String::new();
    for (rel, text) in tree(&sites.join("bravo")) {
        let rec = serde_json::json!({"id": rel, "url": "https://bravo.example/x", "text": String::from_utf8(text).unwrap()});
        records.push_str(&format!("{rec}\n"));
    }
    let jsonl = write(tmp.path(), "bravo.jsonl", records);
    for (input, expect_changed) in [(&input, "36 changed"), (&jsonl, "12 changed")] {
        let report: serde_json::Value = serde_json::from_str(&suggest(&["--json"], input)).unwrap();
        let rules: String = report["groups"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|g| g["suggestions"].as_array().unwrap())
            .filter_map(|s| s["rule"].as_str())
            .collect();
        let file = write(tmp.path(), "suggested.yaml", rules);
        descrape().arg("check").arg(&file).assert().success();
        descrape()
            .args(["stats", "--no-default-rules", "--rules"])
            .arg(&file)
            .arg(input)
            .assert()
            .success()
            .stdout(predicate::str::contains(expect_changed));
    }
}

#[cfg(unix)]
#[test]
fn suggest_on_a_stream_says_it_cannot_and_unread_inputs_are_reported() {
    let tmp = TempDir::new().unwrap();
    let input =
        write(tmp.path(), "in.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\": \"broken\", \"text\":\n");
    // Standard input was read a second time for the lines' text, and
    // found nothing: the suggestions came out empty without a word.
    descrape()
        .args(["suggest", "-"])
        .pipe_stdin(&input)
        .unwrap()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be read twice"));
    let counts = tmp.path().join("counts.json");
    descrape()
        .args(["suggest", "-", "--save-counts"])
        .arg(&counts)
        .pipe_stdin(&input)
        .unwrap()
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("-:2: malformed JSON").and(predicate::str::contains("counts saved")),
        );
    assert!(counts.exists());
    // A malformed line, or an input that cannot be read, was left out of
    // the count silently.
    descrape()
        .arg("suggest")
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("in.jsonl:2: malformed JSON"));
}
