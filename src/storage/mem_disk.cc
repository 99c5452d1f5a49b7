#include "storage/mem_disk.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "base/rng.h"

namespace wd::storage {
namespace {

std::string parent_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// The entry name of `path` if its directory is exactly `dir`.
std::optional<std::string> child_name(const std::string& dir, const std::string& path) {
    if (parent_of(path) != dir) {
        return std::nullopt;
    }
    return dir.empty() ? path : path.substr(dir.size() + 1);
}

}  // namespace

class MemAppendFile final : public AppendFile {
public:
    MemAppendFile(MemDisk* disk, std::string path, std::shared_ptr<MemDisk::Inode> inode)
        : disk_(disk), path_(std::move(path)), inode_(std::move(inode)),
          generation_(disk->generation_) {}

    Result<void> append(std::string_view bytes) override {
        WD_TRY(check());
        inode_->data.append(bytes);
        return {};
    }
    Result<void> sync() override {
        WD_TRY(check());
        inode_->synced_size = inode_->data.size();
        disk_->sync_count_ += 1;
        return {};
    }
    Result<void> close() override {
        WD_ASSERT(!closed_);
        closed_ = true;
        return {};
    }
    uint64_t size() const override { return inode_->data.size(); }

private:
    Result<void> check() const {
        WD_ASSERT(!closed_);
        if (generation_ != disk_->generation_) {
            return err(Status::io_error(path_ + ": file handle from before a crash"));
        }
        return {};
    }

    MemDisk* disk_;
    std::string path_;
    std::shared_ptr<MemDisk::Inode> inode_;
    uint64_t generation_;
    bool closed_ = false;
};

bool MemDisk::dir_exists_for(const std::string& path) const {
    const std::string dir = parent_of(path);
    return dir.empty() || dirs_.contains(dir);
}

Result<void> MemDisk::create_dir(const std::string& path) {
    if (files_.contains(path)) {
        return err(Status::io_error("mkdir " + path + ": File exists"));
    }
    dirs_.insert(path);
    return {};
}

Result<std::vector<std::string>> MemDisk::list(const std::string& dir) {
    if (!dirs_.contains(dir)) {
        return err(Status::not_found("opendir " + dir + ": No such file or directory"));
    }
    std::vector<std::string> names;
    for (const auto& [path, inode] : files_) {
        if (auto name = child_name(dir, path)) {
            names.push_back(std::move(*name));
        }
    }
    for (const auto& path : dirs_) {
        if (auto name = child_name(dir, path)) {
            names.push_back(std::move(*name));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

Result<std::string> MemDisk::read_file(const std::string& path) {
    auto it = files_.find(path);
    if (it == files_.end()) {
        return err(Status::not_found("open " + path + ": No such file or directory"));
    }
    return it->second->data;
}

Result<std::unique_ptr<AppendFile>> MemDisk::open_append(const std::string& path) {
    if (!dir_exists_for(path)) {
        return err(Status::not_found("open " + path + ": No such file or directory"));
    }
    auto& inode = files_[path];
    if (!inode) {
        inode = std::make_shared<Inode>();
    }
    std::unique_ptr<AppendFile> file = std::make_unique<MemAppendFile>(this, path, inode);
    return file;
}

Result<void> MemDisk::truncate(const std::string& path, uint64_t size) {
    auto it = files_.find(path);
    if (it == files_.end()) {
        return err(Status::not_found("truncate " + path + ": No such file or directory"));
    }
    Inode& inode = *it->second;
    inode.data.resize(size, '\0');
    inode.synced_size = std::min<uint64_t>(inode.synced_size, size);
    return {};
}

Result<void> MemDisk::rename(const std::string& from, const std::string& to) {
    auto it = files_.find(from);
    if (it == files_.end()) {
        return err(Status::not_found("rename " + from + " to " + to +
                                     ": No such file or directory"));
    }
    if (!dir_exists_for(to)) {
        return err(Status::not_found("rename " + from + " to " + to +
                                     ": No such file or directory"));
    }
    auto inode = it->second;
    files_.erase(it);
    files_[to] = std::move(inode);
    return {};
}

Result<void> MemDisk::remove(const std::string& path) {
    if (files_.erase(path) == 0) {
        return err(Status::not_found("unlink " + path + ": No such file or directory"));
    }
    return {};
}

Result<void> MemDisk::sync_dir(const std::string& dir) {
    if (!dirs_.contains(dir)) {
        return err(Status::not_found("open " + dir + ": No such file or directory"));
    }
    std::erase_if(durable_, [&](const auto& entry) { return parent_of(entry.first) == dir; });
    for (const auto& [path, inode] : files_) {
        if (parent_of(path) == dir) {
            durable_[path] = inode;
        }
    }
    return {};
}

void MemDisk::crash() { crash_with(std::nullopt); }

void MemDisk::crash_torn(uint64_t seed) { crash_with(seed); }

void MemDisk::crash_with(std::optional<uint64_t> seed) {
    Rng rng(seed.value_or(0));
    files_ = durable_;
    std::unordered_set<const Inode*> done;  // Membership only; iteration follows files_.
    for (const auto& [path, inode] : files_) {
        if (!done.insert(inode.get()).second) {
            continue;
        }
        const uint64_t unsynced = inode->data.size() - inode->synced_size;
        const uint64_t kept = seed && unsynced > 0 ? rng.below(unsynced + 1) : 0;
        inode->data.resize(inode->synced_size + kept);
        inode->synced_size = inode->data.size();
    }
    generation_ += 1;
}

void MemDisk::corrupt_byte(const std::string& path, uint64_t offset, uint8_t mask) {
    auto it = files_.find(path);
    WD_ASSERT(it != files_.end());
    WD_ASSERT(offset < it->second->data.size());
    WD_ASSERT(mask != 0);
    it->second->data[offset] = static_cast<char>(it->second->data[offset] ^ mask);
}

void MemDisk::put_file(const std::string& path, std::string bytes) {
    WD_ASSERT(dir_exists_for(path));
    auto inode = std::make_shared<Inode>();
    inode->data = std::move(bytes);
    inode->synced_size = inode->data.size();
    files_[path] = inode;
    durable_[path] = inode;
}

std::optional<std::string> MemDisk::file(const std::string& path) const {
    auto it = files_.find(path);
    if (it == files_.end()) {
        return std::nullopt;
    }
    return it->second->data;
}

}  // namespace wd::storage
