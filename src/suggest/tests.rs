use super::*;

const ARTICLES: [&str; 5] = [
    "idlib-2022-07-22",
    "velna-dam-wire",
    "millbrook-fire-local",
    "harlow-measles-heldout",
    "brightwater-recall-blind",
];

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gold(name: &str) -> Vec<GoldClaim> {
    let json = fixture(&format!("gold/{name}.json"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("gold/{name}.json: {e}"))
}

#[test]
fn gold_files_are_sane() {
    for name in ARTICLES {
        let text = fixture(&format!("{name}.txt"));
        let gold = gold(name);
        assert!(!gold.is_empty(), "{name}: empty gold");
        for g in &gold {
            assert_eq!(
                text.get(g.start..g.end),
                Some(g.quote.as_str()),
                "{name}: span of {:?}",
                g.quote
            );
            assert!(
                PROVENANCE_KINDS.contains(&g.provenance.as_str()),
                "{name}: kind {}",
                g.provenance
            );
            assert!(
                !g.speaker.trim().is_empty(),
                "{name}: no speaker for {:?}",
                g.quote
            );
        }
        assert!(
            gold.windows(2).all(|w| w[0].start <= w[1].start),
            "{name}: gold not sorted"
        );
    }
}

/// Scores every fixture against its hand-written gold file and asserts the
/// targets of issue 8 (span recall ≥ 0.9, span precision ≥ 0.8, speaker and
/// kind precision and recall ≥ 0.8). `cargo test gold -- --nocapture` prints
/// the figures and every disagreement.
///
/// The gold files were written by hand before the rules. The last two
/// articles were held out: their first runs, before any rule was changed for
/// them, scored (spans P/R, speakers P/R, kinds P/R)
/// - harlow-measles-heldout: 1.00/0.95, 0.81/0.77, 0.90/0.86;
/// - brightwater-recall-blind: 1.00/1.00, 0.94/0.94, 0.69/0.69.
///
/// General rules were then added for what they exposed (a participle after
/// a mid-sentence attribution, `Marsh disagreed. … she said`, `the agency
/// said`, conference calls and lawsuits as channels, a verb running into the
/// next cue), so they are no longer blind.
#[test]
fn gold_evaluation_meets_targets() {
    let mut failures = Vec::new();
    for name in ARTICLES {
        let text = fixture(&format!("{name}.txt"));
        let found = suggest(&text);
        let gold = gold(name);
        let s = evaluate(&found, &gold);
        eprintln!("{name:22} {s}");
        for g in &gold {
            let hit = found
                .iter()
                .find(|f| span_overlap((f.start, f.end), (g.start, g.end)) >= 0.8);
            match hit {
                None => eprintln!("    missed: {:?} ({})", g.quote, g.speaker),
                Some(f) if !speaker_matches(&f.speaker, &g.speaker) => {
                    eprintln!(
                        "    speaker: {:?} for {:?} (gold {:?})",
                        f.speaker, g.quote, g.speaker
                    )
                }
                Some(f) if f.provenance != g.provenance => {
                    eprintln!(
                        "    kind: {} for {:?} (gold {})",
                        f.provenance, g.quote, g.provenance
                    )
                }
                _ => {}
            }
        }
        for f in &found {
            if !gold
                .iter()
                .any(|g| span_overlap((f.start, f.end), (g.start, g.end)) >= 0.8)
            {
                eprintln!("    extra: {:?} ({}, {})", f.quote(&text), f.speaker, f.cue);
            }
        }
        let checks = [
            ("span recall", s.span_recall, 0.9),
            ("span precision", s.span_precision, 0.8),
            ("speaker precision", s.speaker_precision, 0.8),
            ("speaker recall", s.speaker_recall, 0.8),
            ("kind precision", s.kind_precision, 0.8),
            ("kind recall", s.kind_recall, 0.8),
        ];
        for (what, got, min) in checks {
            if got < min {
                failures.push(format!("{name}: {what} {got:.2} < {min}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Checks the invariants every result must keep, whatever the input.
fn check_invariants(text: &str, found: &[Candidate]) {
    for c in found {
        assert!(
            c.start < c.end && c.end <= text.len(),
            "bad span {c:?} in {text:?}"
        );
        assert!(
            text.is_char_boundary(c.start) && text.is_char_boundary(c.end),
            "{c:?} in {text:?}"
        );
        assert!(PROVENANCE_KINDS.contains(&c.provenance), "{c:?}");
        assert!(!c.quote(text).trim().is_empty(), "{c:?} in {text:?}");
    }
    assert!(
        found.windows(2).all(|w| w[0].start <= w[1].start),
        "not sorted: {found:?}"
    );
}

fn only(text: &str) -> Candidate {
    let found = suggest(text);
    check_invariants(text, &found);
    assert_eq!(
        found.len(),
        1,
        "expected one candidate in {text:?}, got {found:#?}"
    );
    found.into_iter().next().unwrap_or_else(|| unreachable!())
}

#[test]
fn all_fixture_spans_are_clean() {
    for name in ARTICLES {
        let text = fixture(&format!("{name}.txt"));
        let found = suggest(&text);
        check_invariants(&text, &found);
        for c in &found {
            let q = c.quote(&text);
            assert_eq!(q, q.trim(), "untrimmed span {q:?}");
        }
    }
}

#[test]
fn empty_and_quote_free_text() {
    assert!(suggest("").is_empty());
    assert!(suggest(" \n\n\t \r\n").is_empty());
    assert!(suggest("The sun rose over the hills. Birds sang in the trees.").is_empty());
    // Apostrophes are not quotation marks.
    let text = "It's the farmers' market, isn't it? Syria’s rock ’n’ roll of the '90s. Don’t.";
    assert!(suggest(text).is_empty(), "{:#?}", suggest(text));
}

/// Text whose lines end with a CR alone is read as the same text with LF
/// line ends: a headline, byline and dateline ran into the first quotation
/// (`0..93` where LF gave `58..93`).
#[test]
fn lines_ended_by_a_cr_alone_are_lines() {
    for name in ["harlow-measles-heldout.txt", "idlib-2022-07-22.txt"] {
        let lf = fixture(name).replace("\r\n", "\n");
        let cr = lf.replace('\n', "\r");
        let spans = |text: &str| -> Vec<(usize, usize, String)> {
            suggest(text)
                .iter()
                .map(|c| (c.start, c.end, c.speaker.clone()))
                .collect()
        };
        assert_eq!(spans(&cr), spans(&lf), "{name}");
    }
}

#[test]
fn quote_across_a_line_break() {
    let text = "The mayor said on Monday, \"We will\nrebuild every house on this\nstreet.\"\n";
    let c = only(text);
    assert_eq!(
        c.quote(text),
        "We will\nrebuild every house on this\nstreet."
    );
    assert_eq!(c.speaker, "The mayor");
    assert_eq!(c.provenance, "other");
}

#[test]
fn trailing_comma_and_marks_are_excluded() {
    let text = "“We will rebuild,” Mayor Ana Diaz told reporters.";
    let c = only(text);
    assert_eq!(c.quote(text), "We will rebuild");
    assert_eq!(c.speaker, "Mayor Ana Diaz");
    assert_eq!(c.provenance, "interview");
}

#[test]
fn unbalanced_marks() {
    // Opened, never closed: runs to the end of the paragraph, not beyond.
    let text = "The minister said in a statement, “We will not negotiate under fire.\n\nThe talks are off.";
    let c = only(text);
    assert_eq!(c.quote(text), "We will not negotiate under fire.");
    assert_eq!(c.provenance, "statement");
    assert!(c.cue.contains("no closing"), "{}", c.cue);

    // A closing mark forgotten before "she said", then a new quotation.
    let text = "\"The plant is unsafe, she said. \"Nobody listened to the workers.\"";
    let found = suggest(text);
    check_invariants(text, &found);
    let quotes: Vec<&str> = found.iter().map(|c| c.quote(text)).collect();
    assert_eq!(
        quotes,
        ["The plant is unsafe", "Nobody listened to the workers."]
    );

    // Mixed styles close each other.
    let text = "The agency tweeted, “Seven people were killed in the strike.\"";
    assert_eq!(
        only(text).quote(text),
        "Seven people were killed in the strike."
    );
    assert_eq!(only(text).provenance, "tweet");

    // A closing mark with no opening one: the quotation starts after the colon.
    let text = "The mayor later added on Twitter: Crews will stay on site all week.\"";
    let c = only(text);
    assert_eq!(c.quote(text), "Crews will stay on site all week.");
    assert_eq!(c.provenance, "tweet");

    // A stray mark in a sentence without any cue does not invent a claim.
    let found = suggest("He bought a 5\" pipe and a 3\" valve.");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn multi_paragraph_quotation() {
    let text = "\"We lost everything in one night,\" Ana Ruiz said. \"Our house, our car.\n\n\"Now we sleep in the school gym with forty other families.\"";
    let found = suggest(text);
    check_invariants(text, &found);
    let quotes: Vec<&str> = found.iter().map(|c| c.quote(text)).collect();
    assert_eq!(
        quotes,
        [
            "We lost everything in one night",
            "Our house, our car.",
            "Now we sleep in the school gym with forty other families."
        ]
    );
    assert!(found.iter().all(|c| c.speaker == "Ana Ruiz"), "{found:#?}");
}

#[test]
fn nested_quotations() {
    // Single inside double: one claim, the inner quotation kept inside it.
    let text = "\"They told us, 'Leave now or you will die,' and we ran,\" said Omar Haddad.";
    let c = only(text);
    assert_eq!(
        c.quote(text),
        "They told us, 'Leave now or you will die,' and we ran"
    );
    assert_eq!(c.speaker, "Omar Haddad");

    // Double inside single (British style).
    let text = "‘The letter said everything was “within normal limits”,’ he said.";
    let c = only(text);
    assert_eq!(
        c.quote(text),
        "The letter said everything was “within normal limits”"
    );

    // “Curly” inside «guillemets».
    let text = "Le Monde quoted the minister as saying «the so-called “reform” is dead».";
    let c = only(text);
    assert_eq!(c.quote(text), "the so-called “reform” is dead");
    assert_eq!(c.speaker, "the minister");
    assert_eq!(c.provenance, "article");
}

#[test]
fn guillemets_and_other_styles() {
    let text = "«The water came in ten minutes,» said Leyla Ostrova.";
    assert_eq!(only(text).quote(text), "The water came in ten minutes");
    // French spacing.
    let text = "The mayor said: « We will stay here. »";
    assert_eq!(only(text).quote(text), "We will stay here.");
    // Reversed guillemets and German marks.
    let text = "The chancellor said in a statement: »We stand together.«";
    assert_eq!(only(text).quote(text), "We stand together.");
    let text = "The chancellor told reporters: „We stand together.“";
    assert_eq!(only(text).quote(text), "We stand together.");
    // Corner brackets.
    let text = "The minister said, 「We will respond firmly.」";
    assert_eq!(only(text).quote(text), "We will respond firmly.");
    // British single quotes with apostrophes and a possessive inside.
    let text = "‘We can’t promise anything. The villagers’ houses are gone,’ Lazko said.";
    assert_eq!(
        only(text).quote(text),
        "We can’t promise anything. The villagers’ houses are gone"
    );
}

#[test]
fn reported_speech() {
    let text = "According to the UN, about 4,000 people have fled the town.";
    let c = only(text);
    assert_eq!(c.quote(text), "about 4,000 people have fled the town");
    assert_eq!((c.speaker.as_str(), c.provenance), ("the UN", "other"));

    let text = "Power was cut to 12,000 homes, according to Reuters.";
    let c = only(text);
    assert_eq!(c.quote(text), "Power was cut to 12,000 homes");
    assert_eq!(c.provenance, "news_agency");

    // The source's name ends where a quotation, a semicolon or a colon
    // goes on past it.
    for text in [
        "\"Three people died,\" according to the hospital, \"and ten were injured in the strike.\"",
        "Three people died in the strike, according to the hospital; ten more were injured.",
    ] {
        let cs = suggest(text);
        assert!(!cs.is_empty(), "{text}");
        for c in &cs {
            assert!(
                c.speaker.is_empty() || c.speaker == "the hospital",
                "{text}: {c:?}"
            );
        }
        assert!(
            cs.iter().any(|c| c.speaker == "the hospital"),
            "{text}: {cs:?}"
        );
    }
    // The comma inside the marks: the quotation is the claim.
    for text in [
        "\"The road is closed,\" according to the Red Crescent.",
        "“The road to Idlib is closed,” according to the Red Crescent.",
    ] {
        let c = only(text);
        assert!(c.quote(text).starts_with("The road"), "{text}: {c:?}");
        assert!(!c.quote(text).contains('"'), "{text}: {c:?}");
        assert_eq!(c.speaker, "the Red Crescent", "{text}: {c:?}");
    }

    let text = "Interfax, citing a police source, reported that two suspects had been detained.";
    let c = only(text);
    assert_eq!(c.quote(text), "two suspects had been detained");
    assert_eq!(
        (c.speaker.as_str(), c.provenance),
        ("a police source", "news_agency")
    );

    let text = "Three bridges collapsed overnight, officials said Wednesday.";
    let c = only(text);
    assert_eq!(c.quote(text), "Three bridges collapsed overnight");
    assert_eq!(c.speaker, "officials");
    // Datelines are not part of the claim.
    for text in [
        "CHICAGO, March 4 (Reuters) - Three bridges collapsed overnight, officials said.",
        "ALEPPO — Three bridges collapsed overnight, officials said.",
        "MILLBROOK -- Three bridges collapsed overnight, officials said.",
    ] {
        assert_eq!(
            only(text).quote(text),
            "Three bridges collapsed overnight",
            "{text}"
        );
    }

    // Scare quotes and titles alone are not claims.
    let found =
        suggest("Locals call the dam “the old lady” and the “Know Your Exits” signs are new.");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn speakers_are_resolved() {
    let text = "Col. Mustafa Bakour, an FSA commander, told Al-Monitor, “The front is quiet.”\n\nBakour added, “We are ready.”\n\nHe went on, “Nobody wants a new war.”";
    let found = suggest(text);
    check_invariants(text, &found);
    assert_eq!(found.len(), 3, "{found:#?}");
    for c in &found {
        assert_eq!(c.speaker, "Col. Mustafa Bakour, an FSA commander");
        assert_eq!(c.provenance, "interview");
    }
}

/// A time phrase before the speaker says when, not who: it was kept in
/// the speaker ("Yesterday the UN"), which `--add all` signed. A title
/// that begins with a time-like word (`First Minister`) and a name that is
/// a month (`May`) stay.
#[test]
fn a_time_phrase_before_the_speaker_is_not_the_speaker() {
    for (said, speaker) in [
        ("Yesterday the UN said", "the UN"),
        ("This morning the Kremlin said", "the Kremlin"),
        ("Later that day the army said", "the army"),
        ("On Tuesday the mayor said", "the mayor"),
        ("Late on Thursday night the ministry said", "the ministry"),
        ("July 22 the ministry said", "the ministry"),
        (
            "First Minister Nicola Sturgeon said",
            "First Minister Nicola Sturgeon",
        ),
        ("May said", "May"),
        // A capital after the time word may be the name's own.
        ("Today FM said", "Today FM"),
        (
            "Sunday Times reporter Ali Khan said",
            "Sunday Times reporter Ali Khan",
        ),
        ("Morning Star said", "Morning Star"),
    ] {
        let text =
            format!("{said}: \"We will publish the figures for every council in the region.\"");
        let c = only(&text);
        assert_eq!(c.speaker, speaker, "{text}");
    }
}

/// `The army said` after a police spokesman's words is the army's: a
/// body named by its noun goes back only to a speaker that is that body
/// (or, for a generic noun, an organisation), never to a person of another
/// one (red-team round 4: the army's words were given to the spokesman).
#[test]
fn the_army_is_not_the_police_spokesman() {
    for (text, second) in [
        (
            "Police spokesman Tom Lee said \"no arrests were made tonight at all.\" The army said \"the dam will hold through the storm.\"",
            "The army",
        ),
        (
            "Police spokesman Tom Lee told Reuters that \"no arrests were made tonight.\"\nThe ministry said in a statement that «the dam will hold through the storm».",
            "The ministry",
        ),
        // The same body, named again: its words.
        (
            "The Syrian army said \"the roads north are open again today.\" The army said \"the dam will hold through the storm.\"",
            "The Syrian army",
        ),
        // A group is not a ministry (it was: `the group` went back to any
        // organisation).
        (
            "The Interior Ministry said \"the roads north are open again today.\" In a statement, the group said \"the dam will hold through the storm.\"",
            "the group",
        ),
        (
            "The Syria Solidarity Group said \"the roads north are open again today.\" The group said \"the dam will hold through the storm.\"",
            "The Syria Solidarity Group",
        ),
    ] {
        let found = suggest(text);
        assert_eq!(found.len(), 2, "{text}: {found:?}");
        assert_eq!(found[1].speaker, second, "{text}");
    }
}

#[test]
fn matching_rule() {
    assert!(span_overlap((0, 100), (0, 99)) >= 0.8);
    assert!(span_overlap((0, 100), (50, 100)) < 0.8);
    assert_eq!(span_overlap((0, 0), (0, 0)), 0.0);
    assert!(speaker_matches(
        "the head of the emergency service, Dmitri Lazko",
        "Dmitri Lazko"
    ));
    assert!(speaker_matches(
        "Sukari",
        "Muhammad al-Sukari, a researcher"
    ));
    assert!(speaker_matches(
        "UNICEF's MENA representative Adele Khodr",
        "Adele Khodr"
    ));
    assert!(!speaker_matches(
        "Syria",
        "Tamer Kirolos, director of Save the Children in Syria"
    ));
    assert!(!speaker_matches("the", "the ministry"));
    assert!(!speaker_matches("", "officials"));

    let gold = vec![GoldClaim {
        start: 0,
        end: 10,
        quote: "0123456789".into(),
        speaker: "Ana Ruiz".into(),
        provenance: "tweet".into(),
    }];
    let cand = |start, end, speaker: &str, provenance| Candidate {
        start,
        end,
        speaker: speaker.into(),
        provenance,
        cue: String::new(),
        speaker_hyphenated: None,
    };
    let s = evaluate(
        &[cand(0, 9, "Ruiz", "tweet"), cand(0, 10, "X", "other")],
        &gold,
    );
    assert_eq!(
        (s.span_matches, s.speaker_matches, s.kind_matches),
        (1, 0, 0)
    );
    assert_eq!((s.span_precision, s.span_recall), (0.5, 1.0));
    let s = evaluate(&[], &gold);
    assert_eq!((s.span_precision, s.span_recall), (0.0, 0.0));
    let s = evaluate(&[], &[]);
    assert_eq!((s.span_precision, s.span_recall), (1.0, 1.0));
}

/// xorshift64*: a tiny deterministic generator, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn never_panics_on_arbitrary_text() {
    const PIECES: &[&str] = &[
        "\"",
        "'",
        "“",
        "”",
        "‘",
        "’",
        "«",
        "»",
        "„",
        "‹",
        "›",
        "「",
        "」",
        "『",
        "』",
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        "\r\n",
        "\u{a0}",
        "\u{202f}",
        ",",
        ".",
        ":",
        ";",
        "—",
        "--",
        "-",
        "(",
        ")",
        "?",
        "!",
        "…",
        "said",
        "told",
        "tweeted",
        "according",
        "to",
        "that",
        "citing",
        "quoted",
        "as",
        "saying",
        "he",
        "she",
        "The",
        "the",
        "agency",
        "Reuters",
        "Ana",
        "Ruiz",
        "in",
        "a",
        "statement",
        "video",
        "went",
        "on",
        "added",
        "é",
        "中文",
        "😀",
        "e\u{301}",
        "Capt.",
        "U.S.",
        "'90s",
        "don't",
        "x",
        "ALEPPO",
        "7",
        "2,000",
        "\t",
    ];
    // SUGGEST_FUZZ_ITERS=1000000 for a longer run by hand.
    let iters = std::env::var("SUGGEST_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..iters {
        let len = rng.below(120);
        let mut text = String::new();
        for _ in 0..len {
            text.push_str(PIECES[rng.below(PIECES.len())]);
            if rng.below(3) == 0 {
                text.push(' ');
            }
        }
        let found = suggest(&text);
        check_invariants(&text, &found);
        let _ = evaluate(&found, &[]);
    }
    // Real articles, cut and spliced at random char boundaries, with quotation
    // marks and line breaks inserted or removed: reaches the deep paths.
    let texts: Vec<String> = ARTICLES
        .iter()
        .map(|n| fixture(&format!("{n}.txt")))
        .collect();
    for _ in 0..iters / 4 {
        let Some(base) = texts.get(rng.below(texts.len())) else {
            continue;
        };
        let bounds: Vec<usize> = (0..=base.len())
            .filter(|&i| base.is_char_boundary(i))
            .collect();
        let a = bounds[rng.below(bounds.len())];
        let b = bounds[rng.below(bounds.len())];
        let (a, b) = (a.min(b), a.max(b));
        let mut text = base[a..b].to_string();
        for _ in 0..rng.below(12) {
            let cut: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let at = cut[rng.below(cut.len())];
            if rng.below(2) == 0 {
                text.insert_str(at, PIECES[rng.below(17)]);
            } else if let Some(c) = text[at..].chars().next() {
                text.replace_range(at..at + c.len_utf8(), "");
            }
        }
        let found = suggest(&text);
        check_invariants(&text, &found);
    }
    // Raw bytes made valid UTF-8 the lossy way.
    for _ in 0..1000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 56) as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        check_invariants(&text, &suggest(&text));
    }
}

/// The suggester's provenance kinds are the format's, word for word:
/// `claim suggest --add` parses a candidate's kind back as a `SourceKind`.
#[test]
fn provenance_kinds_are_the_formats() {
    assert_eq!(&PROVENANCE_KINDS[..], crate::model::SourceKind::NAMES);
}

/// Chinese is written without spaces: a quotation of 26 characters counts
/// as 13 words, and is listed; it was one "word", never long enough.
#[test]
fn a_chinese_quotation_is_long_enough_to_be_listed() {
    let text = "Yesterday: “中方始终坚持劝和促谈的立场，愿继续为此发挥建设性作用。”\n";
    let found = suggest(text);
    check_invariants(text, &found);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].quote(text).starts_with("中方始终"));
}

/// The speakers `suggest` gives for `text`, in order.
fn speakers(text: &str) -> Vec<String> {
    let found = suggest(text);
    check_invariants(text, &found);
    found.into_iter().map(|c| c.speaker).collect()
}

/// A quotation whose sentence holds words no cue explained (a verb the
/// lexicon lacks: `countered`, `retorted`) may be another person's: it
/// was given to the previous speaker as "continues the quotation", and
/// `--add all` signed the lawyer's words as the mayor's (red-team round 5).
#[test]
fn a_quotation_beside_unexplained_words_continues_no_one() {
    for text in [
        "The mayor said: \"We will rebuild.\" His lawyer, Jane Roe, countered: \"Nothing was ever promised to the residents of this town.\"",
        "The mayor said: \"We will rebuild every house.\" Jane Roe disagreed: \"Nothing was ever promised to anyone in this town.\"",
        "The mayor said: \"We will rebuild every house.\"\n\n\"Nothing was ever promised to the residents of this town,\" Jane Roe retorted.",
    ] {
        let found = suggest(text);
        check_invariants(text, &found);
        assert_eq!(found.len(), 2, "{text}: {found:#?}");
        assert_eq!(found[0].speaker, "The mayor", "{text}");
        assert_eq!(found[1].speaker, "", "{text}: {found:#?}");
    }
    // A quotation alone in its sentence (or after `And`) still continues.
    let text = "The mayor said: \"We will rebuild.\" \"It will take years and a lot of money.\" And \"nobody will be left behind.\"";
    assert_eq!(speakers(text), ["The mayor"; 3], "{text}");
}

/// A pronoun with no one before it to stand for is no speaker: `"It was
/// chaos," she said.` opening a text gave the speaker `she`.
#[test]
fn a_pronoun_that_stands_for_no_one_is_no_speaker() {
    for text in [
        "\"It was chaos,\" she said.",
        "\"We ran for our lives,\" they said. \"The water rose in minutes and took the cars.\"",
        "He said: \"The plant was never inspected.\"",
    ] {
        let found = speakers(text);
        assert!(!found.is_empty(), "{text}");
        assert!(found.iter().all(String::is_empty), "{text}: {found:?}");
    }
    // With someone before it, it is them.
    let text = "Ana Ruiz said: \"We lost the house.\" \"It was chaos,\" she said.";
    assert_eq!(speakers(text), ["Ana Ruiz", "Ana Ruiz"]);
}

/// The listener after `told` is no part of the claim or the speaker:
/// `Bob Smith told reporter Amy Fox "the dam held."` gave the claim
/// `reporter Amy Fox "the dam held."`.
#[test]
fn the_listener_after_told_is_not_in_the_claim() {
    for text in [
        "Bob Smith told reporter Amy Fox \"the dam held.\"",
        "Bob Smith told BBC reporter Amy Fox: \"the dam held.\"",
        "Bob Smith told the court clerk Ann Lee, \"the dam held.\"",
    ] {
        let c = only(text);
        assert_eq!(c.quote(text), "the dam held.", "{text}");
        assert_eq!(
            (c.speaker.as_str(), c.provenance),
            ("Bob Smith", "interview")
        );
    }
    let text = "\"The dam held through the night,\" said Bob Smith, who told reporter Amy Fox.";
    assert_eq!(only(text).speaker, "Bob Smith");
}

/// A clause before the speaker is not the speaker: `while the opposition
/// leader Jane Roe said` began with `while`, and `Bob Smith, adding that
/// Alice Jones had said` was `adding that Alice Jones had`.
#[test]
fn a_clause_before_the_speaker_is_left_out_of_it() {
    for (said, speaker) in [
        (
            "The vote was delayed while the opposition leader Jane Roe said",
            "the opposition leader Jane Roe",
        ),
        (
            "While the opposition leader Jane Roe said",
            "the opposition leader Jane Roe",
        ),
        ("The crowd cheered when the mayor said", "the mayor"),
        ("Bob Smith, adding that Alice Jones had said", "Alice Jones"),
        ("The mayor has said", "The mayor"),
        // A `that` after a noun opens no clause of a speaker.
        (
            "A report that the ministry published said",
            "A report that the ministry published",
        ),
    ] {
        let text =
            format!("{said} \"we will not take part in this farce of a vote today,\" and left.");
        assert_eq!(only(&text).speaker, speaker, "{text}");
    }
}

/// A terminal escape sequence in a name is neither kept nor half
/// stripped: `Senator Kim\x1b[1m Lee said` gave `Senator Kim[1m Lee`.
#[test]
fn escape_sequences_are_not_left_in_a_speaker() {
    for said in [
        "Senator Kim\u{1b}[1m Lee said",
        "\u{1b}[1;31mSenator Kim Lee\u{1b}[0m said",
        "Senator \u{1b}]8;;https://example.org/lee\u{1b}\\Kim Lee\u{1b}]8;;\u{1b}\\ said",
        "Senator Kim\u{9b}1m Lee said",
        "Senator Kim\u{7} Lee said",
    ] {
        let text = format!("{said} \"we will block the bill.\"");
        let c = only(&text);
        assert_eq!(c.speaker, "Senator Kim Lee", "{text:?}");
        assert_eq!(c.quote(&text), "we will block the bill.", "{text:?}");
    }
    // A malformed one leaves no control, whatever it leaves.
    for said in [
        "Senator Kim\u{1b}[ Lee said",
        "Senator Kim\u{1b}]8; Lee said",
    ] {
        let text = format!("{said} \"we will block the bill.\"");
        for c in suggest(&text) {
            assert!(!c.speaker.chars().any(char::is_control), "{c:?}");
        }
    }
}

/// `according to a statement`, `in a statement`, `according to reports`
/// name a channel, not a speaker: the speaker is the subject of the
/// sentence's speech verb, or no one. The red team's sentence gave two
/// candidates, one said by `a statement`, which `--add all` signed.
#[test]
fn a_channel_after_according_to_is_no_speaker() {
    let text = "The opposition's National Front for Liberation said it had \"responded immediately\" to the attack, according to a statement.";
    let c = only(text);
    assert_eq!(
        c.speaker, "The opposition's National Front for Liberation",
        "{c:?}"
    );
    assert_eq!(c.provenance, "statement");
    assert_eq!(
        c.quote(text),
        "it had \"responded immediately\" to the attack"
    );
    for (text, speaker, kind) in [
        // No one is named: listed with no speaker, the channel its kind.
        (
            "Seven people were killed in the strike, according to a report.",
            "",
            "report",
        ),
        (
            "The convoy was hit twice, according to reports.",
            "",
            "other",
        ),
        (
            "The strike killed nine people, according to local media reports.",
            "",
            "other",
        ),
        (
            "According to a July 22 statement, the strike killed nine people.",
            "",
            "statement",
        ),
        (
            "A statement said the strike killed nine people and wounded dozens.",
            "",
            "statement",
        ),
        // The channel's author is the speaker.
        (
            "The army had withdrawn from the town, according to a report by Reuters.",
            "Reuters",
            "news_agency",
        ),
        (
            "The bridge was destroyed overnight, according to a statement from the Interior Ministry.",
            "the Interior Ministry",
            "statement",
        ),
        (
            "The death toll rose to 40, according to the ministry's statement.",
            "the ministry",
            "statement",
        ),
        (
            "The strike hit a school, according to a statement released by the army on Tuesday.",
            "the army",
            "statement",
        ),
        (
            "A statement issued by the army said the strike killed nine people.",
            "the army",
            "statement",
        ),
        // The participle after the author says when it came out.
        (
            "A report by Reuters published on Monday said 40 people had died.",
            "Reuters",
            "report",
        ),
        // A relay after the verb's clause: the verb's subject speaks.
        (
            "The ministry said the talks had failed, according to the Interfax news agency.",
            "The ministry",
            "news_agency",
        ),
        (
            "According to a statement, the army said the strike killed nine people.",
            "the army",
            "statement",
        ),
        // People left unnamed are who the source gives the words to.
        (
            "At least 12 houses were destroyed, according to witnesses.",
            "witnesses",
            "other",
        ),
        // A document told apart by a name or a clause is not a bare channel.
        (
            "The strike killed nine, according to a UN report.",
            "a UN report",
            "report",
        ),
    ] {
        let c = only(text);
        assert_eq!(c.speaker, speaker, "{text}: {c:?}");
        assert_eq!(c.provenance, kind, "{text}: {c:?}");
    }
}

/// `--add all` keeps, of candidates that overlap, the one whose speaker
/// says most who spoke: a name over people left unnamed over no one.
#[test]
fn speaker_ranks() {
    for (speaker, rank) in [
        ("", SpeakerRank::None),
        ("a statement", SpeakerRank::Generic),
        ("witnesses", SpeakerRank::Generic),
        ("Witnesses", SpeakerRank::Generic),
        ("a source", SpeakerRank::Generic),
        ("The mayor", SpeakerRank::Generic),
        ("Health officials", SpeakerRank::Generic),
        ("a spokesperson for the ministry", SpeakerRank::Generic),
        ("A July 22 statement", SpeakerRank::Generic),
        ("Kirolos", SpeakerRank::Named),
        ("UNICEF", SpeakerRank::Named),
        ("@SyriaCivilDef", SpeakerRank::Named),
        (
            "The opposition's National Front for Liberation",
            SpeakerRank::Named,
        ),
        (
            "a spokesperson for the Interior Ministry",
            SpeakerRank::Named,
        ),
        (
            "Tamer Kirolos, director of Save the Children in Syria",
            SpeakerRank::Named,
        ),
    ] {
        assert_eq!(speaker_rank(speaker), rank, "{speaker:?}");
    }
    assert!(SpeakerRank::Named > SpeakerRank::Generic && SpeakerRank::Generic > SpeakerRank::None);
}

/// A name broken by a hyphen at a line's end (PDF copy) is made whole as
/// the quote matcher reads it: `Hu-` then `man` is `Human`, `al-` then
/// `Shughur` is `al-Shughur`; it was `the Syrian Network for Hu- man Rights`.
#[test]
fn a_name_broken_at_a_line_end_is_made_whole() {
    for (text, speaker) in [
        (
            "According to the Syrian Network for Hu-\nman Rights, \u{201c}seven civilians were killed.\u{201d}",
            "the Syrian Network for Human Rights",
        ),
        (
            "According to the Syrian Network for Hu-\r\n   man Rights, \u{201c}seven civilians were killed.\u{201d}",
            "the Syrian Network for Human Rights",
        ),
        (
            "According to the council of Jisr al-\nShughur, \u{201c}seven civilians were killed.\u{201d}",
            "the council of Jisr al-Shughur",
        ),
        (
            "According to the Syrian Network for Hu\u{ad}\nman Rights, \u{201c}seven civilians were killed.\u{201d}",
            "the Syrian Network for Human Rights",
        ),
        (
            "\u{201c}Our teams are still searching,\u{201d} said the head of the White Hel-\nmets in Idlib.",
            "the head of the White Helmets",
        ),
        // A hyphen before a space on the same line is left as it is.
        (
            "According to the Hu- man group, \u{201c}seven civilians were killed.\u{201d}",
            "the Hu- man group",
        ),
    ] {
        assert_eq!(only(text).speaker, speaker, "{text:?}");
    }
}

/// Before a small letter a hyphen at a line's end breaks a word (`Hu-`
/// `man`) or ends a compound's first word (`Turkish-` `backed`): the
/// speaker is joined as a guess and says so, with the hyphen kept as the
/// other spelling; `--add all` signed `The Turkishbacked Syrian National
/// Army`. Before a capital or a digit the hyphen stays, with no guess
/// (`al-Shughur`, `COVID-19`: the speaker was `The COVID- 19 Task Force`);
/// a soft hyphen is a break's alone.
#[test]
fn a_speaker_joined_across_a_line_by_a_guess_says_so() {
    for (text, speaker, hyphenated) in [
        (
            "The Turkish-\nbacked Syrian National Army said it had \u{201c}repelled an infiltration attempt\u{201d}.",
            "The Turkishbacked Syrian National Army",
            Some("The Turkish-backed Syrian National Army"),
        ),
        (
            "The pro-\ngovernment Al-Watan newspaper reported that \u{201c}the army advanced five kilometres.\u{201d}",
            "The progovernment Al-Watan newspaper",
            Some("The pro-government Al-Watan newspaper"),
        ),
        (
            "Kurdish self-\r\n  defense units said \u{201c}the town is under our control.\u{201d}",
            "Kurdish selfdefense units",
            Some("Kurdish self-defense units"),
        ),
        (
            "According to the Syrian Network for Hu-\nman Rights, \u{201c}seven civilians were killed.\u{201d}",
            "the Syrian Network for Human Rights",
            Some("the Syrian Network for Hu-man Rights"),
        ),
        (
            "The COVID-\n19 Task Force said \u{201c}the spread has slowed in the past week.\u{201d}",
            "The COVID-19 Task Force",
            None,
        ),
        (
            "According to the council of Jisr al-\nShughur, \u{201c}seven civilians were killed.\u{201d}",
            "the council of Jisr al-Shughur",
            None,
        ),
        (
            "According to the Syrian Network for Hu\u{ad}\nman Rights, \u{201c}seven civilians were killed.\u{201d}",
            "the Syrian Network for Human Rights",
            None,
        ),
    ] {
        // A sentence and the quotation in it may both be candidates.
        let found = suggest(text);
        assert!(!found.is_empty(), "{text:?}");
        for c in found {
            assert_eq!(
                (c.speaker.as_str(), c.speaker_hyphenated.as_deref()),
                (speaker, hyphenated),
                "{text:?}"
            );
            assert_eq!(c.speaker_broken(), hyphenated.is_some(), "{text:?}");
        }
    }
}

/// An emoji or a symbol at a speaker's ends is none of the name (`said
/// volunteer Abu Ahmad 🙏` gave `volunteer Abu Ahmad 🙏`): the whole
/// sequence goes, selectors, skin tones and joiners with it.
#[test]
fn symbols_at_a_speakers_ends_are_left_out() {
    for tail in [
        " \u{1f64f}",
        "\u{1f64f}",
        " \u{1f64f}\u{1f3fd}",
        " \u{2764}\u{fe0f}",
        " \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
        " \u{1f1f8}\u{1f1fe}",
        " \u{2705} \u{2b50}",
        " \u{2122}",
    ] {
        let text = format!(
            "\u{201c}Our teams are still searching,\u{201d} said volunteer Abu Ahmad{tail}"
        );
        assert_eq!(only(&text).speaker, "volunteer Abu Ahmad", "{text:?}");
        let text = format!(
            "\u{1f534}{tail} Abu Ahmad said \u{201c}our teams are still searching.\u{201d}"
        );
        assert_eq!(only(&text).speaker, "Abu Ahmad", "{text:?}");
    }
}

/// Of candidates that overlap, `--add all` keeps the one that names its
/// speaker, then one with people left unnamed, the first on a tie: it kept
/// the first, `a statement`'s sentence over the front's clause inside it.
#[test]
fn add_all_keeps_the_named_one_of_overlapping_candidates() {
    let cand = |start: usize, end: usize, speaker: &str| Candidate {
        start,
        end,
        speaker: speaker.into(),
        provenance: "other",
        cue: String::new(),
        speaker_hyphenated: None,
    };
    let found = [
        cand(0, 100, "a statement"),
        cand(20, 100, "The opposition's National Front for Liberation"),
        cand(40, 60, "officials"),
        cand(120, 150, "officials"),
        cand(130, 140, "the mayor"),
        cand(200, 210, "Jane Roe"),
    ];
    let overlaps = vec![vec![2, 3], vec![1, 3], vec![1, 2], vec![5], vec![4], vec![]];
    let (kept, left) = keep_one_of_overlapping(&found, vec![0, 1, 2, 3, 4, 5], &overlaps);
    assert_eq!(kept, [1, 3, 5]);
    assert_eq!(left, [(0, 1), (2, 1), (4, 3)]);
    // Only those given are kept (one already claimed is not).
    let (kept, left) = keep_one_of_overlapping(&found, vec![0, 2], &overlaps);
    assert_eq!((kept, left), (vec![0], vec![(2, 0)]));
}

#[test]
fn a_passage_longer_than_any_sentence_is_not_proposed() {
    // Unpunctuated text after a `said` ran to the text's end as one
    // "reported clause" (red team Y, F6).
    let words = |n: usize| vec!["the rebuilding of the road"; n / 5].join(" ");
    let short = format!("The mayor said {}.\n", words(200));
    let found = suggest(&short);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].speaker, "The mayor");
    let long = format!("The mayor said {}\n", words(CANDIDATE_WORDS_MAX + 5));
    assert!(suggest(&long).is_empty());
    // Nor in a script written without spaces.
    let cjk = format!(
        "市长说：“{}”\n",
        "重建道路".repeat(CANDIDATE_BYTES_MAX / 10)
    );
    assert!(suggest(&cjk)
        .iter()
        .all(|c| c.end - c.start <= CANDIDATE_BYTES_MAX));
}

#[test]
fn one_long_line_does_not_cut_hard_wrapped_quotations() {
    // The article's own tracking line at the end made every wrap a
    // paragraph's end (red team A, F2).
    let tracked = "Tamer Kirolos, director of Save the Children in Syria, said in a\n\
        statement, “This cruel war on children needs to stop. We call on all\n\
        parties to protect children.”\n\
        Read more: https://www.al-monitor.com/originals/2022/07/five-children-dead-russia-resumes-bombing-northwest-syria#ixzz7aeD6z5yU\n";
    let found = suggest(tracked);
    let quote = found
        .iter()
        .find(|c| c.quote(tracked).starts_with("This cruel war"));
    let quote = quote.unwrap_or_else(|| panic!("{found:?}"));
    assert!(
        quote.quote(tracked).ends_with("protect children."),
        "{found:?}"
    );
    assert!(quote.speaker.starts_with("Tamer Kirolos"), "{found:?}");
    // A wrapped line of 76 characters that holds Arabic is 105 bytes.
    let bilingual =
        "IDLIB, Syria (AP) — Abu Mohammed al-Halabi (أبو محمد الحلبي، متطوع في الدفاع\n\
        المدني) of the White Helmets said “we pulled seven bodies from the rubble,\n\
        and four of them were children,” adding that the search would go on.\n";
    assert!(bilingual.lines().next().unwrap().len() > 100);
    let found = suggest(bilingual);
    assert!(
        found
            .iter()
            .any(|c| c.quote(bilingual).ends_with("four of them were children")),
        "{found:?}"
    );
    // Lines of a paragraph each, most of them long, are still paragraphs.
    let lined = format!(
        "Headline\n{}\n“We will rebuild,” she said.\n{}\n",
        "The mayor spoke at length about the road. ".repeat(4),
        "The council met again on Friday to vote on the budget. ".repeat(3)
    );
    assert!(suggest(&lined)
        .iter()
        .any(|c| c.quote(&lined) == "We will rebuild"));
    // A live blog: lines mostly short (time stamps), one paragraph each; read
    // as one paragraph, its speakers took the time stamps (red team D, D2).
    let live = "LIVE: Strikes on Idlib\n10:02 GMT\n\
        The Syrian Civil Defense said in a statement on Friday morning that rescuers had pulled seven bodies from the rubble of a house in Jadida.\n\
        10:15 GMT\nUNICEF's Adele Khodr said: \"At least five children were killed.\n\
        10:45 GMT\nSave the Children's Tamer Kirolos said: \"This cruel war on children needs to stop.\"\n";
    let found = suggest(live);
    let cruel = found
        .iter()
        .find(|c| c.quote(live).starts_with("This cruel war"));
    assert_eq!(
        cruel.map(|c| c.speaker.as_str()),
        Some("Save the Children's Tamer Kirolos"),
        "{found:?}"
    );
    assert!(
        found.iter().all(|c| !c.speaker.contains("GMT")),
        "{found:?}"
    );
}

#[test]
fn a_name_and_age_before_of_are_the_speaker() {
    // The speaker was `of the White Helmets`, which `--add all` signed
    // (red team A, F3); with a comma after the organisation it was right.
    for text in [
        "Ahmad Hassan, 41, of the White Helmets said \"we will stay.\"\n",
        "Ahmad Hassan, 41, of the White Helmets, said \"we will stay.\"\n",
    ] {
        let found = suggest(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].speaker, "Ahmad Hassan, 41, of the White Helmets",
            "{text}"
        );
    }
    // Not a year, nor a number after `of` (red team D, D5).
    for text in [
        "Reuters, 2022, of the agency's reporters said \"we will stay.\"\n",
        "Smith, 2, of 3 said \"we will stay.\"\n",
    ] {
        let found = suggest(text);
        assert!(
            found.iter().all(|c| !c.speaker.contains(", 2")),
            "{found:?}"
        );
    }
    // Not a clause before it: `In the north, of all places, officials said`.
    let text = "In the north, of all places, officials said \"the road is open.\"\n";
    let found = suggest(text);
    assert!(
        found.iter().all(|c| !c.speaker.starts_with("In the north")),
        "{found:?}"
    );
}
