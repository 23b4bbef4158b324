use super::{output, Ctx, Outcome};
use claimtrail::error::Result;
use claimtrail::query;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum What {
    Sources,
    Claims,
    Annotations,
    Keys,
}

/// List sources, claims, annotations or keys.
#[derive(clap::Args, Debug)]
pub struct Args {
    pub what: What,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let store = ctx.open()?;
    let conn = store.conn();
    match a.what {
        What::Sources => {
            let v = query::sources(conn)?;
            if ctx.json {
                return output::json(&v).map(|_| Outcome::Done);
            }
            let rows: Vec<Vec<String>> = v
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        s.kind.clone(),
                        output::opt(&s.publisher),
                        output::opt(&s.title),
                        s.claims.to_string(),
                        if s.redaction.is_some() {
                            "redacted".into()
                        } else {
                            format!("{} bytes", s.length)
                        },
                        s.sha256[..16].to_string(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "ID",
                    "KIND",
                    "PUBLISHER",
                    "TITLE",
                    "CLAIMS",
                    "TEXT",
                    "SHA256",
                ],
                &rows,
            );
        }
        What::Claims => {
            let v = query::claims(conn, None)?;
            if ctx.json {
                return output::json(&v).map(|_| Outcome::Done);
            }
            let rows: Vec<Vec<String>> = v
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.source.clone(),
                        c.speaker.clone(),
                        c.provenance.clone(),
                        c.quote
                            .clone()
                            .unwrap_or_else(|| "(source redacted)".into()),
                    ]
                })
                .collect();
            output::table(&["ID", "SOURCE", "SPEAKER", "VIA", "QUOTE"], &rows);
        }
        What::Annotations => {
            let v = query::annotations(conn, None)?;
            if ctx.json {
                return output::json(&v).map(|_| Outcome::Done);
            }
            let rows: Vec<Vec<String>> = v
                .iter()
                .map(|a| {
                    let mut links = Vec::new();
                    if !a.corroborates.is_empty() {
                        links.push(format!("corroborates {}", a.corroborates.join(",")));
                    }
                    if !a.contradicts.is_empty() {
                        links.push(format!("contradicts {}", a.contradicts.join(",")));
                    }
                    if let Some(s) = &a.superseded_by {
                        links.push(format!("superseded by {s}"));
                    }
                    vec![
                        a.id.clone(),
                        a.claim.clone(),
                        a.verdict.clone(),
                        format!(
                            "{}{}",
                            a.reliability.clone().unwrap_or_else(|| "-".into()),
                            a.credibility.map_or("-".into(), |c| c.to_string())
                        ),
                        a.signed.signer_name.clone(),
                        links.join("; "),
                        a.note.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(
                &["ID", "CLAIM", "VERDICT", "GRADE", "BY", "LINKS", "NOTE"],
                &rows,
            );
        }
        What::Keys => return super::key::list(ctx),
    }
    Ok(Outcome::Done)
}
