// libFuzzer target: arbitrary bytes as snapshot files, loaded through load_newest_snapshot.
//
// Input layout: byte 0 picks how many files (1-2); the rest is split into equal chunks, each
// named after the zxid its header claims (bytes 8..15) when it has a header, so that loading
// gets past the name check. Properties: no crash, no assertion failure; a loaded snapshot's
// body is exactly the bytes between header and trailer of its file; purging keeps it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/assert.h"
#include "base/coding.h"
#include "storage/mem_disk.h"
#include "storage/snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace wd::storage;
    if (size < 1) {
        return 0;
    }
    const size_t files = 1 + data[0] % 2;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    MemDisk disk;
    WD_ASSERT(disk.create_dir("snap").ok());
    const size_t chunk_size = rest.size() / files;
    for (size_t i = 0; i < files; ++i) {
        const size_t length = i + 1 == files ? rest.size() - i * chunk_size : chunk_size;
        std::string_view chunk = rest.substr(i * chunk_size, length);
        int64_t zxid = static_cast<int64_t>(i);
        if (chunk.size() >= snapshot_header_size) {
            const uint64_t claimed = wd::load_u64_le(chunk.data() + 8);
            if (claimed <= static_cast<uint64_t>(INT64_MAX)) {
                zxid = static_cast<int64_t>(claimed);
            }
        }
        disk.put_file("snap/" + snapshot_file_name(zxid), std::string(chunk));
    }
    auto loaded = load_newest_snapshot(&disk, "snap");
    WD_ASSERT(loaded.ok());
    if (!loaded->has_value()) {
        return 0;
    }
    const LoadedSnapshot& snapshot = **loaded;
    const std::string bytes = *disk.file("snap/" + snapshot.file);
    WD_ASSERT(bytes.size() ==
              snapshot_header_size + snapshot.body.size() + snapshot_trailer_size);
    WD_ASSERT(bytes.compare(snapshot_header_size, snapshot.body.size(), snapshot.body.view()) == 0);
    auto oldest_kept = purge_snapshots(&disk, "snap", 1);
    WD_ASSERT(oldest_kept.ok());
    WD_ASSERT(*oldest_kept == snapshot.zxid);
    return 0;
}
