-- 0008_placeholder_dataset: create a placeholder indicator_datasets row for a slug that exists in
-- QuestDB but not here, with an id every client can compute on its own.
-- Why: laptops record runs against a dataset slug before the dataset is registered; a deterministic
-- id lets the laptop (C++) and the server agree on the dataset_id without a round trip, and makes
-- repeating the backfill a no-op. The app role gets no INSERT on indicator_datasets (0009), so this
-- SECURITY DEFINER function is the only way it can add a dataset, and only a placeholder one.

-- Placeholder dataset id, a UUID version 8 (RFC 9562, name-based as in appendix B.2):
--   1. namespace = bytes of 03e2d09f-0a26-4ff5-b031-126632b4b285 (16 bytes, network order)
--   2. digest    = SHA-256(namespace || UTF-8 bytes of the slug)   (no separator, no terminator)
--   3. b         = digest[0..15]   (first 16 bytes)
--   4. b[6]      = (b[6] & 0x0F) | 0x80    -- version 8 in the high nibble
--   5. b[8]      = (b[8] & 0x3F) | 0x80    -- variant 10 in the top two bits
--   6. uuid      = b as lower-case hex, 8-4-4-4-12
-- Examples (cross-checked with Python hashlib): any client must reproduce these exactly.
--   btc_2025_4h -> 44744a70-d595-8a7e-90ab-1d7c7795b1f2
--   eth_2024_1h -> f3cdd64b-e779-8bf6-8717-aa5bc0102d3c
--   a           -> bd7a0314-6222-873f-8f4e-3250ed73639f
-- IMMUTABLE although convert_to() is only STABLE: the conversion to UTF-8 is fixed for a slug.
CREATE OR REPLACE FUNCTION public.fn_placeholder_dataset_uuid(p_slug text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SECURITY INVOKER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
    SELECT encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | 128),
                           8, (get_byte(h, 8) & 63) | 128),
                  'hex')::uuid
    FROM (SELECT substring(sha256(uuid_send('03e2d09f-0a26-4ff5-b031-126632b4b285'::uuid)
                                  || convert_to(p_slug, 'UTF8'))
                           FROM 1 FOR 16)) AS digest(h)
$fn$;

COMMENT ON FUNCTION public.fn_placeholder_dataset_uuid(text) IS
    'UUIDv8: first 16 bytes of sha256(uuid_bytes(03e2d09f-0a26-4ff5-b031-126632b4b285) || utf8(slug)), byte 6 = (b6 & 0x0F) | 0x80, byte 8 = (b8 & 0x3F) | 0x80.';

-- Returns exactly one row. Never creates a duplicate slug: an existing slug is reported with ITS
-- dataset_id (inserted = false), even when a different id was requested. Safe when two sessions
-- race on one slug: ON CONFLICT makes the loser wait for the winner and then report its row.
CREATE OR REPLACE FUNCTION public.fn_upsert_placeholder_dataset(
    p_slug text,
    p_dataset_id uuid DEFAULT NULL,
    p_symbol text DEFAULT NULL)
RETURNS TABLE(dataset_id uuid, inserted boolean, note text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_slug_rule    constant text := '^[a-z0-9][a-z0-9_-]{0,62}$';
    v_id           uuid;
    v_id_source    text;
    v_symbol       text;
    v_existing_id  uuid;
    v_other_slug   text;
BEGIN
    IF p_slug IS NULL OR p_slug !~ v_slug_rule THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('invalid dataset slug %s: it must match %s', coalesce(quote_literal(p_slug), 'NULL'), v_slug_rule),
            HINT    = 'Use 1 to 63 characters: lower-case letters, digits, "_" and "-", starting with a letter or digit (e.g. btc_2025_4h).';
    END IF;

    v_id := coalesce(p_dataset_id, public.fn_placeholder_dataset_uuid(p_slug));
    v_id_source := CASE WHEN p_dataset_id IS NULL THEN 'derived' ELSE 'requested' END;
    -- A blank symbol counts as not given: the column is NOT NULL and '' would be meaningless.
    v_symbol := coalesce(nullif(btrim(p_symbol), ''), upper(substring(p_slug FROM '^[a-z0-9]+')));

    -- A second pass only matters if the conflicting row vanished (deleted) in between.
    FOR attempt IN 1..3 LOOP
        INSERT INTO public.indicator_datasets AS d
               (dataset_id, symbol, granularity, source, questdb_tag, row_count, first_bar_ts, last_bar_ts)
        VALUES (v_id, v_symbol, 'unknown', 'laptop_imgui', p_slug, 0, now(), now())
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            RETURN QUERY SELECT v_id, true,
                format('created placeholder dataset %s as %s (%s id)', p_slug, v_id, v_id_source);
            RETURN;
        END IF;

        SELECT d.dataset_id INTO v_existing_id
        FROM public.indicator_datasets d WHERE d.questdb_tag = p_slug;
        IF FOUND THEN
            RETURN QUERY SELECT v_existing_id, false,
                CASE WHEN v_existing_id = v_id
                     THEN format('slug %s already exists as dataset %s', p_slug, v_existing_id)
                     ELSE format('slug %s already exists as dataset %s (%s %s, which differs; the existing id is kept)',
                                 p_slug, v_existing_id, v_id_source, v_id)
                END;
            RETURN;
        END IF;

        SELECT d.questdb_tag INTO v_other_slug
        FROM public.indicator_datasets d WHERE d.dataset_id = v_id;
        IF FOUND THEN
            RAISE EXCEPTION USING
                ERRCODE = 'unique_violation',
                MESSAGE = format('dataset_id %s (%s for slug %s) is already used by dataset slug %s',
                                 v_id, v_id_source, p_slug, v_other_slug),
                HINT    = 'Call again without a dataset_id to use the id derived from the slug, or pass an unused id.';
        END IF;
    END LOOP;

    RAISE EXCEPTION USING
        ERRCODE = 'serialization_failure',
        MESSAGE = format('could not upsert placeholder dataset %s: a conflicting row kept changing', p_slug),
        HINT    = 'Retry the call.';
END
$fn$;

COMMENT ON FUNCTION public.fn_upsert_placeholder_dataset(text, uuid, text) IS
    'Creates a placeholder dataset (granularity unknown, source laptop_imgui) for a slug, or reports the existing one. dataset_id defaults to fn_placeholder_dataset_uuid(slug), symbol to the upper-cased leading [a-z0-9]+ run of the slug.';

-- Grants to the app role come in 0009; until then nobody but the owner may call it.
REVOKE EXECUTE ON FUNCTION public.fn_upsert_placeholder_dataset(text, uuid, text) FROM PUBLIC;
