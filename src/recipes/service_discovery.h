// Service discovery with Curator's x-discovery layout, so Curator's ServiceDiscovery can read
// what a C++ process registers and the other way round:
//   <base_path>/<service name>/<instance id>   one node per instance
// holding Curator's JsonInstanceSerializer body:
//   {"name":…,"id":…,"address":…,"port":…,"sslPort":…,"payload":…,
//    "registrationTimeUTC":…,"serviceType":"DYNAMIC","uriSpec":{"parts":[…]},"enabled":true}
//
// Registration: a DYNAMIC instance is an ephemeral node kept in place by an EphemeralNode
// (Curator's PersistentNode): created again if deleted while the session lives, gone when the
// session ends (the server expires it). An instance id is held by at most one live session:
// unlike Curator, registering an id whose node another live session owns waits for that node
// to go (NODEEXISTS at the deadline) instead of replacing it.
//
// Queries read the server directly; ServiceCache (service_cache.h) keeps a watched view of one
// service and ServiceProvider picks instances from it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "recipes/ephemeral_node.h"

namespace wd::recipes {

struct ServiceInstance {
    std::string name;
    std::string id;  // empty: register_service() makes a random UUID
    std::string address;
    std::optional<int32_t> port;
    std::optional<int32_t> ssl_port;
    nlohmann::json payload;                // JSON null when there is none
    int64_t registration_time_utc_ms = 0;  // 0: register_service() sets the wall clock
    std::string service_type = "DYNAMIC";
    // Curator's UriSpec template, e.g. "{scheme}://{address}:{port}"; empty: none (null).
    std::string uri_spec;
    bool enabled = true;

    // Curator's JSON body.
    std::string to_json() const;
    // std::nullopt for a body that is not JSON or lacks name, id or address.
    static std::optional<ServiceInstance> from_json(std::string_view text);
    // The uri_spec with its variables filled in (UriSpec.build): scheme ("https" when only
    // sslPort is set, else "http"), name, id, address, port, ssl-port; unknown ones stay.
    std::string build_uri() const;
    bool operator==(const ServiceInstance&) const = default;
};

class ServiceDiscovery {
public:
    ServiceDiscovery(SyncClient& client, std::string base_path);
    ~ServiceDiscovery();  // close()
    ServiceDiscovery(const ServiceDiscovery&) = delete;
    ServiceDiscovery& operator=(const ServiceDiscovery&) = delete;

    // Registers `instance` (service_type must be DYNAMIC: BADARGUMENTS otherwise), filling
    // in an empty id and a zero registration time; returns the instance as written.
    // Registering the same name and id again updates it.
    ZkResult<ServiceInstance> register_service(ServiceInstance instance,
                                               int64_t timeout_ms = 30'000);
    // Rewrites a registered instance's body (NONODE if it is not registered here).
    ZkResult<void> update_service(const ServiceInstance& instance);
    // Deletes a registered instance (nothing if it is not registered here).
    ZkResult<void> unregister_service(const ServiceInstance& instance);
    // Unregisters every instance of this object. Idempotent.
    void close();

    // The service names under base_path, sorted.
    ZkResult<std::vector<std::string>> query_for_names();
    // The instances of `name` that parse, sorted by id (an unknown name has none).
    ZkResult<std::vector<ServiceInstance>> query_for_instances(const std::string& name);
    ZkResult<std::optional<ServiceInstance>> query_for_instance(const std::string& name,
                                                                const std::string& id);

    // True once the session of some registration ended (those instances are gone).
    bool lost() const;
    std::string path_for(const std::string& name, const std::string& id) const;
    const std::string& base_path() const { return base_path_; }

private:
    SyncClient& client_;
    std::string base_path_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<EphemeralNode>> registered_;  // by path
};

}  // namespace wd::recipes
