// libFuzzer target for what one server accepts from another: consensus messages, the hard
// state and stored log entries (src/consensus/codec.h). Decoding may refuse anything but must
// never crash or read out of bounds; whatever decodes re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "consensus/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace wd::consensus;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (auto m = decode_message(bytes)) {
        if (encode_message(*m) != bytes) {
            std::abort();
        }
    }
    if (auto h = decode_hard_state(bytes)) {
        if (encode_hard_state(*h) != bytes) {
            std::abort();
        }
    }
    if (auto e = decode_entry(LogIndex{7}, bytes)) {
        if (encode_entry(*e) != bytes) {
            std::abort();
        }
    }
    size_t consumed = 0;
    if (auto meta = decode_snapshot_meta(bytes, &consumed)) {
        if (encode_snapshot_meta(*meta) != bytes.substr(0, consumed)) {
            std::abort();
        }
    }
    return 0;
}
