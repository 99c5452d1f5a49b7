// Group membership (Curator's GroupMember): a member is the ephemeral node
// "<group_path>/<member id>" holding the member's payload, kept in place by an EphemeralNode
// (Curator's PersistentNode), and the group is read through a TreeCache of depth 1 on
// `group_path` (Curator's CuratorCache). Node layout and data are Curator's, so Java and C++
// members see each other.
//
// Guarantees:
// - A member id is held by at most one live session at a time (EphemeralNode's ownership
//   rule); a member whose session ends leaves the group when the server expires it.
// - members() converges to the group's membership and payloads once changes stop, and the
//   listener sees joined / updated / left for every change it observes, in zxid order
//   (TreeCache's rules, including the re-read after a reconnect). The initial members are
//   reported as joined before start() returns.
// - While the client is disconnected, members() is the last known view, and our own member
//   may already be gone if the session is expiring; is_member() is false meanwhile.
// - Session end: lost() turns true and the listener gets `lost` once. Make a new client and a
//   new GroupMember to join again.
#pragma once

#include <map>

#include "recipes/ephemeral_node.h"
#include "recipes/tree_cache.h"

namespace wd::recipes {

class GroupMember {
public:
    enum class EventType : uint8_t { joined, updated, left, lost };
    struct Event {
        EventType type = EventType::joined;
        std::string id;       // empty for lost
        std::string payload;  // joined, updated: the new payload; left: the last known one
    };
    using Listener = std::function<void(const Event&)>;

    GroupMember(SyncClient& client, std::string group_path, std::string member_id,
                std::string payload = "", TreeCacheOptions options = {});
    ~GroupMember();  // close()
    GroupMember(const GroupMember&) = delete;
    GroupMember& operator=(const GroupMember&) = delete;

    // Runs on the membership cache's thread. REQUIRES: before start().
    void set_listener(Listener listener) { listener_ = std::move(listener); }
    // Joins (EphemeralNode::start) and waits until the membership view is loaded; both within
    // timeout_ms. On error nothing of ours is left in the group.
    ZkResult<void> start(int64_t timeout_ms = 30'000);
    // Updates our payload (the data of our node).
    ZkResult<void> set_payload(std::string payload) { return node_.set_data(std::move(payload)); }
    // Leaves: deletes our node and stops the view. Idempotent.
    ZkResult<void> close();

    // The group as last seen: member id -> payload (including ourselves once seen).
    std::map<std::string, std::string> members() const;
    // The group read from the server now (not the cache).
    ZkResult<std::map<std::string, std::string>> read_members();
    // Our node is in place and the session is connected.
    bool is_member() const { return node_.is_held(); }
    bool lost() const { return node_.lost() || cache_.lost(); }
    const std::string& id() const { return id_; }
    const TreeCache& cache() const { return cache_; }

private:
    void on_tree_event(const TreeEvent& event);

    SyncClient& client_;
    std::string group_path_;
    std::string id_;
    EphemeralNode node_;
    TreeCache cache_;
    Listener listener_;
};

}  // namespace wd::recipes
