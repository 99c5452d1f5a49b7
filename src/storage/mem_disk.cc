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

void MemDisk::Inode::write(uint64_t offset, std::string_view bytes) {
    dirty_from = std::min<uint64_t>({dirty_from, offset, data.size()});
    if (offset + bytes.size() > data.size()) {
        data.resize(offset + bytes.size(), '\0');
    }
    data.replace(offset, bytes.size(), bytes);
}

void MemDisk::Inode::sync() {
    // Only the unsynced region can differ, so the copy costs what was written since.
    durable.resize(data.size());
    durable.replace(dirty_from, data.size() - dirty_from, data, dirty_from);
    dirty_from = data.size();
}

// Appends at the logical end; with preallocation, zero-extends first, as PosixDisk does.
class MemAppendFile final : public AppendFile {
public:
    MemAppendFile(MemDisk* disk, std::string path, std::shared_ptr<MemDisk::Inode> inode,
                  AppendOptions options)
        : disk_(disk), path_(std::move(path)), inode_(std::move(inode)),
          generation_(disk->generation_), size_(inode_->data.size()), options_(options) {}

    Result<void> append(std::string_view bytes) override {
        WD_TRY(check());
        const uint64_t end = size_ + bytes.size();
        const uint64_t allocated = inode_->data.size();
        if (options_.preallocate_bytes > 0 && end > allocated) {
            const uint64_t target = preallocated_size(allocated, end, options_.preallocate_bytes);
            inode_->write(allocated, std::string(target - allocated, '\0'));
        }
        inode_->write(size_, bytes);
        size_ = end;
        return {};
    }
    Result<void> sync() override {
        WD_TRY(check());
        if (disk_->interrupt_syncs_) {
            return err(Status::io_error("fdatasync " + path_ + ": interrupted"));
        }
        inode_->sync();
        disk_->sync_count_ += 1;
        return {};
    }
    Result<void> close() override {
        WD_ASSERT(!closed_);
        closed_ = true;
        return {};
    }
    uint64_t size() const override { return size_; }

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
    uint64_t size_;  // logical; the inode's bytes past it are preallocated zeros
    AppendOptions options_;
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

Result<std::unique_ptr<AppendFile>> MemDisk::open_append(const std::string& path,
                                                    AppendOptions options) {
    if (!dir_exists_for(path)) {
        return err(Status::not_found("open " + path + ": No such file or directory"));
    }
    auto& inode = files_[path];
    if (!inode) {
        inode = std::make_shared<Inode>();
    }
    std::unique_ptr<AppendFile> file = std::make_unique<MemAppendFile>(this, path, inode,
                                                                         options);
    return file;
}

Result<void> MemDisk::truncate(const std::string& path, uint64_t size) {
    auto it = files_.find(path);
    if (it == files_.end()) {
        return err(Status::not_found("truncate " + path + ": No such file or directory"));
    }
    // Shrinking is durable at once; growth appends unsynced zeros.
    Inode& inode = *it->second;
    inode.data.resize(size, '\0');
    inode.durable.resize(std::min<uint64_t>(inode.durable.size(), size));
    inode.dirty_from = std::min<uint64_t>(inode.dirty_from, size);
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
        const uint64_t from = inode->dirty_from;
        const uint64_t unsynced = inode->data.size() - from;
        const uint64_t kept = seed && unsynced > 0 ? rng.below(unsynced + 1) : 0;
        // The durable image, overlaid with the kept prefix of the unsynced region.
        std::string bytes = std::move(inode->durable);
        if (from + kept > bytes.size()) {
            bytes.resize(from + kept, '\0');
        }
        bytes.replace(from, kept, inode->data, from, kept);
        inode->data = std::move(bytes);
        inode->durable = inode->data;
        inode->dirty_from = inode->data.size();
    }
    generation_ += 1;
}

void MemDisk::corrupt_byte(const std::string& path, uint64_t offset, uint8_t mask) {
    auto it = files_.find(path);
    WD_ASSERT(it != files_.end());
    WD_ASSERT(offset < it->second->data.size());
    WD_ASSERT(mask != 0);
    Inode& inode = *it->second;
    inode.data[offset] = static_cast<char>(inode.data[offset] ^ mask);
    if (offset < inode.durable.size()) {  // latent damage: it survives a crash
        inode.durable[offset] = static_cast<char>(inode.durable[offset] ^ mask);
    }
}

void MemDisk::put_file(const std::string& path, std::string bytes) {
    WD_ASSERT(dir_exists_for(path));
    auto inode = std::make_shared<Inode>();
    inode->data = std::move(bytes);
    inode->durable = inode->data;
    inode->dirty_from = inode->data.size();
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
