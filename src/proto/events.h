// Tree changes as apply reports them, before they are matched against watches.
#pragma once

#include <string>

#include "proto/opcodes.h"

namespace wd::proto {

// One change of the tree:
//   node_created(path), node_deleted(path), node_data_changed(path),
//   node_children_changed(path of the parent whose child list changed).
// The watch table maps these to notifications; apply emits them in the order they happened.
struct TreeEvent {
    EventType type = EventType::none;
    std::string path;
    bool operator==(const TreeEvent&) const = default;
};

}  // namespace wd::proto
