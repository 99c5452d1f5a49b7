// MemDisk crash semantics and a PosixDisk smoke test in a temporary directory.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include "storage/mem_disk.h"

namespace wd::storage {
namespace {

void write_file(Disk& disk, const std::string& path, std::string_view bytes, bool sync) {
    auto file = disk.open_append(path);
    ASSERT_TRUE(file.ok()) << file.error().to_string();
    ASSERT_TRUE((*file)->append(bytes).ok());
    if (sync) {
        ASSERT_TRUE((*file)->sync().ok());
    }
    ASSERT_TRUE((*file)->close().ok());
}

std::vector<std::string> list(Disk& disk, const std::string& dir) {
    auto names = disk.list(dir);
    EXPECT_TRUE(names.ok());
    return names.ok() ? *names : std::vector<std::string>{};
}

TEST(MemDiskTest, CrashDropsUnsyncedBytes) {
    MemDisk disk;
    ASSERT_TRUE(disk.create_dir("d").ok());
    write_file(disk, "d/a", "synced", true);
    ASSERT_TRUE(disk.sync_dir("d").ok());
    write_file(disk, "d/a", "-lost", false);
    EXPECT_EQ(disk.file("d/a"), "synced-lost");
    disk.crash();
    EXPECT_EQ(disk.file("d/a"), "synced");
}

TEST(MemDiskTest, CrashDropsUnsyncedDirectoryEntries) {
    MemDisk disk;
    ASSERT_TRUE(disk.create_dir("d").ok());
    write_file(disk, "d/kept", "k", true);
    ASSERT_TRUE(disk.sync_dir("d").ok());
    write_file(disk, "d/new", "n", true);             // Synced data, unsynced entry.
    ASSERT_TRUE(disk.rename("d/kept", "d/moved").ok());  // Unsynced rename.
    EXPECT_EQ(list(disk, "d"), (std::vector<std::string>{"moved", "new"}));
    disk.crash();
    EXPECT_EQ(list(disk, "d"), std::vector<std::string>{"kept"});
    ASSERT_TRUE(disk.rename("d/kept", "d/moved").ok());
    ASSERT_TRUE(disk.sync_dir("d").ok());
    disk.crash();
    EXPECT_EQ(list(disk, "d"), std::vector<std::string>{"moved"});
    EXPECT_EQ(disk.file("d/moved"), "k");
}

TEST(MemDiskTest, CrashTornKeepsASeededPrefix) {
    std::set<std::string> outcomes;
    for (uint64_t seed = 0; seed < 50; ++seed) {
        std::string first;
        for (int round = 0; round < 2; ++round) {  // The same seed gives the same outcome.
            MemDisk disk;
            ASSERT_TRUE(disk.create_dir("d").ok());
            disk.put_file("d/f", "base");
            write_file(disk, "d/f", "0123456789", false);
            disk.crash_torn(seed);
            std::string bytes = *disk.file("d/f");
            ASSERT_EQ(bytes, std::string("base0123456789").substr(0, bytes.size()));
            ASSERT_GE(bytes.size(), 4u);
            if (round == 0) {
                first = bytes;
            } else {
                EXPECT_EQ(bytes, first);
            }
        }
        outcomes.insert(first);
    }
    EXPECT_GT(outcomes.size(), 5u);
}

TEST(MemDiskTest, StaleHandleFailsAfterCrash) {
    MemDisk disk;
    ASSERT_TRUE(disk.create_dir("d").ok());
    auto file = disk.open_append("d/f");
    ASSERT_TRUE(file.ok());
    disk.crash();
    EXPECT_EQ((*file)->append("x").error().to_string(),
              "io error: d/f: file handle from before a crash");
}

TEST(MemDiskTest, MissingThingsAreNotFound) {
    MemDisk disk;
    EXPECT_EQ(disk.read_file("d/f").error().code(), StatusCode::not_found);
    EXPECT_EQ(disk.list("d").error().code(), StatusCode::not_found);
    EXPECT_EQ(disk.open_append("d/f").error().code(), StatusCode::not_found);
    ASSERT_TRUE(disk.create_dir("d").ok());
    EXPECT_EQ(disk.remove("d/f").error().code(), StatusCode::not_found);
    EXPECT_EQ(disk.truncate("d/f", 0).error().code(), StatusCode::not_found);
}

TEST(MemDiskTest, CorruptAndTruncate) {
    MemDisk disk;
    ASSERT_TRUE(disk.create_dir("d").ok());
    disk.put_file("d/f", "abcdef");
    disk.corrupt_byte("d/f", 1, 0x01);
    EXPECT_EQ(disk.file("d/f"), "accdef");
    ASSERT_TRUE(disk.truncate("d/f", 3).ok());
    disk.crash();
    EXPECT_EQ(disk.file("d/f"), "acc");
}

TEST(MemDiskTest, PreallocatedAppendsAndCrashes) {
    MemDisk disk;
    ASSERT_TRUE(disk.create_dir("d").ok());
    auto opened = disk.open_append("d/f", AppendOptions{8});
    ASSERT_TRUE(opened.ok());
    AppendFile& file = **opened;
    ASSERT_TRUE(disk.sync_dir("d").ok());
    ASSERT_TRUE(file.append("abc").ok());
    EXPECT_EQ(file.size(), 3u);  // logical; the file holds zeros past it
    EXPECT_EQ(disk.file("d/f"), std::string("abc\0\0\0\0\0", 8));
    ASSERT_TRUE(file.sync().ok());
    // An append inside durable zeros is lost back to the zeros.
    ASSERT_TRUE(file.append("de").ok());
    EXPECT_EQ(disk.file("d/f"), std::string("abcde\0\0\0", 8));
    disk.crash();
    EXPECT_EQ(disk.file("d/f"), std::string("abc\0\0\0\0\0", 8));
    // An unsynced zero extension is lost with the append that made it.
    opened = disk.open_append("d/f", AppendOptions{8});
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ((*opened)->size(), 8u);  // reopened: the logical size is the file's size
    ASSERT_TRUE(disk.truncate("d/f", 3).ok());
    opened = disk.open_append("d/f", AppendOptions{8});
    ASSERT_TRUE((*opened)->append("defghij").ok());  // ends at 10: extends 3 -> 11
    EXPECT_EQ(disk.file("d/f"), std::string("abcdefghij") + std::string(1, '\0'));
    disk.crash();
    EXPECT_EQ(disk.file("d/f"), "abc");
    // A torn crash keeps a prefix of the unsynced region over the durable image.
    for (uint64_t seed = 0; seed < 30; ++seed) {
        MemDisk torn;
        ASSERT_TRUE(torn.create_dir("d").ok());
        auto f = torn.open_append("d/f", AppendOptions{8});
        ASSERT_TRUE(torn.sync_dir("d").ok());
        ASSERT_TRUE((*f)->append("abc").ok());
        ASSERT_TRUE((*f)->sync().ok());
        ASSERT_TRUE((*f)->append("defghij").ok());
        torn.crash_torn(seed);
        const std::string bytes = *torn.file("d/f");
        const std::string live = std::string("abcdefghij") + std::string(6, '\0');
        ASSERT_GE(bytes.size(), 8u);
        EXPECT_EQ(bytes.substr(0, 3), "abc");
        for (size_t i = 3; i < bytes.size(); ++i) {  // a prefix of live, then durable zeros
            if (bytes[i] != live[i]) {
                EXPECT_EQ(bytes[i], '\0');
                EXPECT_EQ(bytes.substr(i), std::string(bytes.size() - i, '\0'));
                break;
            }
        }
    }
}

// Each test gets a fresh directory under /tmp, removed after it.
class PosixDiskTest : public testing::Test {
protected:
    void SetUp() override {
        // mkdtemp replaces the template's six trailing X characters.
        std::string name = "/tmp/warden-storage-test-" + std::string(6, 'X');
        ASSERT_NE(::mkdtemp(name.data()), nullptr);
        root_ = name;
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
        EXPECT_FALSE(ec);
    }
    std::string root_;
};

TEST_F(PosixDiskTest, Preallocate) {
    auto disk = make_posix_disk();
    const std::string path = root_ + "/f";
    {
        auto file = disk->open_append(path, AppendOptions{4096});
        ASSERT_TRUE(file.ok());
        ASSERT_TRUE((*file)->append("hello").ok());
        EXPECT_EQ((*file)->size(), 5u);
        EXPECT_EQ(*disk->read_file(path), "hello" + std::string(4091, '\0'));
        ASSERT_TRUE((*file)->append(std::string(5000, 'x')).ok());
        EXPECT_EQ((*file)->size(), 5005u);
        ASSERT_TRUE((*file)->sync().ok());
        ASSERT_TRUE((*file)->close().ok());
    }
    EXPECT_EQ(*disk->read_file(path), "hello" + std::string(5000, 'x') + std::string(3187, '\0'));
    auto reopened = disk->open_append(path);  // no preallocation: appends after the zeros
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ((*reopened)->size(), 8192u);
    ASSERT_TRUE((*reopened)->append("!").ok());
    reopened->reset();
    EXPECT_EQ(disk->read_file(path)->size(), 8193u);
}

TEST_F(PosixDiskTest, Basic) {
    auto disk = make_posix_disk();
    const std::string dir = root_ + "/d";
    ASSERT_TRUE(disk->create_dir(dir).ok());
    ASSERT_TRUE(disk->create_dir(dir).ok());  // Exists: fine.
    {
        auto file = disk->open_append(dir + "/b");
        ASSERT_TRUE(file.ok());
        EXPECT_EQ((*file)->size(), 0u);
        ASSERT_TRUE((*file)->append("hello").ok());
        ASSERT_TRUE((*file)->append(std::string(100000, 'x')).ok());
        EXPECT_EQ((*file)->size(), 100005u);
        ASSERT_TRUE((*file)->sync().ok());
        ASSERT_TRUE((*file)->close().ok());
    }
    auto reopened = disk->open_append(dir + "/b");
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ((*reopened)->size(), 100005u);  // Existing bytes are kept.
    ASSERT_TRUE((*reopened)->append("!").ok());
    reopened->reset();  // Closed by the destructor.
    EXPECT_EQ(disk->read_file(dir + "/b")->size(), 100006u);
    ASSERT_TRUE(disk->truncate(dir + "/b", 5).ok());
    EXPECT_EQ(*disk->read_file(dir + "/b"), "hello");
    write_file(*disk, dir + "/a", "a", true);
    ASSERT_TRUE(disk->rename(dir + "/b", dir + "/c").ok());
    ASSERT_TRUE(disk->sync_dir(dir).ok());
    EXPECT_EQ(list(*disk, dir), (std::vector<std::string>{"a", "c"}));
    ASSERT_TRUE(disk->remove(dir + "/a").ok());
    EXPECT_EQ(list(*disk, dir), std::vector<std::string>{"c"});

    auto missing = disk->read_file(dir + "/a");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), StatusCode::not_found);
    EXPECT_EQ(missing.error().message(), "open " + dir + "/a: No such file or directory");
    EXPECT_EQ(disk->remove(dir + "/a").error().code(), StatusCode::not_found);
    EXPECT_EQ(disk->list(root_ + "/nope").error().code(), StatusCode::not_found);
    auto not_dir = disk->create_dir(dir + "/c");
    ASSERT_FALSE(not_dir.ok());
    EXPECT_EQ(not_dir.error().to_string(), "io error: mkdir " + dir + "/c: File exists");

}

// map_file gives the same bytes as read_file, from a mapping that outlives moves, narrows and
// the file's removal; an empty file and a missing one are handled like read_file's.
TEST_F(PosixDiskTest, MapFile) {
    auto disk = make_posix_disk();
    std::string content(3 * 4096 + 17, '\0');
    for (size_t i = 0; i < content.size(); ++i) {
        content[i] = static_cast<char>(i * 131 % 251);
    }
    write_file(*disk, root_ + "/f", content, true);
    auto mapped = disk->map_file(root_ + "/f");
    ASSERT_TRUE(mapped.ok()) << mapped.error().to_string();
    EXPECT_EQ(mapped->view(), content);
    EXPECT_EQ(mapped->view(), *disk->read_file(root_ + "/f"));
    FileBytes moved = std::move(*mapped);
    EXPECT_EQ(mapped->size(), 0u);
    moved.narrow(5, content.size() - 9);
    ASSERT_TRUE(disk->remove(root_ + "/f").ok());  // the mapping keeps the bytes
    EXPECT_EQ(moved.view(), std::string_view(content).substr(5, content.size() - 9));
    moved = FileBytes(std::string("held"));
    EXPECT_EQ(moved.view(), "held");

    write_file(*disk, root_ + "/empty", "", true);
    auto empty = disk->map_file(root_ + "/empty");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->size(), 0u);
    auto missing = disk->map_file(root_ + "/nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), StatusCode::not_found);
}

}  // namespace
}  // namespace wd::storage
