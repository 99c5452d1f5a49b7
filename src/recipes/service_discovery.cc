#include "recipes/service_discovery.h"

#include <algorithm>
#include <chrono>

namespace wd::recipes {

namespace {

using nlohmann::json;

// UriSpec: "{name}" parts are variables, the rest literal text (Curator's UriSpec parser).
json uri_spec_parts(const std::string& spec) {
    json parts = json::array();
    std::string literal;
    size_t at = 0;
    while (at < spec.size()) {
        size_t close = spec[at] == '{' ? spec.find('}', at) : std::string::npos;
        if (close == std::string::npos) {
            literal += spec[at++];
            continue;
        }
        if (!literal.empty()) {
            parts.push_back({{"value", literal}, {"variable", false}});
            literal.clear();
        }
        parts.push_back({{"value", spec.substr(at + 1, close - at - 1)}, {"variable", true}});
        at = close + 1;
    }
    if (!literal.empty()) {
        parts.push_back({{"value", literal}, {"variable", false}});
    }
    return json{{"parts", parts}};
}

std::string uri_spec_text(const json& spec) {
    std::string text;
    if (!spec.is_object() || !spec.contains("parts") || !spec["parts"].is_array()) {
        return text;
    }
    for (const auto& part : spec["parts"]) {
        std::string value = part.value("value", "");
        text += part.value("variable", false) ? "{" + value + "}" : value;
    }
    return text;
}

std::optional<int32_t> optional_int(const json& body, const char* key) {
    if (!body.contains(key) || !body[key].is_number_integer()) {
        return std::nullopt;
    }
    return body[key].get<int32_t>();
}

int64_t wall_clock_ms() {
    // The registration time is wall time by definition (Curator: System.currentTimeMillis).
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string ServiceInstance::to_json() const {
    json body = {{"name", name},
                 {"id", id},
                 {"address", address},
                 {"port", port ? json(*port) : json(nullptr)},
                 {"sslPort", ssl_port ? json(*ssl_port) : json(nullptr)},
                 {"payload", payload},
                 {"registrationTimeUTC", registration_time_utc_ms},
                 {"serviceType", service_type},
                 {"uriSpec", uri_spec.empty() ? json(nullptr) : uri_spec_parts(uri_spec)},
                 {"enabled", enabled}};
    return body.dump();
}

std::optional<ServiceInstance> ServiceInstance::from_json(std::string_view text) {
    json body = json::parse(text, nullptr, false);  // no exceptions: discarded on error
    if (body.is_discarded() || !body.is_object()) {
        return std::nullopt;
    }
    for (const char* key : {"name", "id", "address"}) {
        if (!body.contains(key) || !body[key].is_string()) {
            return std::nullopt;
        }
    }
    ServiceInstance instance;
    instance.name = body["name"].get<std::string>();
    instance.id = body["id"].get<std::string>();
    instance.address = body["address"].get<std::string>();
    instance.port = optional_int(body, "port");
    instance.ssl_port = optional_int(body, "sslPort");
    instance.payload = body.contains("payload") ? body["payload"] : json(nullptr);
    if (body.contains("registrationTimeUTC") && body["registrationTimeUTC"].is_number_integer()) {
        instance.registration_time_utc_ms = body["registrationTimeUTC"].get<int64_t>();
    }
    if (body.contains("serviceType") && body["serviceType"].is_string()) {
        instance.service_type = body["serviceType"].get<std::string>();
    }
    if (body.contains("uriSpec")) {
        instance.uri_spec = uri_spec_text(body["uriSpec"]);
    }
    if (body.contains("enabled") && body["enabled"].is_boolean()) {
        instance.enabled = body["enabled"].get<bool>();
    }
    return instance;
}

std::string ServiceInstance::build_uri() const {
    std::map<std::string, std::string> values = {
        {"scheme", ssl_port && !port ? "https" : "http"},
        {"name", name},
        {"id", id},
        {"address", address},
        {"port", port ? std::to_string(*port) : ""},
        {"ssl-port", ssl_port ? std::to_string(*ssl_port) : ""}};
    std::string uri;
    json parts = uri_spec.empty() ? json::object() : uri_spec_parts(uri_spec);
    for (const auto& part : parts.value("parts", json::array())) {
        std::string value = part["value"].get<std::string>();
        bool variable = part["variable"].get<bool>();
        auto known = values.find(value);
        uri += !variable ? value : known != values.end() ? known->second : "{" + value + "}";
    }
    return uri;
}

ServiceDiscovery::ServiceDiscovery(SyncClient& client, std::string base_path)
    : client_(client), base_path_(std::move(base_path)) {}

ServiceDiscovery::~ServiceDiscovery() {
    close();
}

std::string ServiceDiscovery::path_for(const std::string& name, const std::string& id) const {
    return join_path(join_path(base_path_, name), id);
}

ZkResult<ServiceInstance> ServiceDiscovery::register_service(ServiceInstance instance,
                                                             int64_t timeout_ms) {
    if (instance.service_type != "DYNAMIC" || instance.name.empty() ||
        instance.name.find('/') != std::string::npos ||
        instance.id.find('/') != std::string::npos) {
        return err(Code::bad_arguments);
    }
    if (instance.id.empty()) {
        instance.id = make_protected_prefix().substr(3, 36);  // a version-4 UUID
    }
    if (instance.registration_time_utc_ms == 0) {
        instance.registration_time_utc_ms = wall_clock_ms();
    }
    std::string path = path_for(instance.name, instance.id);
    std::lock_guard<std::mutex> lock(mutex_);
    auto known = registered_.find(path);
    if (known != registered_.end() && !known->second->lost()) {
        auto updated = known->second->set_data(instance.to_json());
        if (!updated.ok()) {
            return err(updated.error());
        }
        return instance;
    }
    auto node = std::make_unique<EphemeralNode>(client_, path, instance.to_json());
    auto started = node->start(timeout_ms);
    if (!started.ok()) {
        return err(started.error());
    }
    registered_[path] = std::move(node);
    return instance;
}

ZkResult<void> ServiceDiscovery::update_service(const ServiceInstance& instance) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto known = registered_.find(path_for(instance.name, instance.id));
    if (known == registered_.end()) {
        return err(Code::no_node);
    }
    return known->second->set_data(instance.to_json());
}

ZkResult<void> ServiceDiscovery::unregister_service(const ServiceInstance& instance) {
    std::unique_ptr<EphemeralNode> node;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto known = registered_.find(path_for(instance.name, instance.id));
        if (known == registered_.end()) {
            return {};
        }
        node = std::move(known->second);
        registered_.erase(known);
    }
    return node->close();
}

void ServiceDiscovery::close() {
    std::map<std::string, std::unique_ptr<EphemeralNode>> nodes;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        nodes.swap(registered_);
    }
    for (auto& [path, node] : nodes) {
        (void)node->close();
    }
}

bool ServiceDiscovery::lost() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::any_of(registered_.begin(), registered_.end(),
                       [](const auto& entry) { return entry.second->lost(); });
}

ZkResult<std::vector<std::string>> ServiceDiscovery::query_for_names() {
    auto names = client_.get_children(base_path_);
    if (!names.ok() && names.error() == Code::no_node) {
        return std::vector<std::string>();
    }
    if (!names.ok()) {
        return err(names.error());
    }
    std::sort(names->begin(), names->end());
    return std::move(names).value();
}

ZkResult<std::vector<ServiceInstance>> ServiceDiscovery::query_for_instances(
    const std::string& name) {
    auto ids = client_.get_children(join_path(base_path_, name));
    if (!ids.ok() && ids.error() == Code::no_node) {
        return std::vector<ServiceInstance>();
    }
    if (!ids.ok()) {
        return err(ids.error());
    }
    std::sort(ids->begin(), ids->end());
    std::vector<ServiceInstance> found;
    for (const auto& id : *ids) {
        auto one = query_for_instance(name, id);
        if (!one.ok()) {
            return err(one.error());
        }
        if (one->has_value()) {
            found.push_back(std::move(**one));
        }
    }
    return found;
}

ZkResult<std::optional<ServiceInstance>> ServiceDiscovery::query_for_instance(
    const std::string& name, const std::string& id) {
    auto data = client_.get_data(path_for(name, id));
    if (!data.ok() && data.error() == Code::no_node) {
        return std::optional<ServiceInstance>();  // unregistered meanwhile
    }
    if (!data.ok()) {
        return err(data.error());
    }
    return ServiceInstance::from_json(data->data.value_or(""));
}

}  // namespace wd::recipes
