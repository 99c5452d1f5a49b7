#include "recipes/priority_queue.h"

#include <cstdio>

namespace wd::recipes {

std::string PriorityQueue::priority_key(int32_t priority) {
    char text[16];
    std::snprintf(text, sizeof(text), "%s%08X", priority >= 0 ? "1" : "0",
                  static_cast<unsigned>(static_cast<uint32_t>(priority)));
    return text;
}

}  // namespace wd::recipes
