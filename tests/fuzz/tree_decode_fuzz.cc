// Arbitrary bytes as a tree snapshot body and as a log entry: an error value, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tree/data_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto entry = wd::tree::decode_entry(bytes);
    if (entry.ok()) {
        // A decodable entry must also apply without crashing to a fresh tree.
        wd::tree::DataTree tree(wd::tree::Options{true, true, 0xfffff});
        if (entry->zxid > 0) {
            auto result = tree.apply(*entry);
            (void)result;
        }
    }
    auto tree = wd::tree::DataTree::deserialize(bytes, wd::tree::Options{});
    if (tree.ok()) {
        (void)tree->digest();
        (void)tree->serialize();
    }
    return 0;
}
