-- Images placed on boards (the Image tool).
--
-- The Yjs document references an image by URL only; the bytes live here, keyed by the SHA-256 of
-- the bytes, so uploading the same image twice to a board stores it once.
--
-- `size` and `mime` come before `bytes` on purpose: SQLite stores a row's columns in order and a
-- large blob spills into overflow pages, so reading the columns before it (the per-board quota
-- sums `size`) never reads the image itself. Not `WITHOUT ROWID`, unlike the other tables:
-- SQLite advises against it for rows this large.

CREATE TABLE images (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,     -- lowercase hex SHA-256 of `bytes`
    mime        TEXT NOT NULL,     -- from the magic bytes: image/png, image/jpeg, image/gif, image/webp
    size        INTEGER NOT NULL,  -- length of `bytes`
    created_at  INTEGER NOT NULL,  -- unix milliseconds
    bytes       BLOB NOT NULL,
    PRIMARY KEY (board_id, id)
);
