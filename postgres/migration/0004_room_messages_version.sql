-- +goose Up
-- A deliberate no-op, kept so that both dialects number their migrations
-- alike and every database upgrades through the same numbers (never delete
-- or renumber it: databases have recorded it as applied).
--
-- Number 0004 counts each room's message changes in SQLite, for the read
-- cache's message lists. PostgreSQL does not: chat writes run there from
-- many connections at once, and a counter bumped by every message write
-- cost more than it saved (measured: the chat stress shape went from 26 ms
-- to over a second at p99 on the 2-core machine). The cache reads message
-- lists from PostgreSQL every time; catalog caching is unaffected.
SELECT 1;

-- +goose Down
SELECT 1;
