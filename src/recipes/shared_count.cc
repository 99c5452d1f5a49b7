#include "recipes/shared_count.h"

namespace wd::recipes {

SharedCount::SharedCount(SyncClient& client, std::string path, int32_t seed)
    : client_(client), path_(std::move(path)), seed_(seed) {}

std::string SharedCount::encode(int32_t value) {
    auto v = static_cast<uint32_t>(value);
    std::string bytes(4, '\0');
    for (int i = 0; i < 4; ++i) {
        bytes[static_cast<size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
    }
    return bytes;
}

ZkResult<int32_t> SharedCount::decode(const Data& data) {
    if (!data.has_value() || data->size() != 4) {
        return err(Code::data_inconsistency);
    }
    uint32_t v = 0;
    for (char c : *data) {
        v = (v << 8) | static_cast<uint8_t>(c);
    }
    return static_cast<int32_t>(v);
}

ZkResult<VersionedValue> SharedCount::get() {
    while (true) {
        auto data = client_.get_data(path_);
        if (data.ok()) {
            auto value = decode(data->data);
            if (!value.ok()) {
                return err(value.error());
            }
            return VersionedValue{*value, data->stat.version};
        }
        if (data.error() != Code::no_node) {
            return err(data.error());
        }
        auto parents = ensure_parents(client_, path_);
        if (!parents.ok()) {
            return err(parents.error());
        }
        auto made = client_.create(path_, encode(seed_));
        if (!made.ok() && made.error() != Code::node_exists) {
            return err(made.error());
        }
    }
}

ZkResult<bool> SharedCount::try_set(const VersionedValue& previous, int32_t value) {
    auto set = client_.set_data(path_, encode(value), previous.version);
    if (set.ok()) {
        return true;
    }
    if (set.error() == Code::bad_version) {
        return false;
    }
    return err(set.error());
}

ZkResult<int32_t> SharedCount::add(int32_t delta) {
    while (true) {
        auto current = get();
        if (!current.ok()) {
            return err(current.error());
        }
        int32_t next = static_cast<int32_t>(static_cast<uint32_t>(current->value) +
                                            static_cast<uint32_t>(delta));
        auto set = try_set(*current, next);
        if (!set.ok()) {
            return err(set.error());
        }
        if (*set) {
            return next;
        }
    }
}

}  // namespace wd::recipes
