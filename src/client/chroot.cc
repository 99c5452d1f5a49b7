#include "client/chroot.h"

#include "client/connect_string.h"

namespace wd::client {

namespace {

template <class R>
concept HasPath = requires(R r) { r.path; };

struct AddChroot {
    std::string_view chroot;
    template <class R>
    void operator()(R& record) const {
        if constexpr (std::is_same_v<R, proto::MultiRequest>) {
            for (proto::MultiOp& op : record.ops) {
                std::visit(*this, op.body);
            }
        } else if constexpr (HasPath<R>) {
            record.path = prepend_chroot(chroot, record.path);
        }
    }
};

struct StripChroot {
    std::string_view chroot;
    template <class R>
    void operator()(R& record) const {
        if constexpr (std::is_same_v<R, proto::MultiResponse>) {
            for (proto::MultiResult& result : record.results) {
                std::visit(*this, result.body);
            }
        } else if constexpr (std::is_same_v<R, proto::GetEphemeralsResponse>) {
            for (std::string& path : record.ephemerals) {
                path = client::strip_chroot(chroot, path);
            }
        } else if constexpr (HasPath<R>) {
            record.path = client::strip_chroot(chroot, record.path);
        }
    }
};

}  // namespace

void add_chroot(std::string_view chroot, proto::RequestBody& body) {
    if (!chroot.empty()) {
        std::visit(AddChroot{chroot}, body);
    }
}

void strip_chroot(std::string_view chroot, proto::ResponseBody& body) {
    if (!chroot.empty()) {
        std::visit(StripChroot{chroot}, body);
    }
}

}  // namespace wd::client
