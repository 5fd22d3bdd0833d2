-- HQ may run as an app role that adds to the logs but never changes or deletes them (see
-- `PostgresStorage::grant_app_role`). The two changes HQ makes to the logs go through these
-- functions, which run as the owner (SECURITY DEFINER) and do only that; the logs' triggers
-- still allow nothing but clearing text. The roles granted are kept here, so an upgrade grants
-- them what new tables need.
CREATE TABLE app_roles (role TEXT PRIMARY KEY);

-- A disposed record's op text (the disposal is on record first, in the same transaction).
CREATE FUNCTION beatbook_clear_disposed_ops(ids UUID[]) RETURNS BIGINT
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH cleared AS (
        UPDATE op_log AS l SET op = NULL, disposed = d.seq
        FROM disposals AS d
        WHERE d.record_id = ANY(ids) AND l.record_id = d.record_id
          AND (l.op IS NOT NULL OR l.disposed = 0)
        RETURNING 1
    )
    SELECT count(*) FROM cleared;
$$;

-- The logs' own retention: op text received before `op_before`, access-log detail before
-- `access_before`.
CREATE FUNCTION beatbook_forget_old_log_text(op_before TIMESTAMPTZ, access_before TIMESTAMPTZ)
RETURNS BIGINT
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH ops AS (
        UPDATE op_log SET op = NULL, disposed = 0
        WHERE received_at < op_before AND op IS NOT NULL
        RETURNING 1
    ), reads AS (
        UPDATE access_log SET record_ids = '{}', detail = ''
        WHERE at < access_before AND (cardinality(record_ids) > 0 OR detail <> '')
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ops) + (SELECT count(*) FROM reads);
$$;

REVOKE EXECUTE ON FUNCTION beatbook_clear_disposed_ops(UUID[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION beatbook_forget_old_log_text(TIMESTAMPTZ, TIMESTAMPTZ) FROM PUBLIC;
