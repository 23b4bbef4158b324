-- claimtrail schema version 8: amendments that clear fields.
-- A source.amend body may list in `clear` the fields it empties (a wrongly
-- recorded author: there is none). The list is kept as the body writes it,
-- JSON text such as ["author","url"], and NULL for an amendment that clears
-- nothing (every amendment of schema version 7). A source's current field
-- is the value of the latest amendment that gives it or clears it (NULL),
-- else its row in `sources`.
ALTER TABLE source_amendments ADD COLUMN clear TEXT;
