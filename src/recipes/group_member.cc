#include "recipes/group_member.h"

namespace wd::recipes {

namespace {

TreeCacheOptions children_only(TreeCacheOptions options) {
    options.depth_max = 1;
    return options;
}

}  // namespace

GroupMember::GroupMember(SyncClient& client, std::string group_path, std::string member_id,
                         std::string payload, TreeCacheOptions options)
    : client_(client),
      group_path_(std::move(group_path)),
      id_(std::move(member_id)),
      node_(client, join_path(group_path_, id_), std::move(payload)),
      cache_(client, group_path_, children_only(options)) {
    cache_.set_listener([this](const TreeEvent& event) { on_tree_event(event); });
}

GroupMember::~GroupMember() {
    (void)close();
}

void GroupMember::on_tree_event(const TreeEvent& event) {
    if (!listener_) {
        return;
    }
    if (event.type == TreeEventType::lost) {
        listener_(Event{EventType::lost, "", ""});
        return;
    }
    if (event.type == TreeEventType::initialized || event.path == group_path_) {
        return;  // the group node itself is not a member
    }
    std::string payload = event.node.data.value_or("");
    switch (event.type) {
        case TreeEventType::node_added:
            listener_(Event{EventType::joined, node_name(event.path), std::move(payload)});
            break;
        case TreeEventType::node_updated:
            listener_(Event{EventType::updated, node_name(event.path), std::move(payload)});
            break;
        case TreeEventType::node_removed:
            listener_(Event{EventType::left, node_name(event.path), std::move(payload)});
            break;
        default: break;
    }
}

ZkResult<void> GroupMember::start(int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    auto joined = node_.start(timeout_ms);
    if (!joined.ok()) {
        (void)node_.close();
        return joined;
    }
    auto started = cache_.start();
    if (!started.ok()) {
        return started;
    }
    if (!cache_.await_initialized(deadline.remaining_ms())) {
        Code code = cache_.lost() ? Code::session_expired : Code::connection_loss;
        (void)close();
        return err(code);
    }
    return {};
}

ZkResult<void> GroupMember::close() {
    cache_.close();
    return node_.close();
}

std::map<std::string, std::string> GroupMember::members() const {
    std::map<std::string, std::string> found;
    for (const auto& name : cache_.children(group_path_)) {
        auto node = cache_.get(join_path(group_path_, name));
        if (node) {
            found[name] = node->data.value_or("");
        }
    }
    return found;
}

ZkResult<std::map<std::string, std::string>> GroupMember::read_members() {
    auto names = client_.get_children(group_path_);
    if (!names.ok()) {
        return err(names.error());
    }
    std::map<std::string, std::string> found;
    for (const auto& name : *names) {
        auto data = client_.get_data(join_path(group_path_, name));
        if (!data.ok() && data.error() == Code::no_node) {
            continue;  // left meanwhile
        }
        if (!data.ok()) {
            return err(data.error());
        }
        found[name] = data->data.value_or("");
    }
    return found;
}

}  // namespace wd::recipes
