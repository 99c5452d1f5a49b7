// Data-driven tests of the WAL and snapshot files on a MemDisk: tests/data/storage/*.txt, in
// the manner of LevelDB's log_test.cc (write, damage the bytes, read, print exactly what came
// back and why). Regenerate with WD_REWRITE=1.
//
// The log lives in directory "wal", snapshots in "snap". A `file=` argument is a path, or a
// bare wal-*.log / snapshot-*.snap name, which is looked up in its directory. Record data is
// a pattern derived from the zxid and the size, so `read` can check every delivered byte.
#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "storage/mem_disk.h"
#include "storage/snapshot.h"
#include "storage/wal.h"
#include "support/datadriven.h"

namespace wd::storage {
namespace {

using datadriven::Command;

const std::string wal_dir = "wal";
const std::string snap_dir = "snap";

// `size` bytes, distinct per zxid, the same for every run.
std::string pattern(int64_t zxid, uint64_t size) {
    std::string out(size, '\0');
    for (uint64_t i = 0; i < size; ++i) {
        out[i] = static_cast<char>('a' + (static_cast<uint64_t>(zxid) * 7 + i) % 26);
    }
    return out;
}

// "1..5 7 9..10"; "none" when empty.
std::string ranges(const std::vector<int64_t>& zxids) {
    std::string out;
    for (size_t i = 0; i < zxids.size();) {
        size_t j = i;
        while (j + 1 < zxids.size() && zxids[j + 1] == zxids[j] + 1) {
            ++j;
        }
        out += (out.empty() ? "" : " ") + std::to_string(zxids[i]);
        if (j > i) {
            out += ".." + std::to_string(zxids[j]);
        }
        i = j + 1;
    }
    return out.empty() ? "none" : out;
}

std::string resolve(const std::string& file) {
    if (file.find('/') != std::string::npos) {
        return file;
    }
    return (file.rfind("snapshot-", 0) == 0 ? snap_dir : wal_dir) + "/" + file;
}

// The MemDisk as the code under test sees it, plus one fault: while `interrupt_syncs` is set,
// AppendFile::sync() fails without making anything durable, as when power fails during an
// fdatasync after the write reached the page cache. A crash then loses or tears those bytes.
class InterruptibleDisk final : public Disk {
public:
    bool interrupt_syncs = false;
    MemDisk& mem() { return mem_; }

    Result<void> create_dir(const std::string& path) override { return mem_.create_dir(path); }
    Result<std::vector<std::string>> list(const std::string& dir) override {
        return mem_.list(dir);
    }
    Result<std::string> read_file(const std::string& path) override {
        return mem_.read_file(path);
    }
    using Disk::open_append;
    Result<std::unique_ptr<AppendFile>> open_append(const std::string& path,
                                                    AppendOptions options) override;
    Result<void> truncate(const std::string& path, uint64_t size) override {
        return mem_.truncate(path, size);
    }
    Result<void> rename(const std::string& from, const std::string& to) override {
        return mem_.rename(from, to);
    }
    Result<void> remove(const std::string& path) override { return mem_.remove(path); }
    Result<void> sync_dir(const std::string& dir) override { return mem_.sync_dir(dir); }

private:
    MemDisk mem_;
};

class InterruptibleFile final : public AppendFile {
public:
    InterruptibleFile(std::unique_ptr<AppendFile> file, const bool* interrupt)
        : file_(std::move(file)), interrupt_(interrupt) {}
    Result<void> append(std::string_view bytes) override { return file_->append(bytes); }
    Result<void> sync() override {
        if (*interrupt_) {
            return err(Status::io_error("sync interrupted by the test"));
        }
        return file_->sync();
    }
    Result<void> close() override { return file_->close(); }
    uint64_t size() const override { return file_->size(); }

private:
    std::unique_ptr<AppendFile> file_;
    const bool* interrupt_;
};

Result<std::unique_ptr<AppendFile>> InterruptibleDisk::open_append(const std::string& path,
                                                                  AppendOptions options) {
    auto file = mem_.open_append(path, options);
    if (!file.ok()) {
        return err(file.error());
    }
    return std::unique_ptr<AppendFile>(
        std::make_unique<InterruptibleFile>(std::move(*file), &interrupt_syncs));
}

class Harness {
public:
    Harness() : disk_(std::make_unique<InterruptibleDisk>()) {}
    std::string run(const Command& cmd);

private:
    std::string damage(const Command& cmd);
    std::string open(const Command& cmd, int64_t after_zxid);
    std::string write(const Command& cmd);
    std::string read(const Command& cmd);
    std::string records(const Command& cmd);
    std::string put_segment(const Command& cmd);
    std::string snapshot(const Command& cmd);
    std::string ls();

    MemDisk& mem() { return disk_->mem(); }

    std::unique_ptr<InterruptibleDisk> disk_;
    std::unique_ptr<WalWriter> writer_;
    int64_t last_zxid_ = 0;  // the last zxid written or recovered; `write` continues after it
};

// Every command, with one example each.
std::string Harness::run(const Command& cmd) {
    // `open` and `write` take prealloc=<bytes> (WalOptions::preallocate_bytes). Here it
    // defaults to 0, so that sizes read as header plus records unless a test asks for padding.
    if (cmd.name == "open") {  // Example: open after=9 segment_max=1000 prealloc=256
        return open(cmd, cmd.get_int("after", 0));
    }
    if (cmd.name == "write") {  // Example: write first=1 n=5 size=100 segment_max=400
        return write(cmd);
    }
    if (cmd.name == "sync") {  // Example: sync   or   sync interrupted   (see InterruptibleDisk)
        if (writer_ == nullptr) {
            cmd.fail("sync without an open writer");
            return "";
        }
        disk_->interrupt_syncs = cmd.has("interrupted");
        auto r = writer_->sync();
        disk_->interrupt_syncs = false;
        return r.ok() ? "" : "error: " + r.error().to_string();
    }
    if (cmd.name == "crash") {  // Example: crash   (unsynced bytes and entries are lost)
        mem().crash();
        writer_.reset();
        return "";
    }
    if (cmd.name == "crash-torn") {  // Example: crash-torn seed=3   (keeps a random prefix)
        mem().crash_torn(cmd.get_uint("seed", 0));
        writer_.reset();
        return "";
    }
    if (cmd.name == "reset") {  // Example: reset   (a fresh, empty disk)
        disk_ = std::make_unique<InterruptibleDisk>();
        writer_.reset();
        last_zxid_ = 0;
        return "";
    }
    if (cmd.name == "read") {  // Example: read after=0
        return read(cmd);
    }
    if (cmd.name == "purge") {  // Example: purge zxid=5   (WAL segments covered by zxid 5)
        auto removed = purge_wal(disk_.get(), wal_dir, cmd.get_int("zxid", 0));
        if (!removed.ok()) {
            return "error: " + removed.error().to_string();
        }
        std::string out;
        for (const std::string& name : *removed) {
            out += "removed " + name + "\n";
        }
        return out.empty() ? "(none)" : out;
    }
    if (cmd.name == "snapshot") {  // Example: snapshot write zxid=5 size=40
        return snapshot(cmd);
    }
    if (cmd.name == "put-segment") {  // Example: put-segment first=12 zxids=(13,14) size=100
        return put_segment(cmd);
    }
    if (cmd.name == "records") {  // Example: records file=wal-0000000000000001.log
        return records(cmd);
    }
    if (cmd.name == "ls") {  // Example: ls
        return ls();
    }
    return damage(cmd);
}

// Commands that damage files behind the storage code's back.
std::string Harness::damage(const Command& cmd) {
    const std::string path = resolve(cmd.get("file"));
    const std::optional<std::string> bytes = mem().file(path);
    if (cmd.name != "corrupt" && cmd.name != "truncate") {
        cmd.fail("unknown command " + cmd.name);
        return "";
    }
    if (!bytes) {
        cmd.fail("no file " + path);
        return "";
    }
    if (cmd.name == "truncate") {  // Example: truncate file=wal-0000000000000001.log size=300
        // A larger size appends zeros, as a crash after a size-only update leaves them.
        auto r = mem().truncate(path, cmd.get_uint("size", 0));
        return r.ok() ? "" : "error: " + r.error().to_string();
    }
    // Example: corrupt file=wal-0000000000000001.log offset=137 byte=0xff   (n=1 byte set)
    const uint64_t offset = cmd.get_uint("offset", 0);
    const uint64_t n = cmd.get_uint("n", 1);
    const auto value = static_cast<uint8_t>(cmd.get_uint("byte", 0));
    if (offset + n > bytes->size()) {
        cmd.fail("offset " + std::to_string(offset) + " + n is past the end of " + path);
        return "";
    }
    uint64_t changed = 0;
    for (uint64_t i = offset; i < offset + n; ++i) {
        const auto old = static_cast<uint8_t>((*bytes)[i]);
        if (old != value) {
            mem().corrupt_byte(path, i, static_cast<uint8_t>(old ^ value));
            changed += 1;
        }
    }
    if (changed == 0) {
        cmd.fail("the bytes already have that value");
    }
    return "";
}

std::string Harness::open(const Command& cmd, int64_t after_zxid) {
    writer_.reset();
    WalOptions options;
    options.segment_size_max = cmd.get_uint("segment_max", options.segment_size_max);
    options.preallocate_bytes = cmd.get_uint("prealloc", 0);
    auto writer = WalWriter::open(disk_.get(), wal_dir, after_zxid, options);
    if (!writer.ok()) {
        return "error: " + writer.error().to_string();
    }
    writer_ = std::move(*writer);
    last_zxid_ = after_zxid;
    return "";
}

// Appends n records of `size` bytes from `first` (default: after the last zxid written or
// recovered), opening a writer after first - 1 when none is open. Nothing is synced unless the
// writer rolls a segment.
std::string Harness::write(const Command& cmd) {
    const int64_t next = last_zxid_ + 1;
    const int64_t first = cmd.get_int("first", next);
    if (writer_ == nullptr) {
        if (std::string out = open(cmd, first - 1); !out.empty()) {
            return out;
        }
    } else if (first != next) {
        cmd.fail("the open writer continues at zxid " + std::to_string(next) +
                 "; use `open after=..` to start elsewhere");
        return "";
    }
    const int64_t n = cmd.get_int("n", 1);
    const uint64_t size = cmd.get_uint("size", 100);
    for (int64_t zxid = first; zxid < first + n; ++zxid) {
        auto r = writer_->append(zxid, pattern(zxid, size));
        if (!r.ok()) {
            return "zxid " + std::to_string(zxid) + ": error: " + r.error().to_string();
        }
        last_zxid_ = zxid;
    }
    return "";
}

// Recovery: every record after `after` (checking its bytes), the notes and the last zxid, or
// the exact error. Drops the writer, as a restart would.
std::string Harness::read(const Command& cmd) {
    writer_.reset();
    std::vector<int64_t> zxids;
    std::string bad;
    auto report = read_wal(disk_.get(), wal_dir, cmd.get_int("after", 0),
                           [&](int64_t zxid, std::string_view data) -> Result<void> {
                               zxids.push_back(zxid);
                               if (data != pattern(zxid, data.size())) {
                                   bad += "zxid " + std::to_string(zxid) + ": bad data\n";
                               }
                               return {};
                           });
    std::string out = "records: " + ranges(zxids) + "\n" + bad;
    if (!report.ok()) {
        return out + "error: " + report.error().to_string();
    }
    for (const std::string& note : report->notes) {
        out += "note: " + note + "\n";
    }
    last_zxid_ = report->last_zxid;
    return out + "last_zxid=" + std::to_string(report->last_zxid);
}

// Builds a durable segment without the writer, for what the writer never produces: a header
// first zxid of `first`, the records `zxids`, under the name for `first` unless name= is given.
std::string Harness::put_segment(const Command& cmd) {
    const int64_t first = cmd.get_int("first", 1);
    std::string bytes;
    put_wal_header(bytes, first);
    for (const std::string& text : cmd.values("zxids")) {
        const int64_t zxid = std::stoll(text);
        put_wal_record(bytes, zxid, pattern(zxid, cmd.get_uint("size", 100)));
    }
    static_cast<void>(mem().create_dir(wal_dir));
    mem().put_file(resolve(cmd.get("name", wal_segment_name(first))), std::move(bytes));
    return "";
}

// The record layout of one segment as the bytes say, without checksums: where each record
// starts, so that a file can aim `corrupt` and `truncate` at it.
std::string Harness::records(const Command& cmd) {
    const std::string path = resolve(cmd.get("file"));
    const std::optional<std::string> bytes = mem().file(path);
    if (!bytes) {
        return "no file " + path;
    }
    if (bytes->size() < wal_header_size) {
        return "header: truncated (" + std::to_string(bytes->size()) + " bytes)";
    }
    std::string out = "header: first_zxid=" + std::to_string(load_u64_le(bytes->data() + 8)) +
                      " size=" + std::to_string(wal_header_size) + "\n";
    uint64_t offset = wal_header_size;
    // Each round moves past at least one record header.
    while (offset + wal_record_header_size + wal_zxid_size <= bytes->size()) {
        const char* h = bytes->data() + offset;
        const uint64_t size = wal_record_header_size + load_u32_le(h + 4);
        if (h[8] != wal_type_entry || offset + size > bytes->size()) {
            break;
        }
        out += "offset=" + std::to_string(offset) + " size=" + std::to_string(size) +
               " zxid=" + std::to_string(load_u64_le(h + wal_record_header_size)) + "\n";
        offset += size;
    }
    if (offset < bytes->size()) {
        const std::string_view rest = std::string_view(*bytes).substr(offset);
        const bool zeros = rest.find_first_not_of('\0') == std::string_view::npos;
        out += "offset=" + std::to_string(offset) + ": " + std::to_string(rest.size()) +
               (zeros ? " zero bytes (padding)\n" : " bytes that are not a whole record\n");
    }
    return out;
}

// snapshot write zxid=.. size=.. | snapshot load | snapshot purge retain=..
std::string Harness::snapshot(const Command& cmd) {
    const std::vector<std::string> words = cmd.positional();
    const std::string what = words.empty() ? "" : words.front();
    if (what == "write") {  // Example: snapshot write zxid=5 size=40
        const int64_t zxid = cmd.get_int("zxid", 0);
        const std::string body = pattern(zxid, cmd.get_uint("size", 40));
        auto r = write_snapshot(disk_.get(), snap_dir, zxid, body);
        return r.ok() ? "" : "error: " + r.error().to_string();
    }
    if (what == "load") {  // Example: snapshot load
        auto loaded = load_newest_snapshot(disk_.get(), snap_dir);
        if (!loaded.ok()) {
            return "error: " + loaded.error().to_string();
        }
        if (!loaded->has_value()) {
            return "none";
        }
        const LoadedSnapshot& s = **loaded;
        std::string out;
        for (const std::string& note : s.notes) {
            out += "note: " + note + "\n";
        }
        const bool body_ok = s.body.view() == pattern(s.zxid, s.body.size());
        return out + s.file + " zxid=" + std::to_string(s.zxid) + " body=" +
               std::to_string(s.body.size()) + (body_ok ? " bytes" : " bytes, BAD DATA");
    }
    if (what == "purge") {  // Example: snapshot purge retain=2
        auto kept = purge_snapshots(disk_.get(), snap_dir, cmd.get_uint("retain", 1));
        if (!kept.ok()) {
            return "error: " + kept.error().to_string();
        }
        return kept->has_value() ? "oldest kept zxid=" + std::to_string(**kept) : "none kept";
    }
    cmd.fail("snapshot wants write, load or purge");
    return "";
}

// Every file of both directories with its current size (synced or not).
std::string Harness::ls() {
    std::string out;
    for (const std::string& dir : {wal_dir, snap_dir}) {
        auto names = mem().list(dir);
        for (const std::string& name : names.ok() ? *names : std::vector<std::string>{}) {
            const std::string path = dir + "/" + name;
            out += path + " " + std::to_string(mem().file(path).value_or("").size()) + "\n";
        }
    }
    return out.empty() ? "(empty)" : out;
}

class StorageDataDriven : public ::testing::TestWithParam<std::string> {};

TEST_P(StorageDataDriven, Run) {
    Harness harness;
    datadriven::run_file(GetParam(), [&](const Command& cmd) { return harness.run(cmd); });
}

INSTANTIATE_TEST_SUITE_P(Files, StorageDataDriven,
                         ::testing::ValuesIn(datadriven::files_in(WD_STORAGE_TESTDATA_DIR)),
                         datadriven::test_name);

}  // namespace
}  // namespace wd::storage
