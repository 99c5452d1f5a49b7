// Data-driven tests of the tree: tests/data/tree/*.txt. Regenerate with WD_REWRITE=1.
#include <sstream>

#include "support/datadriven.h"
#include "tree/describe.h"
#include "tree/test_util.h"

namespace wd::tree {
namespace {

using proto::OpCode;
using datadriven::Command;

int32_t mode_flag(const std::string& mode) {
    static const std::vector<std::string> names = {
        "persistent", "ephemeral", "persistent_sequential", "ephemeral_sequential",
        "container",  "ttl",       "ttl_sequential"};
    for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == mode) {
            return static_cast<int32_t>(i);
        }
    }
    return std::atoi(mode.c_str());  // a raw flag value, e.g. mode=9
}

OpCode op_code(const std::string& name) {
    for (int32_t v : {1, 15, 19, 21}) {
        if (proto::opcode_name(static_cast<OpCode>(v)) == name) {
            return static_cast<OpCode>(v);
        }
    }
    return OpCode::create;
}

// "world:anyone:cdrwa,digest:bob:hash:r" (perms after the last ':').
std::vector<proto::Acl> parse_acl(const std::string& text) {
    std::vector<proto::Acl> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) {
        size_t first = item.find(':');
        size_t last = item.rfind(':');
        proto::Acl acl;
        for (char c : item.substr(last + 1)) {
            const std::string letters = "rwcda";
            acl.perms |= 1 << letters.find(c);
        }
        acl.id = proto::Id{item.substr(0, first), item.substr(first + 1, last - first - 1)};
        out.push_back(acl);
    }
    return out;
}

// auth="digest:bob:hash,ip:10.0.0.1" and super=true.
Identity parse_identity(const Command& args) {
    Identity who;
    who.super = args.get("super") == "true";
    std::stringstream ss(args.get("auth"));
    for (std::string item; std::getline(ss, item, ',');) {
        size_t colon = item.find(':');
        who.ids.push_back(proto::Id{item.substr(0, colon), item.substr(colon + 1)});
    }
    return who;
}

proto::Data parse_data(const Command& args) {
    if (!args.has("data") || args.get("data") == "null") {
        return args.has("data") ? proto::Data() : proto::Data(std::string());
    }
    return args.get("data");
}

class Harness {
public:
    std::string run(const Command& cmd);

private:
    std::string write(OpCode type, std::string body, const Command& args) {
        ApplyResult r =
            d_.apply(type, std::move(body), args.get_int("session", 1), parse_identity(args));
        return "zxid=" + std::to_string(d_.tree().last_zxid()) + " " + describe(r, type);
    }
    std::string create_body(const Command& args, OpCode type) {
        proto::CreateTtlRequest r{
            args.get("path"), parse_data(args),
            args.has("acl") ? parse_acl(args.get("acl")) : testing::open_acl(),
            mode_flag(args.get("mode", "persistent")), args.get_int("ttl", -1)};
        if (type == OpCode::create_ttl) {
            return proto::encode_to_string(r);
        }
        return proto::encode_to_string(proto::CreateRequest{r.path, r.data, r.acl, r.flags});
    }
    proto::MultiOp multi_op(const std::string& line);
    std::string read(const Command& cmd);
    std::string run_version_op(const Command& cmd);
    std::string dump(const std::string& path);

    testing::Driver d_{Options{true, true, 0xfffff, 0}};
};

proto::MultiOp Harness::multi_op(const std::string& line) {
    const Command args = datadriven::parse_command(line);
    const std::string& name = args.name;
    const std::string path = args.get("path");
    const auto version = static_cast<int32_t>(args.get_int("version", -1));
    if (name == "create") {
        OpCode type = op_code(args.get("op", "create"));
        std::string body = create_body(args, type);
        proto::JuteReader r(body);
        if (type == OpCode::create_ttl) {
            return {type, proto::decode<proto::CreateTtlRequest>(r)};
        }
        return {type, proto::decode<proto::CreateRequest>(r)};
    }
    if (name == "delete") {
        return {OpCode::remove, proto::DeleteRequest{path, version}};
    }
    if (name == "set") {
        return {OpCode::set_data, proto::SetDataRequest{path, parse_data(args), version}};
    }
    return {OpCode::check, proto::CheckVersionRequest{path, version}};
}

std::string Harness::dump(const std::string& path) {
    auto data = d_.tree().get_data(path, Identity{{}, true});
    auto children = d_.tree().get_children(path, Identity{{}, true});
    if (!data.ok()) {
        return path + " " + std::string(code_name(data.error())) + "\n";
    }
    std::string out = path + " " + describe(data->data) + " " + describe(data->stat) + "\n";
    for (const std::string& child : children->children) {
        out += dump(path == "/" ? "/" + child : path + "/" + child);
    }
    return out;
}

// Reads: get, children, acl, exists, count, ephemerals.
std::string Harness::read(const Command& cmd) {
    const std::string path = cmd.get("path");
    const Identity who = parse_identity(cmd);
    auto fail = [](Code c) { return "err=" + std::string(code_name(c)); };
    if (cmd.name == "get") {
        auto r = d_.tree().get_data(path, who);
        return r.ok() ? describe(r->data) + "\n" + describe(r->stat) : fail(r.error());
    }
    if (cmd.name == "children") {
        auto r = d_.tree().get_children(path, who);
        if (!r.ok()) {
            return fail(r.error());
        }
        std::string out = "[";
        for (const std::string& c : r->children) {
            out += (out.size() > 1 ? " " : "") + c;
        }
        return out + "]\n" + describe(r->stat);
    }
    if (cmd.name == "acl") {
        auto r = d_.tree().get_acl(path, who);
        return r.ok() ? describe(r->acl) : fail(r.error());
    }
    if (cmd.name == "exists") {
        auto r = d_.tree().exists(path);
        return r.ok() ? describe(*r) : fail(r.error());
    }
    if (cmd.name == "count") {
        auto r = d_.tree().get_all_children_number(path, who);
        return r.ok() ? std::to_string(*r) : fail(r.error());
    }
    std::string out;  // ephemerals
    for (const std::string& p : d_.tree().get_ephemerals(cmd.get_int("session", 1), path)) {
        out += p + "\n";
    }
    return out.empty() ? "(none)" : out;
}

// set, delete, set-acl and check; "" for any other command.
std::string Harness::run_version_op(const Command& cmd) {
    const Command& a = cmd;
    if (cmd.name == "set") {  // Example: set path=/a data=y version=0
        return write(
            OpCode::set_data,
            proto::encode_to_string(proto::SetDataRequest{
                a.get("path"), parse_data(a), static_cast<int32_t>(a.get_int("version", -1))}),
            a);
    }
    if (cmd.name == "delete") {  // Example: delete path=/a version=-1
        return write(OpCode::remove,
                     proto::encode_to_string(proto::DeleteRequest{
                         a.get("path"), static_cast<int32_t>(a.get_int("version", -1))}),
                     a);
    }
    if (cmd.name == "set-acl") {  // Example: set-acl path=/a acl=world:anyone:r version=0
        return write(OpCode::set_acl,
                     proto::encode_to_string(
                         proto::SetAclRequest{a.get("path"), parse_acl(a.get("acl")),
                                              static_cast<int32_t>(a.get_int("version", -1))}),
                     a);
    }
    if (cmd.name == "check") {  // Example: check path=/a version=0
        return write(OpCode::check,
                     proto::encode_to_string(proto::CheckVersionRequest{
                         a.get("path"), static_cast<int32_t>(a.get_int("version", -1))}),
                     a);
    }
    return {};
}

// Every command, with one example each.
std::string Harness::run(const Command& cmd) {
    const Command& a = cmd;
    if (cmd.name == "open-session") {  // Example: open-session session=1
        return write(OpCode::create_session,
                     encode_create_session(
                         {static_cast<int32_t>(a.get_int("timeout", 30000)), std::string(16, 'p')}),
                     a);
    }
    if (cmd.name == "close-session") {  // Example: close-session session=1
        return write(OpCode::close_session, {}, a);
    }
    if (cmd.name == "time") {  // Example: time ms=5000
        d_.set_time(a.get_int("ms", 0));
        return "ok";
    }
    if (cmd.name == "create") {  // Example: create path=/a data=x mode=ephemeral session=1
        OpCode type = op_code(a.get("op", "create"));
        return write(type, create_body(a, type), a);
    }
    if (std::string out = run_version_op(cmd); !out.empty()) {
        return out;
    }
    if (cmd.name == "multi") {  // Example: multi session=1, then one op per input line
        proto::MultiRequest m;
        for (const std::string& line : cmd.input) {
            m.ops.push_back(multi_op(line));
        }
        std::string body;
        proto::JuteWriter w(body);
        proto::encode(w, m);
        return write(OpCode::multi, std::move(body), a);
    }
    if (cmd.name == "delete-container") {  // Example: delete-container path=/c
        return write(OpCode::delete_container,
                     proto::encode_to_string(proto::PathRequest{a.get("path")}), a);
    }
    if (cmd.name == "candidates") {  // Example: candidates now=5000 max=10
        std::string out;
        for (const std::string& p :
             d_.tree().cleanup_candidates(a.get_int("now", 0), a.get_int("max", 100))) {
            out += p + "\n";
        }
        return out.empty() ? "(none)" : out;
    }
    if (cmd.name == "dump") {  // Example: dump path=/
        return dump(a.get("path", "/"));
    }
    if (cmd.name == "snapshot") {  // Example: snapshot (round trip; prints whether it matched)
        auto loaded = DataTree::deserialize(d_.tree().serialize(), Options{true, true, 0xfffff, 0});
        bool same = loaded.ok() && loaded->digest() == d_.tree().digest() &&
                    loaded->serialize() == d_.tree().serialize();
        return same ? "round trip ok" : "round trip MISMATCH";
    }
    // Example: get path=/a auth=digest:bob:h
    return read(cmd);
}

class TreeDataDriven : public ::testing::TestWithParam<std::string> {};

TEST_P(TreeDataDriven, Run) {
    Harness harness;
    datadriven::run_file(GetParam(), [&](const Command& cmd) { return harness.run(cmd); });
}

INSTANTIATE_TEST_SUITE_P(Files, TreeDataDriven,
                         ::testing::ValuesIn(datadriven::files_in(WD_TREE_TESTDATA_DIR)),
                         datadriven::test_name);

}  // namespace
}  // namespace wd::tree
