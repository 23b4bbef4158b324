-- claimtrail schema version 5: claims found by their place and speaker.
-- A claim is recorded once (src/query.rs, `same_claim_but`): every claim
-- appended looks up the claims of the same source, span and speaker. With
-- `claims_by_place` (version 4), that read every claim of the same span,
-- so an import of many claims of one span by different speakers (an
-- agency's line quoted as each outlet's) slowed down with the square of
-- their number (20,000 claims of one span: 21 s). This index serves
-- everything the old one did, which began with the same columns.
DROP INDEX claims_by_place;
CREATE INDEX claims_by_place_and_speaker ON claims(source_id, start, "end", speaker);
