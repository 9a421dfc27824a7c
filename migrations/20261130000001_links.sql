-- Links with roles. A board with a row here is reached only with one of its tokens: the edit
-- link's, the view link's, or (to reset the links) the manage token. Tokens are 128 random bits
-- each and only their SHA-256 is stored. A board without a row is open: its bare /b/{id} link
-- edits (boards from before links existed, and boards a y-websocket client made by connecting).

CREATE TABLE board_links (
    board_id     TEXT PRIMARY KEY NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    edit_hash    BLOB NOT NULL,
    view_hash    BLOB NOT NULL,
    manage_hash  BLOB NOT NULL,
    updated_at   INTEGER NOT NULL   -- unix milliseconds of the creation or last reset
) WITHOUT ROWID;
