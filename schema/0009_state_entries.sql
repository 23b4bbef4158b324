-- claimtrail schema version 9: the entries that change an item's state,
-- found without a scan. Before it writes, the append path checks that
-- every claim.retract, annotation.retract, key.revoke, source.redact and
-- source.amend entry has its row in the table the commands read that state
-- from: a row deleted by hand made a retracted claim or annotation read as
-- standing, a revoked key sign again, a redacted or corrected source read
-- as before, and honest commands then signed entries that verify refused.
-- These partial indexes hold only those entries, so the check reads them
-- alone; every other entry's insert only tests the condition.
CREATE INDEX entries_claim_retract ON entries(seq) WHERE kind = 'claim.retract';
CREATE INDEX entries_annotation_retract ON entries(seq) WHERE kind = 'annotation.retract';
CREATE INDEX entries_key_revoke ON entries(seq) WHERE kind = 'key.revoke';
CREATE INDEX entries_source_redact ON entries(seq) WHERE kind = 'source.redact';
CREATE INDEX entries_source_amend ON entries(seq) WHERE kind = 'source.amend';
