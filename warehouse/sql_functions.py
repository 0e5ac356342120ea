"""The functions a read-only query may call: an allow-list, never a deny-list.

DuckDB keeps adding functions, and some of them write, read files, read settings or run a
statement hidden in a string (``json_execute_serialized_sql`` did, through the json
extension: issue 17). So :mod:`readonly_sql` lets a query call a name only when it is listed
here; a name nobody listed is refused, whatever it does. tests/warehouse/test_fence_allowlist.py walks
``duckdb_functions()`` of the pinned DuckDB with every extension costboard loads and checks that
each name is listed here or refused, and that nothing listed here has gone stale.

The list was made by reading what each function does, group by group, not by copying
``duckdb_functions()``. What stays out, and why, is at the bottom. To add a function: check
that it computes its answer from its arguments (or from the lake it is given) and nothing
else, add it to the group it belongs to, and run tests/warehouse/test_fence_allowlist.py.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from costboard.warehouse.tables import sql_folder


def _names(text: str) -> frozenset[str]:
    # Lower case: the parser hands over names in lower case (formatReadableSize too).
    return frozenset(name.lower() for name in text.split())


#: The functions DuckDB's parser writes for operators (``a + b``, ``x LIKE y``, ``j ->> 'k'``,
#: ``3!``): arithmetic, comparison and pattern matching on their operands.
OPERATORS: Final = _names(r"""
    !__postfix !~~ !~~* % & && * ** + - ->> / // <-> << <=> <@ >> @ @> ^ ^@ | || ~ ~~ ~~* ~~~
    add subtract multiply divide fdiv fmod mod xor
""")

#: Numbers: pure arithmetic on their arguments.
NUMERIC: Final = _names("""
    abs acos acosh asin asinh atan atan2 atanh bit_count cbrt ceil ceiling cos cosh cot degrees
    even exp factorial floor gamma gcd greatest_common_divisor isfinite isinf isnan lcm
    least_common_multiple lgamma ln log log10 log2 nextafter pi pow power radians round
    round_even roundbankers sign signbit sin sinh sqrt tan tanh trunc greatest least nullif
    equi_width_bins
""")

#: Text, bytes and bit strings: pure functions of the strings they are given. ``parse_path``
#: and its kin split a path as text; they touch no file.
TEXT: Final = _names("""
    ascii bar base64 bin bit_length bit_position bitstring chr concat concat_ws contains
    damerau_levenshtein decode editdist3 encode ends_with format formatReadableDecimalSize
    formatReadableSize format_bytes from_base64 from_binary from_hex get_bit hamming hex
    ilike_escape instr jaccard jaro_similarity jaro_winkler_similarity lcase left left_grapheme
    len length length_grapheme levenshtein like_escape lower lpad ltrim md5 md5_number
    md5_number_lower md5_number_upper mismatches nfc_normalize not_ilike_escape not_like_escape
    octet_length ord parse_dirname parse_dirpath parse_filename parse_formatted_bytes parse_path
    position prefix printf regexp_escape regexp_extract regexp_extract_all regexp_full_match
    regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table repeat replace
    reverse right right_grapheme rpad rtrim set_bit sha1 sha256 split split_part starts_with
    str_split str_split_regex string_split string_split_regex string_to_array strip_accents
    strlen strpos substr substring substring_grapheme suffix to_base to_base64 to_binary to_hex
    translate trim ucase unbin unhex unicode upper url_decode url_encode char_length
    character_length hash icu_sort_key
""")

#: Dates, times and intervals. The clock readers (``now``, ``today``) give the query's own
#: start time, which the answer may show but which changes nothing.
TIME: Final = _names("""
    age ago century current_date current_localtime current_localtimestamp date_add date_diff
    date_part date_sub date_trunc datediff datepart datesub datetrunc day dayname dayofmonth
    dayofweek dayofyear days_in_month decade epoch epoch_ms epoch_ns epoch_us era
    get_current_time get_current_timestamp hour isodow isoyear julian last_day make_date
    make_time make_timestamp make_timestamp_ms make_timestamp_ns make_timestamptz microsecond
    millennium millisecond minute month monthname nanosecond normalized_interval now quarter
    second strftime strptime time_bucket timezone timezone_hour timezone_minute to_centuries
    to_days to_decades to_hours to_microseconds to_millennia to_milliseconds to_minutes
    to_months to_quarters to_seconds to_timestamp to_weeks to_years today
    transaction_timestamp try_strptime week weekday weekofyear year yearweek
    timetz_byte_comparable
""")

#: Lists, arrays, maps, structs and unions: pure functions of the nested values they are
#: given (the lambda forms run the lambda the query wrote, which is checked like the rest).
#: ``aggregate`` and ``list_aggregate`` name their aggregate in a string: readonly_sql lets
#: them through only when that string is a literal naming a listed aggregate.
NESTED: Final = _names("""
    aggregate apply array_aggr array_aggregate array_append array_apply array_cat array_concat
    array_contains array_cosine_distance array_cosine_similarity array_cross_product
    array_distance array_distinct array_dot_product array_extract array_filter array_grade_up
    array_has array_has_all array_has_any array_indexof array_inner_product array_intersect
    array_length array_negative_dot_product array_negative_inner_product array_pop_back
    array_pop_front array_position array_prepend array_push_back array_push_front array_reduce
    array_resize array_reverse array_reverse_sort array_select array_slice array_sort
    array_to_string array_to_string_comma_default array_transform array_unique array_value
    array_where array_zip cardinality element_at filter flatten generate_series
    generate_subscripts grade_up list_aggr list_aggregate list_any_value list_append
    list_apply list_approx_count_distinct list_avg list_bit_and list_bit_or list_bit_xor
    list_bool_and list_bool_or list_cat list_concat list_contains list_cosine_distance
    list_cosine_similarity list_count list_distance list_distinct list_dot_product list_element
    list_entropy list_extract list_filter list_first list_grade_up list_has list_has_all
    list_has_any list_histogram list_indexof list_inner_product list_intersect list_kurtosis
    list_kurtosis_pop list_last list_mad list_max list_median list_min list_mode
    list_negative_dot_product list_negative_inner_product list_pack list_position
    list_prepend list_product list_reduce list_resize list_reverse list_reverse_sort
    list_select list_sem list_skewness list_slice list_sort list_stddev_pop list_stddev_samp
    list_string_agg list_sum list_transform list_unique list_value list_var_pop list_var_samp
    list_where list_zip map map_concat map_contains map_contains_entry map_contains_value
    map_entries map_extract map_extract_value map_from_entries map_keys map_values range
    reduce remap_struct row struct_concat struct_contains struct_extract struct_extract_at
    struct_has struct_indexof struct_insert struct_keys struct_pack struct_position
    struct_update struct_values union_extract union_tag union_value unpivot_list switch unnest
""")

#: JSON and variant values: parse, query and build JSON held in the query's own values.
#: Left out: json_serialize_sql, json_deserialize_sql and json_serialize_plan (they take
#: statements apart or plan them: the door of issue 17's bypass) and
#: json_execute_serialized_sql, which runs one.
JSON: Final = _names("""
    array_to_json from_json from_json_strict json json_array json_array_length json_contains
    json_exists json_extract json_extract_path json_extract_path_text json_extract_string
    json_group_array json_group_object json_group_structure json_keys json_merge_patch
    json_object json_pretty json_quote json_structure json_transform json_transform_strict
    json_type json_valid json_value row_to_json to_json variant_extract variant_normalize
    variant_typeof
""")

#: Geometry values (DuckDB 1.5's built-in GEOMETRY type): pure conversions.
GEOMETRY: Final = _names("""
    st_asbinary st_astext st_aswkb st_aswkt st_crs st_geomfromwkb st_intersects_extent
    st_setcrs
""")

#: Aggregates and window functions: they fold the rows the query selected.
AGGREGATES: Final = _names("""
    any_value approx_count_distinct approx_quantile approx_top_k arbitrary arg_max
    arg_max_null arg_max_nulls_last arg_min arg_min_null arg_min_nulls_last argmax argmin
    array_agg avg bit_and bit_or bit_xor bitstring_agg bool_and bool_or corr count count_if
    count_star countif covar_pop covar_samp entropy favg first fsum geomean geometric_mean
    group_concat histogram histogram_exact is_histogram_other_bin kahan_sum kurtosis
    kurtosis_pop last list listagg mad max max_by mean median min min_by mode product quantile
    quantile_cont quantile_disc regr_avgx regr_avgy regr_count regr_intercept regr_r2
    regr_slope regr_sxx regr_sxy regr_syy reservoir_quantile sem skewness stddev stddev_pop
    stddev_samp string_agg sum sumkahan var_pop var_samp variance wavg weighted_avg
    cume_dist dense_rank fill first_value lag last_value lead nth_value ntile percent_rank
    rank rank_dense row_number
""")

#: Types, casts, enums, sort keys, errors and random values. ``error`` only fails the query
#: (the product's macros use it); ``random`` and the uuid makers draw numbers and change
#: nothing; ``stats`` describes an expression's statistics.
VALUES: Final = _names("""
    alias can_cast_implicitly cast_to_type create_sort_key enum_code enum_first enum_last
    enum_range enum_range_boundary error gen_random_uuid get_type make_type random
    replace_type typeof uuid uuid_extract_timestamp uuid_extract_version uuidv4 uuidv7 stats
""")

#: Who and where the query runs as, and the session's variables: ``getvariable`` is how the
#: views read their evidence date (evidence_until), set by the fence before the query.
SESSION: Final = _names("""
    current_catalog current_connection_id current_database current_query current_query_id
    current_role current_schema current_schemas current_transaction_id current_user
    getvariable in_search_path session_user txid_current user version
""")

#: Collations of the ICU extension built into DuckDB (``x COLLATE de`` binds to them).
COLLATIONS: Final = _names("""
    icu_collate_af icu_collate_am icu_collate_ar icu_collate_ar_sa icu_collate_as
    icu_collate_az icu_collate_be icu_collate_bg icu_collate_bn icu_collate_bo icu_collate_br
    icu_collate_bs icu_collate_ca icu_collate_ceb icu_collate_chr icu_collate_cs
    icu_collate_cy icu_collate_da icu_collate_de icu_collate_de_at icu_collate_dsb
    icu_collate_dz icu_collate_ee icu_collate_el icu_collate_en icu_collate_en_us
    icu_collate_eo icu_collate_es icu_collate_et icu_collate_fa icu_collate_fa_af
    icu_collate_ff icu_collate_fi icu_collate_fil icu_collate_fo icu_collate_fr
    icu_collate_fr_ca icu_collate_fy icu_collate_ga icu_collate_gl icu_collate_gu
    icu_collate_ha icu_collate_haw icu_collate_he icu_collate_he_il icu_collate_hi
    icu_collate_hr icu_collate_hsb icu_collate_hu icu_collate_hy icu_collate_id
    icu_collate_id_id icu_collate_ig icu_collate_is icu_collate_it icu_collate_ja
    icu_collate_ka icu_collate_kk icu_collate_kl icu_collate_km icu_collate_kn icu_collate_ko
    icu_collate_kok icu_collate_ku icu_collate_ky icu_collate_lb icu_collate_lij
    icu_collate_lkt icu_collate_ln icu_collate_lo icu_collate_lt icu_collate_lv
    icu_collate_mk icu_collate_ml icu_collate_mn icu_collate_mr icu_collate_ms icu_collate_mt
    icu_collate_my icu_collate_nb icu_collate_nb_no icu_collate_ne icu_collate_nl
    icu_collate_nn icu_collate_noaccent icu_collate_nso icu_collate_om icu_collate_or
    icu_collate_pa icu_collate_pa_in icu_collate_pl icu_collate_ps icu_collate_pt
    icu_collate_ro icu_collate_ru icu_collate_sa icu_collate_se icu_collate_si icu_collate_sk
    icu_collate_sl icu_collate_smn icu_collate_sq icu_collate_sr icu_collate_sr_ba
    icu_collate_sr_me icu_collate_sr_rs icu_collate_st icu_collate_sv icu_collate_sw
    icu_collate_ta icu_collate_te icu_collate_th icu_collate_tk icu_collate_tn icu_collate_to
    icu_collate_tr icu_collate_ug icu_collate_uk icu_collate_ur icu_collate_uz icu_collate_vi
    icu_collate_wae icu_collate_wo icu_collate_xh icu_collate_yi icu_collate_yo
    icu_collate_yue icu_collate_yue_cn icu_collate_zh icu_collate_zh_cn icu_collate_zh_hk
    icu_collate_zh_mo icu_collate_zh_sg icu_collate_zh_tw icu_collate_zu
""")

#: PostgreSQL's compatibility functions in DuckDB's pg_catalog: constants and lookups in the
#: catalog's names, there so PostgreSQL tools can ask. Left out: pg_sleep (it blocks).
POSTGRES_COMPATIBILITY: Final = _names("""
    col_description format_pg_type format_type has_any_column_privilege has_column_privilege
    has_database_privilege has_foreign_data_wrapper_privilege has_function_privilege
    has_language_privilege has_schema_privilege has_sequence_privilege has_server_privilege
    has_table_privilege has_tablespace_privilege inet_client_addr inet_client_port
    inet_server_addr inet_server_port map_to_pg_oid obj_description pg_collation_is_visible
    pg_conf_load_time pg_conversion_is_visible pg_function_is_visible pg_get_constraintdef
    pg_get_expr pg_get_viewdef pg_has_role pg_is_other_temp_schema pg_my_temp_schema
    pg_opclass_is_visible pg_operator_is_visible pg_opfamily_is_visible
    pg_postmaster_start_time pg_size_pretty pg_table_is_visible pg_ts_config_is_visible
    pg_ts_dict_is_visible pg_ts_parser_is_visible pg_ts_template_is_visible pg_type_is_visible
    pg_typeof shobj_description
""")

#: Table functions that make rows from their arguments: series, unnesting, JSON trees,
#: SUMMARIZE's summary, calendars and time zones. Left out: the table macros histogram and
#: histogram_values, which read a table named in a string through query_table().
ROW_MAKERS: Final = _names("""
    range generate_series repeat unnest json_each json_tree summary repeat_row
    icu_calendar_names pg_timezone_names
""")

#: The catalog's names: which tables, views, columns, types and functions exist (the SQL
#: page's users ask "what can I query?"). These list names and definitions, never a path, a
#: setting or a secret (duckdb_databases, which shows each database's path, stays out).
CATALOG_READERS: Final = _names("""
    duckdb_columns duckdb_constraints duckdb_dependencies duckdb_functions duckdb_indexes
    duckdb_keywords duckdb_schemas duckdb_sequences duckdb_tables duckdb_types duckdb_views
    duckdb_variables duckdb_coordinate_systems pragma_table_info pragma_show pragma_collations
    pragma_version
""")

#: DuckLake's readers (README, "Querying the warehouse"): the lake's snapshots and the
#: changes between them, its tables' files and options. ``lake.snapshots()`` is
#: ``ducklake_snapshots()`` called through the catalog, and readonly_sql treats it so. Every
#: other ``ducklake_*`` function writes (cleanup, expiry, merges, commits, options) or is an
#: internal scan, and stays out.
DUCKLAKE_READERS: Final = _names("""
    ducklake_current_snapshot ducklake_last_committed_snapshot ducklake_list_files
    ducklake_options ducklake_settings ducklake_snapshots ducklake_table_changes
    ducklake_table_deletions ducklake_table_info ducklake_table_insertions
""")

#: Functions that name another function in a string; readonly_sql checks that string.
FUNCTIONS_NAMED_IN_A_STRING: Final = frozenset(
    {"aggregate", "array_aggr", "array_aggregate", "list_aggr", "list_aggregate"}
)

#: Called in an expression: scalar, aggregate, window and list functions, and macros.
SCALAR: Final = (
    OPERATORS
    | NUMERIC
    | TEXT
    | TIME
    | NESTED
    | JSON
    | GEOMETRY
    | AGGREGATES
    | VALUES
    | SESSION
    | COLLATIONS
    | POSTGRES_COMPATIBILITY
)
#: Called in a FROM clause.
TABLE: Final = ROW_MAKERS | CATALOG_READERS | DUCKLAKE_READERS

# Not listed, on purpose (a name not listed is refused; these are the ones a reader might
# miss):
# - running SQL given as text: query, query_table, json_execute_serialized_sql,
#   json_serialize_plan (and json_serialize_sql / json_deserialize_sql, its other half);
# - files and URLs: read_csv*, read_json*, read_ndjson*, read_parquet, parquet_scan,
#   parquet_* metadata, read_text, read_blob, read_duckdb, glob, sniff_csv; the lake's own
#   Parquet is read through its tables, never by path;
# - settings, secrets, extensions, databases' paths: current_setting, duckdb_settings,
#   duckdb_profiling_settings, duckdb_secrets, duckdb_secret_types, which_secret,
#   duckdb_extensions, duckdb_databases, pragma_database_size, pragma_user_agent,
#   pragma_platform;
# - writes and state: checkpoint, force_checkpoint, nextval, currval, setseed, write_log,
#   enable_/disable_logging and _profiling, truncate_duckdb_logs, DuckLake's writers;
# - blocking: sleep_ms, pg_sleep;
# - the engine's insides: duckdb_memory, duckdb_temporary_files, duckdb_external_file_cache,
#   duckdb_logs*, duckdb_log_contexts, duckdb_optimizers, duckdb_prepared_statements,
#   duckdb_connection_count, duckdb_approx_database_count, duckdb_table_sample,
#   pragma_storage_info, pragma_metadata_info, get_block_size, seq_scan, ducklake_scan,
#   __internal_*, vector_type, finalize, combine, constant_or_null, sum_no_overflow,
#   parse_duckdb_log_message, variant_bytes_to_variant, variant_to_parquet_variant,
#   test_all_types, test_vector_types;
# - the Python client's scans of its own objects by pointer: arrow_scan*, pandas_scan,
#   python_map_function;
# - the catalog database's extensions: postgres_* (postgres_execute, postgres_query ...),
#   sqlite_*, pg_clear_cache, read_postgres_binary, and every other extension function.

_MACRO = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)\s*\([^)]*\)\s*AS(\s+TABLE\b)?", re.I | re.M
)


@cache
def product_macros() -> dict[str, bool]:
    """The macros costboard's own DDL creates in the lake (warehouse/sql/*.sql), each with
    whether it is a table macro. The product wrote their bodies, as it wrote its views'."""
    macros: dict[str, bool] = {}
    for path in sql_folder().iterdir():
        if path.name.endswith(".sql"):
            for name, table in _MACRO.findall(path.read_text(encoding="utf-8")):
                macros[name.lower()] = bool(table)
    return macros


@cache
def scalar_functions() -> frozenset[str]:
    """Every name a read-only query may call in an expression."""
    return SCALAR | {name for name, table in product_macros().items() if not table}


@cache
def table_functions() -> frozenset[str]:
    """Every name a read-only query may call in a FROM clause."""
    return TABLE | {name for name, table in product_macros().items() if table}


def allowed() -> frozenset[str]:
    """Every name a read-only query may call, in one position or the other."""
    return scalar_functions() | table_functions()
