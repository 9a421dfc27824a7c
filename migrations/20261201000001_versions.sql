-- Versions of a board, for its History panel: the whole document as it was at a moment, kept
-- when the board goes quiet after changes (at most one every few minutes while it keeps
-- changing) and before every restore and import. `data` is `encode_state_as_update_v1` of the
-- server's document (measured in bench/README.md: a 10,000-shape board's version is ~1.1× its
-- snapshot). Pruned by age (`WB_VERSION_KEEP_ALL_DAYS`, `WB_VERSION_KEEP_DAYS`); a board's newest
-- version is never pruned.

CREATE TABLE board_versions (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,  -- per board, ascending
    created_at  INTEGER NOT NULL,  -- unix milliseconds
    seq         INTEGER NOT NULL,  -- the last stored update it holds
    reason      TEXT NOT NULL,     -- 'edit', 'restore' (before a restore), 'import' (before one)
    editors     TEXT NOT NULL,     -- JSON array of the names seen editing since the last version
    size        INTEGER NOT NULL,  -- length of `data`
    data        BLOB NOT NULL,
    PRIMARY KEY (board_id, id)
) WITHOUT ROWID;
