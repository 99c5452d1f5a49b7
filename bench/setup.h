// The setup and cleanup phases around a run, through the blocking SyncClient: the parents and
// keys a workload needs are created before it starts (already present nodes are kept, and a
// key space or wide parent that is already full is not rewritten), and --cleanup deletes the
// whole root afterwards.
#pragma once

#include "base/result.h"
#include "bench/driver_asio.h"

namespace wd::bench {

// Creates what options.workload needs on options.servers[0]. Errors: io_error.
Result<void> setup_workload(const RunOptions& options);
// Deletes options.workload.root and everything below it. Errors: io_error.
Result<void> cleanup_workload(const RunOptions& options);

}  // namespace wd::bench
