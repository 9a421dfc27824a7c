-- A board deleted by its manager keeps its row, marked, with links nobody has (see
-- `BoardStore::delete_board`): no key opens it again, and the sweep of unused boards leaves it,
-- so its id never becomes an open board that old links would reach.
ALTER TABLE boards ADD COLUMN deleted_at INTEGER;  -- unix milliseconds; NULL for a live board
