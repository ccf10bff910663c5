//! Mojibake repair: finds spans of text that were UTF-8, wrongly decoded as Windows-1252 (or
//! Latin-1, where the C1 controls U+0080–U+009F stand in for the Windows-1252 glyphs) and
//! re-encoded, and proposes the characters they were meant to be (`Itâ€™s` → `It’s`,
//! `cafÃ©` → `café`). A span garbled twice or three times is repaired through every layer.
//!
//! This module only proposes byte ranges with their replacements; the engine applies them and
//! logs each as an edit. It must stay conservative: a span is proposed only when its characters
//! map back to complete UTF-8 sequences and the result is plausible in its context, so clean text
//! in any language — curly quotes, accented capitals next to punctuation (`PELÉ’s`, `NESTLÉ®`),
//! lone `Â` or `Ã`, `©2020` — is never touched. It does no I/O, does not guess the encoding of
//! whole files (that is [`crate::decode`]'s job) and normalises nothing that is not mojibake.

use std::ops::Range;

/// Byte ranges of `text` that are mojibake, each with its repaired text,
/// sorted and disjoint. Empty when nothing is clearly mojibake.
pub fn find(text: &str) -> Vec<(Range<usize>, String)> {
    let loose = deepen(text, layer(text, Pass::First { provisional: true }));
    if !loose.iter().any(|(_, repl)| repl.chars().any(is_c1)) {
        return loose;
    }
    // A provisional C1 control was not consumed by a deeper layer: redo those spans without them.
    let strict = deepen(text, layer(text, Pass::First { provisional: false }));
    let mut found = Vec::new();
    for (range, repl) in loose {
        if repl.chars().any(is_c1) {
            found
                .extend(strict.iter().filter(|(r, _)| r.start >= range.start && r.end <= range.end).cloned());
        } else {
            found.push((range, repl));
        }
    }
    found
}

/// Up to two more layers: a span garbled twice only shows its next layer once the first is
/// undone. Each layer is judged on the whole repaired text, so context still counts, but only
/// changes inside what the previous layer produced are kept.
fn deepen(text: &str, mut fixes: Vec<(Range<usize>, String)>) -> Vec<(Range<usize>, String)> {
    for _ in 0..2 {
        let mut repaired = String::with_capacity(text.len());
        let mut spans = Vec::with_capacity(fixes.len());
        let mut pos = 0;
        for (range, repl) in &fixes {
            repaired.push_str(&text[pos..range.start]);
            spans.push(repaired.len()..repaired.len() + repl.len());
            repaired.push_str(repl);
            pos = range.end;
        }
        repaired.push_str(&text[pos..]);
        let inner = layer(&repaired, Pass::Inner);
        let mut changed = false;
        let mut k = 0;
        for ((_, repl), span) in fixes.iter_mut().zip(&spans) {
            let mut local = Vec::new();
            while k < inner.len() && inner[k].0.start < span.end {
                let (r, s) = &inner[k];
                if r.start >= span.start && r.end <= span.end {
                    local.push((r.start - span.start..r.end - span.start, s.clone()));
                }
                k += 1;
            }
            if !local.is_empty() {
                *repl = apply(repl, &local);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    fixes
}

/// `text` with the sorted, disjoint `fixes` applied.
fn apply(text: &str, fixes: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (range, repl) in fixes {
        out.push_str(&text[pos..range.start]);
        out.push_str(repl);
        pos = range.end;
    }
    out.push_str(&text[pos..]);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The input text. `provisional` lets `Â` + C1 control decode to that control, which only
    /// makes sense as the middle layer of a Latin-1 double encoding.
    First { provisional: bool },
    /// Text produced by a previous layer.
    Inner,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A UTF-8 sequence (or one that lost its last byte or an A0 byte).
    Seq,
    /// `Â` + C1 control: accepted only inside a run, checked after the deeper layers.
    Provisional,
}

/// One repairable span found in the text.
struct Cand {
    range: Range<usize>,
    out: char,
    kind: Kind,
    /// Plausible on its own, whatever surrounds it.
    strong: bool,
    /// A weak candidate whose neighbours make it plausible.
    context_ok: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Hebrew,
    Arabic,
    Cjk,
}

/// One layer of repair: candidates, then the decision, then adjacent fixes merged.
fn layer(text: &str, pass: Pass) -> Vec<(Range<usize>, String)> {
    if text.is_ascii() {
        return Vec::new();
    }
    let cands = scan(text, pass);
    let accepted = decide(&cands);
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    for (c, _) in cands.iter().zip(&accepted).filter(|(_, ok)| **ok) {
        match out.last_mut() {
            Some((range, repl)) if range.end == c.range.start => {
                range.end = c.range.end;
                repl.push(c.out);
            }
            _ => out.push((c.range.clone(), c.out.to_string())),
        }
    }
    out
}

/// Every span whose characters map back to one UTF-8 character, judged where it stands.
fn scan(text: &str, pass: Pass) -> Vec<Cand> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |k: usize| chars.get(k).map_or(text.len(), |&(b, _)| b);
    let mut cands = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let prev = i.checked_sub(1).map(|p| chars[p].1);
        let Some(lead) = lead_byte(c) else {
            i += 1;
            continue;
        };
        let need = match lead {
            0xC2..=0xDF => 1,
            0xE0..=0xEF => 2,
            _ => 3,
        };
        let mut bytes = [lead, 0, 0, 0];
        let mut conts = ['\0'; 3];
        let mut got = 0;
        while got < need {
            let Some((b, c)) = chars.get(i + 1 + got).and_then(|&(_, c)| cont_byte(c).map(|b| (b, c))) else {
                break;
            };
            bytes[got + 1] = b;
            conts[got] = c;
            got += 1;
        }
        let end_idx = i + 1 + got;
        let range = chars[i].0..at(end_idx);
        let next = chars.get(end_idx).map(|&(_, c)| c);
        if got == need {
            if let Ok(s) = std::str::from_utf8(&bytes[..=need]) {
                let out = s.chars().next().expect("one char");
                if lead == 0xC2 && is_c1(out) {
                    if pass == (Pass::First { provisional: true }) {
                        let kind = Kind::Provisional;
                        cands.push(Cand { range, out, kind, strong: false, context_ok: false });
                    }
                } else if let Some((strong, context_ok)) = judge(lead, &conts[..need], out, prev, next) {
                    cands.push(Cand { range, out, kind: Kind::Seq, strong, context_ok });
                }
                i = end_idx;
                continue;
            }
        } else if lead == 0xE2
            && got == 1
            && matches!(conts[0], '€' | '\u{80}')
            && next.is_none_or(|n| n.is_whitespace() || n.is_ascii_punctuation())
        {
            // `”` is E2 80 9D, and 0x9D is undefined in Windows-1252, so it is often dropped.
            cands.push(Cand { range, out: '”', kind: Kind::Seq, strong: true, context_ok: false });
            i = end_idx;
            continue;
        } else if lead == 0xC3 && got == 0 && next == Some(' ') && !prev.is_some_and(char::is_uppercase) {
            // `à` is C3 A0, and A0 (no-break space) is often turned into a space. When the space
            // stands inside a word (`Ã s` for `às`) or next to another one, it is the A0 itself.
            let rest = &text[at(i + 2)..];
            let absorb = [" ", "s ", "quel", "quil"].iter().any(|p| rest.starts_with(p));
            let range = chars[i].0..at(if absorb { i + 2 } else { i + 1 });
            let context_ok = prev.is_some_and(char::is_lowercase);
            cands.push(Cand { range, out: 'à', kind: Kind::Seq, strong: false, context_ok });
        }
        i += 1;
    }
    cands
}

/// Which candidates to repair: strong ones, runs of two or more adjacent sequences (real
/// text never packs such sequences back to back), weak ones whose neighbours fit, and weak
/// ones in a script already shown to be mojibake elsewhere in the text.
fn decide(cands: &[Cand]) -> Vec<bool> {
    let mut accepted = vec![false; cands.len()];
    let mut i = 0;
    while i < cands.len() {
        let mut j = i + 1;
        while j < cands.len() && cands[j].range.start == cands[j - 1].range.end {
            j += 1;
        }
        if j - i >= 2 {
            accepted[i..j].fill(true);
        } else {
            accepted[i] = cands[i].strong || cands[i].context_ok;
        }
        i = j;
    }
    let seen: Vec<Script> = cands
        .iter()
        .zip(&accepted)
        .filter(|(c, ok)| **ok && c.kind == Kind::Seq)
        .filter_map(|(c, _)| script(c.out))
        .collect();
    for (c, ok) in cands.iter().zip(accepted.iter_mut()) {
        if !*ok && c.kind == Kind::Seq {
            *ok = script(c.out).is_some_and(|s| seen.contains(&s));
        }
    }
    accepted
}

/// `None` when `out` is never a plausible repair; otherwise (strong, context_ok).
fn judge(
    lead: u8,
    conts: &[char],
    out: char,
    prev: Option<char>,
    next: Option<char>,
) -> Option<(bool, bool)> {
    if !plausible(out, conts.len()) {
        return None;
    }
    let cp = out as u32;
    let unusual = conts.iter().any(|&c| !trails_words(c));
    let after_caps = prev.is_some_and(char::is_uppercase) && !next.is_some_and(char::is_alphabetic);
    let strong = match (conts.len(), lead) {
        // `Â` + a Latin-1 symbol: Romanian never ends a word in `â`; romaji in capitals may.
        (1, 0xC2) => unusual || !prev.is_some_and(char::is_uppercase),
        // `Ã` + symbol → lowercase; only doubtful at the end of an all-caps word (`IRMÃ»`).
        (1, 0xC3) if cp >= 0xE0 => unusual || !after_caps,
        (1, 0xC3) => unusual,
        // Other capitals are often followed by symbols (`5×£35`, leetspeak `MÄ£ÄM`); only a
        // control or a Windows-1252 letter right after one is telling.
        (1, _) => (conts[0] > '\u{ff}' && !trails_words(conts[0])) || is_c1(conts[0]),
        // `â` never ends a word, so `â` + two symbols is mojibake.
        (_, 0xE2) => true,
        // Sámi and Czech put `š`, `ž` after an accented vowel (`ášš`, `náš“`).
        _ => conts.iter().any(|&c| !trails_words(c) && !matches!(c, 'š' | 'ž' | 'œ')) || out == '\u{feff}',
    };
    let context_ok = !strong && context(lead, conts, out, prev, next);
    Some((strong, context_ok))
}

/// Whether `out`, decoded from `n_conts + 1` bytes, is a character mojibake plausibly hides.
fn plausible(out: char, n_conts: usize) -> bool {
    let cp = out as u32;
    if cp & 0xFFFE == 0xFFFE || (0xFDD0..=0xFDEF).contains(&cp) {
        return false;
    }
    match n_conts {
        1 => match cp {
            0x80..=0x9F => false,
            // Latin-1 symbols, and `˜` for the middle layer of a double encoding.
            0xA0..=0xBF | 0xD7 | 0xF7 | 0x2DC | 0x300..=0x36F => true,
            // Greek, Armenian, Hebrew and Arabic punctuation.
            0x37E
            | 0x387
            | 0x55A..=0x55F
            | 0x589
            | 0x5BE
            | 0x5C0
            | 0x5C3
            | 0x5F3
            | 0x5F4
            | 0x60C
            | 0x61B
            | 0x61F
            | 0x6D4 => true,
            // Syriac, Thaana, NKo: what `Ü…` or `ß“` would become.
            0x700.. => false,
            _ => out.is_alphabetic() || out.is_numeric(),
        },
        // Samaritan, Mandaic, rare Arabic; private use: what `à\u{a0}€` or `î…` would become.
        2 => !(0x800..=0x89F).contains(&cp) && !(0xE000..=0xF8FF).contains(&cp),
        // Emoji and symbols, mathematical letters, rare CJK; not cuneiform from `ð’€”`.
        _ => matches!(cp, 0x1D400..=0x1D7FF | 0x1F000..=0x1FBFF | 0x20000..=0x3FFFF),
    }
}

/// For a weak candidate standing alone: do its neighbours make the repair plausible?
fn context(lead: u8, conts: &[char], out: char, prev: Option<char>, next: Option<char>) -> bool {
    if conts.len() >= 2 {
        // Vietnamese (U+1E00–U+1EFF) inside a word: `Táº¡i`. Elsewhere `é”—she` is real.
        return (0x1E00..=0x1EFF).contains(&(out as u32)) && next.is_some_and(char::is_alphabetic);
    }
    let cp = out as u32;
    // IPA is what `É` + `’`, `®` or `”` becomes in all-caps text: `PELÉ’s`, `NESTLÉ®`.
    if (0x250..=0x2FF).contains(&cp) {
        return false;
    }
    // An apostrophe or closing quote after a capital is usually real (`JOSÉ’s`), unless
    // capitals go on (`HÃ”TEL`).
    let after_quote = matches!(conts[0], '’' | '”') && !next.is_some_and(char::is_uppercase);
    if lead == 0xC3 {
        return cp < 0xE0 && !after_quote && next.is_some_and(char::is_alphanumeric);
    }
    let mark = (0x300..=0x36F).contains(&cp);
    // `ª` and `º` count as lowercase but follow numbers, not letters.
    let lower = |c: char| c.is_lowercase() && !matches!(c, 'ª' | 'º');
    let prev_lower = prev.is_some_and(lower);
    let next_lower = next.is_some_and(lower);
    ((out.is_lowercase() || mark) && prev_lower) || (out.is_alphabetic() && !after_quote && next_lower)
}

fn script(c: char) -> Option<Script> {
    Some(match c as u32 {
        0xD7 | 0xF7 => return None,
        0xA0..=0x17F | 0x1E00..=0x1EFF => Script::Latin,
        0x370..=0x3FF => Script::Greek,
        0x400..=0x52F => Script::Cyrillic,
        0x530..=0x58F => Script::Armenian,
        0x590..=0x5FF => Script::Hebrew,
        0x600..=0x6FF => Script::Arabic,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF => Script::Cjk,
        _ => return None,
    })
}

fn is_c1(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}')
}

/// Continuation characters that real text puts right after a letter (quotes, dashes, ellipsis,
/// footnote marks, superscripts, guillemets, NBSP...). A sequence made only of these could be
/// real; any other continuation (`€`, `¼`, `Ÿ`, a raw C1 control) marks it as mojibake.
fn trails_words(c: char) -> bool {
    matches!(
        c,
        '‚' | '„'
            | '…'
            | '†'
            | '‡'
            | '‰'
            | '‹'
            | '‘'
            | '’'
            | '“'
            | '”'
            | '•'
            | '–'
            | '—'
            | '™'
            | '›'
            | '\u{a0}'
            | '¡'
            | '¨'
            | '©'
            | 'ª'
            | '«'
            | '\u{ad}'
            | '®'
            | '°'
            | '²'
            | '³'
            | '´'
            | '·'
            | '¹'
            | 'º'
            | '»'
            | '¿'
    )
}

/// Windows-1252 bytes 80–9F; `None` where the byte is undefined (Latin-1 and WHATWG decoders
/// then give the C1 control of the same value).
const WINDOWS_1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The byte of a character that Windows-1252 decodes to a UTF-8 lead byte (C2–F4).
fn lead_byte(c: char) -> Option<u8> {
    matches!(c, '\u{c2}'..='\u{f4}').then_some(c as u8)
}

/// The byte of a character that Windows-1252 or Latin-1 decodes to a continuation byte (80–BF).
fn cont_byte(c: char) -> Option<u8> {
    match c {
        '\u{80}'..='\u{bf}' => Some(c as u8),
        _ => WINDOWS_1252_HIGH.iter().position(|&w| w == Some(c)).map(|p| 0x80 + p as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(text: &str) -> String {
        apply(text, &find(text))
    }

    /// What a UTF-8 text looks like after being read as Windows-1252.
    fn garble(text: &str) -> String {
        encoding_rs::WINDOWS_1252.decode_without_bom_handling(text.as_bytes()).0.into_owned()
    }

    /// What a UTF-8 text looks like after being read as Latin-1.
    fn latin1(text: &str) -> String {
        text.bytes().map(char::from).collect()
    }

    const MOJIBAKE: &[(&str, &str)] = &[
        ("Itâ€™s a deal", "It’s a deal"),
        ("the cafÃ© on the corner", "the café on the corner"),
        ("â€œquotedâ€\u{9d}", "“quoted”"),
        ("Ã¼ber alles", "über alles"),
        ("2010â€”2020", "2010—2020"),
        ("Ã‰cole normale", "École normale"),
        ("SÃ£o Paulo", "São Paulo"),
        ("It\u{e2}\u{80}\u{99}s", "It’s"),
        ("\u{e2}\u{80}\u{9c}hi\u{e2}\u{80}\u{9d}", "“hi”"),
        ("a naÃ¯ve plan", "a naïve plan"),
        ("Â£5 or Â©2020", "£5 or ©2020"),
        ("25Â°C", "25°C"),
        ("StraÃŸe", "Straße"),
        ("Ã–sterreich", "Österreich"),
        ("Waitâ€¦", "Wait…"),
        ("â‚¬100", "€100"),
        ("BrandNameâ„¢", "BrandName™"),
        ("PokÃ©mon", "Pokémon"),
        ("FRANÃ‡AIS", "FRANÇAIS"),
        ("HÃ”TEL", "HÔTEL"),
        ("Ã\u{81}frica", "África"),
        ("Ã\u{8d}ndice", "Índice"),
        ("wÅ‚asny", "własny"),
        ("siÄ™", "się"),
        ("È™i", "și"),
        ("Ä°stanbul", "İstanbul"),
        ("Táº¡i sao", "Tại sao"),
        ("ÐŸÑ€Ð¸Ð²ÐµÑ‚, Ð¼Ð¸Ñ€", "Привет, мир"),
        ("Î•Î»Î»Î¬Î´Î±", "Ελλάδα"),
        ("×©×œ×•×\u{9d}", "שלום"),
        ("ä¸\u{ad}æ–‡", "中文"),
        ("ðŸ˜€ great", "😀 great"),
        ("hatikuâ™«~", "hatiku♫~"),
        ("ï»¿Title", "\u{feff}Title"),
        ("cafeÌ\u{81}", "cafe\u{301}"),
        ("Â\u{a0}", "\u{a0}"),
        // The undefined 0x9D of `”` dropped on the way.
        ("â€œquotedâ€ and", "“quoted” and"),
        // The A0 of `à` turned into a space.
        ("voilÃ  le travail", "voilà le travail"),
        ("atenÃ§Ã£o Ã s crianÃ§as", "atenção às crianças"),
        // Garbled twice and three times, through Windows-1252 or Latin-1.
        ("Ã¢â‚¬â„¢", "’"),
        ("Ã¢Â\u{80}Â\u{99}", "’"),
        ("doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t", "doesn’t"),
        ("New Ã¢â‚¬Å“RomanÃ¢â‚¬Â\u{9d}.", "New “Roman”."),
        // An all-caps `Ã‰` at a word end is trusted once the text is shown to be mojibake.
        ("CAFÃ‰ and cafÃ©", "CAFÉ and café"),
    ];

    #[test]
    fn repairs_real_world_mojibake() {
        for (bad, good) in MOJIBAKE {
            assert_eq!(fix(bad), *good, "input {bad:?}");
        }
    }

    #[test]
    fn examples_are_what_the_decoders_make() {
        // Keeps the table honest: each entry is exactly what some mis-decoding produces.
        for (bad, good) in MOJIBAKE {
            let once = garble(good);
            let made = [
                garble(&garble(&once)),
                garble(&once),
                latin1(&latin1(good)),
                latin1(good),
                once.replace('\u{9d}', ""),
                once.replace('\u{a0}', " "),
                once,
            ];
            assert!(made.iter().any(|m| m == bad), "{bad:?} is not a garbled {good:?}");
        }
    }

    #[test]
    fn repairs_garbled_words_in_many_languages() {
        let words = [
            "café",
            "naïve",
            "Ærøskøbing",
            "Øresund",
            "Ñandú",
            "Ça va",
            "Über",
            "Äpfel",
            "Öl",
            "Ålesund",
            "Élodie",
            "Íñigo",
            "Óscar",
            "Úrsula",
            "façade",
            "smörgåsbord",
            "Łódź",
            "Kraków",
            "Dvořák",
            "Ελλάδα",
            "Москва",
            "Україна",
            "עברית",
            "العربية",
            "日本語",
            "한국어",
            "Tiếng Việt",
            "“quote”",
            "‘single’",
            "a—b",
            "x–y",
            "1…",
            "€5",
            "™",
            "•",
            "→",
            "😀",
            "🇫🇷",
            "İzmir",
            "Şişli",
            "ğ",
            "ľudia",
            "Erdős",
        ];
        for word in words {
            for bad in [garble(word), latin1(word), garble(&garble(word))] {
                assert_eq!(fix(&bad), word, "garbled {bad:?}");
            }
        }
    }

    #[test]
    fn leaves_clean_text_alone() {
        let clean = [
            "It’s a “quoted” word — really… ‘fine’ – ok • done",
            "Grüße aus der Straße, Übermut und Ärger",
            "déjà vu, À bientôt, à\u{a0}« oui\u{a0}», déjà\u{a0}»",
            "¿Qué? ¡Olé! El niño, AÑO—",
            "سلام دنیا",
            "Привет, мир",
            "中文字符，日本語",
            "emoji 😀🎉👍🏽",
            "∑ x² ≤ ∞, ±3 °C, £5, ©2020, 5‰, Nº 1, 1ª",
            "Â la, Ã o, Ã ",
            "João Ã Silva, Ãngela",
            "PELÉ’s goal, JOSÉ’s car, Join ZZAJÉ’s list",
            "NESTLÉ® products, “CAFÉ”, ÉTÉ\u{a0}!",
            "he said olé…” and è…” twice, I love the café”—she said",
            "Charlotte Brontë…”",
            "«AMANHÃ» e IRMÃ” e IRMÃ\u{a0} e IRMÃ E",
            "There are a lot of Ã’s in mojibake text",
            "„Gruß“ und ÜBER…",
            "SÍ” and Ä–Z and PÅ” and Ö”",
            "ÎNCÂNTAT, România, câine, în",
            "Ελλάδα, שלום, Ærø, Øresund’s",
            "naïve café façade smörgåsbord",
            "Footnote café¹² and crème brûlée†",
            "Offering 5×£35 pin ups",
            "MÄ£ÄM ÌÑÌ Q £ÄGÌ SÖÄ£ ÑÝÄ",
            "MISUTÂ\u{a0}AJIKKO",
            "evenášši.no, náš“",
        ];
        for text in clean {
            assert_eq!(find(text), vec![], "input {text:?}");
        }
    }

    fn well_formed(text: &str) {
        let found = find(text);
        let mut pos = 0;
        for (range, repl) in &found {
            assert!(range.start >= pos && range.start < range.end, "{text:?}: {found:?}");
            assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            assert_ne!(&text[range.clone()], repl);
            pos = range.end;
        }
    }

    #[test]
    fn ranges_are_sorted_disjoint_and_on_char_boundaries() {
        for (bad, _) in MOJIBAKE {
            well_formed(bad);
        }
        well_formed("Ã©Ã©Ã© â€™â€™ Ã xÃ©\u{80}Ã\u{80}Ã¢â€ ÐŸÑ€ ðŸ˜ ï»¿ Ã¢Â\u{80} voilÃ  Ã s");
    }

    proptest::proptest! {
        #[test]
        fn ranges_are_well_formed_on_noise(
            text in "[a-z ’”“€…‚™ŸÃÂâðÐÑ©¼£°\u{80}-\u{bf}\u{c2}-\u{f4}]{0,40}"
        ) {
            well_formed(&text);
        }
    }

    #[test]
    fn paragraph_changes_only_the_mojibake() {
        let text = "“We’re thrilled,” said the head of NestlÃ© in ZÃ¼rich. The café — opened in \
                    2019 — sells “crêpes” for Â£5, and it’s â€œreally goodâ€\u{9d}, Grüße!";
        let want = "“We’re thrilled,” said the head of Nestlé in Zürich. The café — opened in \
                    2019 — sells “crêpes” for £5, and it’s “really good”, Grüße!";
        let found = find(text);
        let parts: Vec<&str> = found.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(parts, ["Ã©", "Ã¼", "Â£", "â€œ", "â€\u{9d}"]);
        assert_eq!(apply(text, &found), want);
    }

    #[test]
    fn ascii_is_untouched() {
        assert_eq!(find(""), vec![]);
        assert_eq!(find("plain ASCII text, nothing to see"), vec![]);
    }
}
