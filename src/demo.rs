//! The bundled example: a complete trail built from the Idlib article of
//! 22 July 2022 (fixtures/idlib-2022-07-22.txt), through the same append
//! path as every command. Used by `claimtrail demo` and by the tests.

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys::Signer;
use crate::log::{self, append, Appended, NewEntry};
use crate::model::*;
use crate::store::Store;
use crate::{clock, rules, text};
use std::path::{Path, PathBuf};

/// The article's exact bytes.
pub const ARTICLE: &str = include_str!("../fixtures/idlib-2022-07-22.txt");

/// The demo log's origin.
pub const ORIGIN: &str = "newsroom.example/idlib-2022";

/// What the demo made.
#[derive(Debug, serde::Serialize)]
pub struct Demo {
    #[serde(serialize_with = "lossy")]
    pub dir: PathBuf,
    #[serde(serialize_with = "lossy")]
    pub db: PathBuf,
    #[serde(serialize_with = "lossy")]
    pub admin_key: PathBuf,
    #[serde(serialize_with = "lossy")]
    pub analyst_key: PathBuf,
    #[serde(serialize_with = "lossy")]
    pub auditor_key: PathBuf,
    /// The article, the bytes of S1, as a file to quote in the README's
    /// session (`cargo install` installs the binary without the fixture).
    #[serde(serialize_with = "lossy")]
    pub article: PathBuf,
    /// The checkpoint that ends the demo, as a C2SP signed note.
    #[serde(serialize_with = "lossy")]
    pub checkpoint: PathBuf,
    pub entries: Vec<Appended>,
}

/// A path as JSON text (a name that is not UTF-8 has U+FFFD for the bytes
/// that are not: serialising the path itself fails).
fn lossy<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

struct ClaimSpec {
    quote: &'static str,
    speaker: &'static str,
    provenance: SourceKind,
    paraphrase: &'static str,
}

const CLAIMS: &[ClaimSpec] = &[
    ClaimSpec {
        quote: "Seven civilians, including four children from one family, were killed, and 12 others, including eight children, were injured.",
        speaker: "Syrian Civil Defense (White Helmets)",
        provenance: SourceKind::Tweet,
        paraphrase: "7 killed (4 children of one family), 12 injured (8 children)",
    },
    ClaimSpec {
        quote: "At least five children were killed and nine injured in the west of Idlib, in the northwest of Syria in an attack early this morning.",
        speaker: "Adele Khodr, UNICEF MENA representative",
        provenance: SourceKind::Statement,
        paraphrase: "at least 5 children killed, 9 injured",
    },
    ClaimSpec {
        quote: "This cruel war on children needs to stop.",
        speaker: "Tamer Kirolos, director of Save the Children in Syria",
        provenance: SourceKind::Statement,
        paraphrase: "",
    },
    ClaimSpec {
        quote: "killing seven people including five children and wounding more than 12 others, mostly women and children",
        speaker: "Al-Monitor",
        provenance: SourceKind::Article,
        paraphrase: "7 killed including 5 children, more than 12 wounded",
    },
    ClaimSpec {
        quote: "After the Russian occupation committed the brutal massacre in Jisr al-Shughur, the artillery and missile regiments of the National Front for Liberation responded immediately",
        speaker: "Capt. Naji Mustafa, National Front for Liberation",
        provenance: SourceKind::Interview,
        paraphrase: "the NFL shelled government positions in response",
    },
    ClaimSpec {
        quote: "The massacre committed by the Russian planes in the Idlib countryside is a message to Turkey after the failed Tehran summit.",
        speaker: "Col. Mustafa Bakour, FSA leader",
        provenance: SourceKind::Interview,
        paraphrase: "",
    },
    ClaimSpec {
        quote: "The Turkish deployment of military reinforcements to Idlib is a clear indication that the Tehran summit did not satisfy Ankara.",
        speaker: "Muhammad al-Sukari, researcher on Syrian affairs based in Gaziantep",
        provenance: SourceKind::Interview,
        paraphrase: "",
    },
    ClaimSpec {
        quote: "the drones came from the northeast, from a distance of two kilometers",
        speaker: "a spokesperson for the Russian forces in Syria, quoted by Sputnik",
        provenance: SourceKind::NewsAgency,
        paraphrase: "drones shot down near Khmeimim came from 2 km to the northeast",
    },
];

/// Builds the demo trail in `dir` (created; it must not exist or be empty).
pub fn build(dir: &Path) -> Result<Demo> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::invalid(
            format!("{} is a file, not a directory", dir.display()),
            "give a new directory with --dir, or leave --dir out to use a fresh temporary one",
        ));
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::invalid(
            format!("{} already exists and is not empty", dir.display()),
            "give a new directory with --dir, or leave --dir out to use a fresh temporary one",
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir.to_path_buf(), &e))?;
    let dir = &dir.canonicalize().map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        reason: crate::keys::io_reason(&e),
    })?;
    let key_path = |n: &str| dir.join(n);
    let admin = Signer::generate("Desk admin")?;
    let analyst = Signer::generate("Rana Haddad (analyst)")?;
    let auditor = Signer::generate("Independent auditor")?;
    for (k, n) in [
        (&admin, "admin"),
        (&analyst, "analyst"),
        (&auditor, "auditor"),
    ] {
        k.write(&key_path(n), None)?;
    }
    let db = dir.join("claimtrail.db");
    let mut entries = vec![log::init(&db, &admin, ORIGIN, "Desk admin")?];
    let mut store = Store::open(&db)?;
    for (k, name, role) in [
        (&analyst, "Rana Haddad", Role::Analyst),
        (&auditor, "Independent auditor", Role::Auditor),
    ] {
        let body = Body::KeyAdd(KeyAdd {
            key: k.public().to_openssh(),
            name: name.into(),
            role,
        });
        entries.push(append(&mut store, &admin, NewEntry::new(body))?);
    }
    let data = ARTICLE.as_bytes().to_vec();
    let source = SourceAdd {
        kind: SourceKind::Article,
        title: Some("Russia resumes bombing of northwest Syria; five children among the dead".into()),
        publisher: Some("Al-Monitor".into()),
        author: None,
        url: Some("https://www.al-monitor.com/originals/2022/07/five-children-dead-russia-resumes-bombing-northwest-syria".into()),
        published: Some("2022-07-22".into()),
        retrieved: clock::now(),
        sha256: Hash::sha256(&data),
        length: data.len() as u64,
        media_type: rules::MEDIA_TYPE.into(),
        derived_from: vec![],
    };
    let s = append(
        &mut store,
        &analyst,
        NewEntry {
            body: Body::SourceAdd(source),
            blob: Some(data),
        },
    )?;
    let s_ref = Ref {
        id: s.id.unwrap_or(ItemId::source(1)),
        hash: s.hash,
    };
    entries.push(s);
    let mut claims = Vec::new();
    let mut spans = Vec::new();
    for c in CLAIMS {
        let at = text::occurrences(ARTICLE, c.quote);
        let start = *at.first().ok_or_else(|| {
            Error::Internal(format!("demo quote not in the article: {}", c.quote))
        })?;
        let end = start + c.quote.len();
        spans.push((start, end));
        let paraphrase = (!c.paraphrase.is_empty()).then(|| c.paraphrase.to_string());
        let body = log::claim_body(
            s_ref,
            ARTICLE,
            (start, end),
            c.speaker,
            c.provenance,
            paraphrase,
        )?;
        let e = append(&mut store, &analyst, NewEntry::new(body))?;
        claims.push(Ref {
            id: e.id.unwrap_or(ItemId::claim(1)),
            hash: e.hash,
        });
        entries.push(e);
    }
    let ann = |claim: usize,
               verdict,
               rel,
               cred,
               note: &str,
               corr: &[usize],
               contra: &[usize],
               sup: Option<Ref>| {
        Body::AnnotationAdd(AnnotationAdd {
            claim: claims[claim],
            verdict,
            reliability: rel,
            credibility: Credibility::new(cred),
            note: Some(note.into()),
            corroborates: corr.iter().map(|&i| claims[i]).collect(),
            contradicts: contra.iter().map(|&i| claims[i]).collect(),
            supersedes: sup,
        })
    };
    let bodies = vec![
        ann(0, Verdict::Disputed, Some(Reliability::B), 3,
            "The White Helmets count (7 killed, four of them children from one family; 12 injured) disagrees with UNICEF's (at least 5 children killed, 9 injured). Both were issued on 22 July, hours after the strike.",
            &[], &[1], None),
        ann(1, Verdict::Disputed, Some(Reliability::A), 3,
            "UNICEF counts at least five children killed and nine injured; the White Helmets say four children (of seven dead) and twelve injured.",
            &[], &[0], None),
        ann(3, Verdict::Corroborated, Some(Reliability::B), 2,
            "Al-Monitor's own summary agrees with the White Helmets on seven dead and more than 12 wounded, and with UNICEF and Save the Children on five children.",
            &[0, 1], &[], None),
        ann(2, Verdict::Unverified, Some(Reliability::B), 6,
            "A call to action, not a factual claim; kept for the record of who condemned the strike.",
            &[], &[], None),
    ];
    let mut anns = Vec::new();
    for b in bodies {
        let e = append(&mut store, &analyst, NewEntry::new(b))?;
        anns.push(Ref {
            id: e.id.unwrap_or(ItemId::annotation(1)),
            hash: e.hash,
        });
        entries.push(e);
    }
    // A second thought: the analyst supersedes their own annotation.
    let b = ann(2, Verdict::Confirmed, Some(Reliability::B), 1,
        "The statement is on Save the Children's site under the same date; the quote matches word for word.",
        &[], &[], Some(anns[3]));
    entries.push(append(&mut store, &analyst, NewEntry::new(b))?);
    let b = ann(7, Verdict::Unverified, Some(Reliability::D), 4,
        "Second-hand: Sputnik quotes an unnamed spokesperson; no independent confirmation of the drones' origin.",
        &[], &[], None);
    entries.push(append(&mut store, &analyst, NewEntry::new(b))?);
    // A mistake and its correction: the analyst first gives Al-Monitor's
    // own summary to the White Helmets, then retracts that claim in favour
    // of C4, which quotes the same words as Al-Monitor's. The claim stays
    // in the log, marked retracted.
    let body = log::claim_body(
        s_ref,
        ARTICLE,
        spans[3],
        CLAIMS[0].speaker,
        SourceKind::Tweet,
        None,
    )?;
    let wrong = append(&mut store, &analyst, NewEntry::new(body))?;
    let wrong_ref = Ref {
        id: wrong.id.unwrap_or(ItemId::claim(1)),
        hash: wrong.hash,
    };
    entries.push(wrong);
    let body = Body::ClaimRetract(ClaimRetract {
        claim: wrong_ref,
        reason: "Misattributed: these are Al-Monitor's own words, not the White Helmets' tweet."
            .into(),
        replaced_by: Some(claims[3]),
    });
    entries.push(append(&mut store, &analyst, NewEntry::new(body))?);
    // The admin signs a checkpoint, so that reports are anchored to it and
    // claims can be exported as bundles; auditors keep the note outside
    // the database.
    let (e, note) = log::checkpoint(&mut store, &admin, |_, _| Ok(()))?;
    entries.push(e);
    let checkpoint = dir.join("checkpoint.txt");
    std::fs::write(&checkpoint, note.to_string())
        .map_err(|e| Error::write(checkpoint.clone(), &e))?;
    let article = dir.join("idlib-2022-07-22.txt");
    std::fs::write(&article, ARTICLE).map_err(|e| Error::write(article.clone(), &e))?;
    Ok(Demo {
        dir: dir.to_path_buf(),
        db,
        admin_key: key_path("admin"),
        analyst_key: key_path("analyst"),
        auditor_key: key_path("auditor"),
        article,
        checkpoint,
        entries,
    })
}
