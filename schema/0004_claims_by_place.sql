-- claimtrail schema version 4: claims found by their place in a source.
-- A claim is recorded once (src/query.rs, `same_claim_but`): every claim
-- appended looks up the claims of the same source and span. With only
-- `claims_by_source`, that read every claim of the source, so an import of
-- tens of thousands of claims of one source already in the log slowed down
-- with the square of their number (20,000 claims of a source holding 10,000:
-- 21.6 s). This index serves everything the old one did, which began with
-- the same column.
DROP INDEX claims_by_source;
CREATE INDEX claims_by_place ON claims(source_id, start, "end");
