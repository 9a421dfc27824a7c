-- When a node last had the board open (unix milliseconds), refreshed while it stays open: the
-- sweep of boards never edited (run by every node) leaves a board another node has open.
ALTER TABLE boards ADD COLUMN opened_at BIGINT;
