// StatsTrack: the text ZooKeeper keeps in zookeeper_limits and zookeeper_stats nodes
// (org.apache.zookeeper.StatsTrack, 3.7+ format).
//
//   "count=<n>,bytes=<n>"                                     when only count and bytes are set
//   "count=<n>,bytes=<n>=;byteHardLimit=<n>;countHardLimit=<n>"  other keys sorted, after "="
//
// Pairs are separated by ',' or ';'; a missing key reads as -1 ("no limit"). ZooKeeper throws
// on a malformed pair; parse() skips it instead.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wd::tree {

class StatsTrack {
public:
    static StatsTrack parse(std::string_view text);
    std::string to_string() const;

    int64_t count() const { return get("count"); }
    int64_t bytes() const { return get("bytes"); }
    int64_t count_hard() const { return get("countHardLimit"); }
    int64_t bytes_hard() const { return get("byteHardLimit"); }
    void set_count(int64_t v) { set("count", v); }
    void set_bytes(int64_t v) { set("bytes", v); }
    void set_count_hard(int64_t v) { set("countHardLimit", v); }
    void set_bytes_hard(int64_t v) { set("byteHardLimit", v); }

    int64_t get(std::string_view key) const;
    void set(std::string_view key, int64_t value);

private:
    std::map<std::string, int64_t, std::less<>> values_;
};

}  // namespace wd::tree
