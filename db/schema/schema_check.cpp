#include "db/schema/schema_check.hpp"

namespace db {

std::vector<SchemaObject> checkSerializationObjects(Connection& conn) {
    // to_regclass / to_regprocedure return NULL instead of failing, and need no privileges.
    Result r = conn.query(R"sql(
        SELECT kind, name, present FROM (VALUES
          ('column', 'walkforward_runs.serialized_config',
           EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('public.walkforward_runs')
                   AND attname = 'serialized_config' AND NOT attisdropped AND atttypid = 'text'::regtype)),
          ('column', 'simulation_runs.serialized_config',
           EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('public.simulation_runs')
                   AND attname = 'serialized_config' AND NOT attisdropped AND atttypid = 'text'::regtype)),
          ('index', 'idx_walkforward_runs_measurement', to_regclass('public.idx_walkforward_runs_measurement') IS NOT NULL),
          ('index', 'idx_simulation_runs_namespace', to_regclass('public.idx_simulation_runs_namespace') IS NOT NULL),
          ('index', 'idx_indicator_datasets_created_id', to_regclass('public.idx_indicator_datasets_created_id') IS NOT NULL),
          ('index', 'idx_walkforward_runs_dataset_created_id', to_regclass('public.idx_walkforward_runs_dataset_created_id') IS NOT NULL),
          ('index', 'idx_simulation_runs_run_created_id', to_regclass('public.idx_simulation_runs_run_created_id') IS NOT NULL),
          ('index', 'idx_walkforward_runs_config_identity', to_regclass('public.idx_walkforward_runs_config_identity') IS NOT NULL),
          ('constraint', 'uq_walkforward_runs_dataset_measurement',
           EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'uq_walkforward_runs_dataset_measurement'
                   AND conrelid = to_regclass('public.walkforward_runs'))),
          ('constraint', 'uq_simulation_runs_run_namespace',
           EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'uq_simulation_runs_run_namespace'
                   AND conrelid = to_regclass('public.simulation_runs'))),
          ('view', 'dataset_hierarchy', to_regclass('public.dataset_hierarchy') IS NOT NULL),
          ('function', 'fn_list_datasets',
           to_regprocedure('public.fn_list_datasets(integer, timestamptz, uuid, text)') IS NOT NULL),
          ('function', 'fn_list_runs',
           to_regprocedure('public.fn_list_runs(uuid, integer, timestamptz, uuid, text, text)') IS NOT NULL),
          ('function', 'fn_list_runs_newer',
           to_regprocedure('public.fn_list_runs_newer(uuid, integer, timestamptz, uuid, text, text)') IS NOT NULL),
          ('function', 'fn_list_simulations',
           to_regprocedure('public.fn_list_simulations(uuid, integer, timestamptz, uuid, text, text)') IS NOT NULL),
          ('function', 'fn_upsert_placeholder_dataset',
           to_regprocedure('public.fn_upsert_placeholder_dataset(text, uuid, text)') IS NOT NULL),
          ('function', 'fn_placeholder_dataset_uuid',
           to_regprocedure('public.fn_placeholder_dataset_uuid(text)') IS NOT NULL)
        ) AS expected(kind, name, present))sql");
    std::vector<SchemaObject> objects;
    for (int i = 0; i < r.rows(); ++i)
        objects.push_back(
            SchemaObject{std::string(r.text(i, 0)), std::string(r.text(i, 1)), r.boolean(i, 2)});
    return objects;
}

}  // namespace db
