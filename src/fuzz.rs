//! Every parser of outside input, fed arbitrary bytes: each must return an
//! error, never panic. (proptest, in the test suite; the checkpoint and
//! canonical-JSON parsers have their own in their modules.)

use crate::entry::Payload;
use crate::keys::{parse_sig, PublicKey, Signer};
use crate::model::{Fingerprint, ItemId};
use crate::{checkpoint, clock, text};
use proptest::prelude::*;
use std::path::Path;

/// Strings made of the pieces these parsers look for, so that the cases
/// reach past the first byte.
fn near_miss() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("ssh-ed25519 ".to_string()),
            Just("AAAAC3NzaC1lZDI1NTE5AAAAI".to_string()),
            Just("-----BEGIN OPENSSH PRIVATE KEY-----\n".to_string()),
            Just("b3BlbnNzaC1rZXktdjEAAAAA".to_string()),
            Just("SHA256:".to_string()),
            Just("2026-11-24T19:13:28Z".to_string()),
            Just("..".to_string()),
            Just("{\"v\":1,".to_string()),
            Just("\u{2014} ".to_string()),
            "[A-Za-z0-9+/=:.\\-\n ]{0,12}",
            any::<String>(),
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

/// Text of words, typography and elision marks, as quotes and sources have.
fn quoted_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("Seven civilians".to_string()),
            Just(" were killed".to_string()),
            Just(" … ".to_string()),
            Just("[...]".to_string()),
            Just("...".to_string()),
            Just("“İstanbul’s”".to_string()),
            Just("e\u{301} \u{a0}\n".to_string()),
            "[a-zA-Z ,.]{0,6}",
            any::<String>(),
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn key_parsers_never_panic(s in near_miss(), b in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = PublicKey::from_openssh(&s);
        std::env::remove_var(crate::keys::PASSPHRASE_ENV);
        let _ = Signer::parse(s.as_bytes(), Path::new("fuzz"));
        let _ = Signer::parse(&b, Path::new("fuzz"));
        let _ = s.parse::<Fingerprint>();
    }

    #[test]
    fn sshsig_and_payload_parsers_never_panic(b in prop::collection::vec(any::<u8>(), 0..600), s in near_miss()) {
        let _ = parse_sig(&b);
        let mut framed = b"SSHSIG".to_vec();
        framed.extend_from_slice(&b);
        let _ = parse_sig(&framed);
        let _ = Payload::parse(&b);
        let _ = Payload::parse(s.as_bytes());
    }

    #[test]
    fn date_id_and_span_parsers_never_panic(s in near_miss(), t in any::<String>(), a in any::<usize>(), z in any::<usize>()) {
        let _ = clock::check_utc(&s);
        let _ = clock::check_published(&s);
        let _ = clock::period_end(&s, false);
        let _ = clock::period_end(&s, true);
        let _ = s.parse::<ItemId>();
        let _ = text::parse_span(&s);
        let _ = text::span(&t, a % (t.len() + 2), z % (t.len() + 2));
        let _ = text::span(&t, a, z);
        let _ = text::prefix(&t, a % (t.len() + 1));
        let _ = text::suffix(&t, z % (t.len() + 1));
        let _ = text::occurrences(&t, &s);
        let _ = text::near_matches(&t, &s);
        let _ = text::near_matches(&s, &t);
        let _ = text::holds(Some(&t), &s);
        let _ = text::holds(Some(&s), &t);
        let _ = text::escape(&t);
        let _ = text::elided_parts(&t, &s);
        let _ = text::partial_match(&t, &s, 12);
        let _ = text::partial_match(&s, &t, 12);
    }

    /// Locating a quote or span a user gave, and every message made when it
    /// is not there (near matches, an elided quote, a quote that parts from
    /// the text), in text made of the pieces those look for.
    #[test]
    fn quote_locating_never_panics(
        t in quoted_text(),
        q in quoted_text(),
        k in proptest::option::of(0usize..4),
    ) {
        use crate::sources::{locate, Spelling, Where};
        for spelling in [Spelling::Cli, Spelling::Import] {
            let _ = locate(&t, Where::Quote { quote: &q, occurrence: k }, "S1", spelling);
            let _ = locate(&t, Where::Span(&q), "S1", spelling);
        }
    }

    #[test]
    fn note_and_verifier_key_parsers_never_panic(s in near_miss(), b in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = s.parse::<checkpoint::VerifierKey>();
        let _ = checkpoint::SignedNote::parse(&b);
        let _ = checkpoint::SignedNote::parse(s.as_bytes());
        let _ = checkpoint::Checkpoint::parse(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn bundle_parser_never_panics(b in prop::collection::vec(any::<u8>(), 0..400), s in near_miss()) {
        let _ = crate::bundle::verify_bundle(&b, &[]);
        let _ = crate::bundle::verify_bundle(s.as_bytes(), &[]);
        let shaped = format!(
            r#"{{"format":"claimtrail-bundle","version":1,"origin":"o","checkpoint":{:?},"entries":[{{"seq":0,"id":null,"payload":{:?},"signature":{:?},"inclusion_proof":[{:?}]}}],"sources":[]}}"#,
            s, s, s, s
        );
        let _ = crate::bundle::verify_bundle(shaped.as_bytes(), &[]);
    }
}

#[test]
fn a_real_sshsig_with_any_one_byte_changed_never_panics() {
    let s = Signer::generate("fuzz").unwrap();
    let sig = s.sign(b"payload").unwrap();
    let vk = s.public().verifying_key();
    for i in 0..sig.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = sig.clone();
            bad[i] ^= bit;
            if let Ok(p) = parse_sig(&bad) {
                let _ = crate::keys::verify(&vk, b"payload", &p);
            }
        }
    }
}
